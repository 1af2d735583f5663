//! What both backends take to list devices.

/// Which devices of a project a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceFilter {
    All,
    Only {
        fleets: Vec<String>,
        devices: Vec<String>,
    },
}

/// One page request of `GET /api/v2/{project}/devices`.
#[derive(Debug, Clone)]
pub struct DeviceQuery {
    pub fleet: Option<String>,
    /// Any of these tags.
    pub tags: Vec<String>,
    /// Case-insensitive contains on the id or the name.
    pub search: Option<String>,
    /// The last device id of the previous page.
    pub after: Option<String>,
    pub limit: u32,
    pub filter: DeviceFilter,
}
