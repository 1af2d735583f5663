//! What both backends take to list devices, and to find the tokens naming an entity; how
//! both store a list of strings.

use crate::model::EntityRef;

/// A list of strings (tags, roles, ids) as the JSON text both backends store.
pub fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

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

/// The `project_key` and the three scope patterns that find (a superset of) the live tokens
/// naming `target`; both backends use them.
pub(crate) fn naming_patterns(target: &EntityRef) -> (Option<String>, [Option<String>; 3]) {
    match target {
        EntityRef::Project { project } => (
            Some(project.clone()),
            [
                Some(format!("%connect:project:{project}:%")),
                Some(format!("%connect:fleet:{project}/%")),
                Some(format!("%connect:device:{project}/%")),
            ],
        ),
        other => (
            None,
            [
                Some(format!("%connect:{}:{}:%", other.kind(), other.target())),
                None,
                None,
            ],
        ),
    }
}
