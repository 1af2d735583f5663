//! [`Principal`]: the token a request authenticated with and what it may do (scope checks).
//! Apart from `auth.rs` so that the auth cache can hold principals without importing the
//! authenticator (which reads the state that owns the cache: no file cycle).

use crate::model::entity::ResourcePath;
use crate::model::scope::{Action, Scope, ScopeItem};

use super::store::entities::DeviceFilter;

/// The token a request authenticated with, and what it may do.
#[derive(Debug, Clone)]
pub struct Principal {
    pub token_id: String,
    pub username: String,
    /// The subject user has the admin flag.
    pub user_admin: bool,
    pub scope: Scope,
    /// Projects the subject user belongs to.
    pub memberships: Vec<String>,
}

impl Principal {
    /// Platform admin: an admin-scoped token, or an admin user's identity (user-scoped) token.
    pub fn is_admin(&self) -> bool {
        self.scope.is_admin() || (self.scope.is_user() && self.user_admin)
    }

    /// Acts as its user (may manage that user's tokens).
    pub fn is_identity(&self) -> bool {
        self.scope.is_admin() || self.scope.is_user()
    }

    /// Whether this token may do `action` on the resource at `path`.
    pub fn can(&self, path: ResourcePath<'_>, action: Action) -> bool {
        if self.scope.covers(path, action) && self.holds_grants_in(path.project) {
            return true;
        }
        self.scope.is_user()
            && (self.user_admin || (action == Action::Read && self.is_member(path.project)))
    }

    fn is_member(&self, project: &str) -> bool {
        self.memberships.iter().any(|m| m == project)
    }

    /// Whether the token's grants on `project` hold now: an admin-scoped token and an admin
    /// user's tokens always; a non-admin user's Connect grants only while the user is a member
    /// of the project (removing the member stops them at the next request: the membership
    /// change bumps the revocation epoch).
    fn holds_grants_in(&self, project: &str) -> bool {
        self.scope.is_admin() || self.user_admin || self.is_member(project)
    }

    /// Which devices of `project` this token may read; None when none at all.
    pub fn device_filter(&self, project: &str) -> Option<DeviceFilter> {
        if self.can(ResourcePath::project(project), Action::Read) {
            return Some(DeviceFilter::All);
        }
        if !self.holds_grants_in(project) {
            return None;
        }
        let mut fleets = Vec::new();
        let mut devices = Vec::new();
        for item in self.scope.items() {
            if let ScopeItem::Connect { target, actions } = item {
                if !actions.read || target.project() != project {
                    continue;
                }
                match target {
                    crate::model::EntityRef::Fleet { fleet, .. } => fleets.push(fleet.clone()),
                    crate::model::EntityRef::Device { device, .. } => devices.push(device.clone()),
                    crate::model::EntityRef::Project { .. } => return Some(DeviceFilter::All),
                }
            }
        }
        if fleets.is_empty() && devices.is_empty() {
            None
        } else {
            Some(DeviceFilter::Only { fleets, devices })
        }
    }
}
