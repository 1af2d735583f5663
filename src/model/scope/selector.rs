//! A bulk revoke's scope target (`fleet:demo/edge-eu`, `project:demo`, `device:demo/edge-eu/d-1`
//! or `device:demo/d-1`) and which scopes reach it (issue 20, item 3).
//!
//! A scope **reaches** a target when one of its Connect grants overlaps it: a grant on the
//! target, on what contains it, or on something inside it. A project is reached by every grant
//! in it; a fleet by grants on itself, its project and its devices (the service lists them:
//! a device grant names only `project/device`); a device by grants on itself, its project and
//! its fleet (given as `device:P/F/D`, or looked up by the service). **Exact**: only grants
//! naming the target itself. Admin-scoped scopes reach
//! everything ([`ScopeTarget::reaches`] says so with `admin: true`); `applied-permissions/user`
//! reaches nothing by its scope (it acts with its user's rights: revoke those by user).

use std::fmt;
use std::str::FromStr;

use super::super::entity::{EntityKind, EntityRef, IdError, shown};
use super::Scope;

/// The target of a bulk revoke by scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeTarget {
    pub entity: EntityRef,
    /// The fleet a device target sits in, when known (`device:P/F/D`, or the device's row).
    pub fleet: Option<String>,
    /// The devices a fleet target holds (filled by the service from its rows).
    pub devices: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    #[error(
        "scope target \"{0}\" should be project:<project_key>, fleet:<project_key>/<fleet> or device:<project_key>/[<fleet>/]<device_id>"
    )]
    Shape(String),
    #[error(transparent)]
    Id(#[from] IdError),
}

/// How a scope stands to a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// No grant of it reaches the target.
    No,
    /// A Connect grant on the target (or, unless exact, on what contains it).
    Grant,
    /// `applied-permissions/admin`: it reaches everything.
    Admin,
}

impl FromStr for ScopeTarget {
    type Err = SelectorError;

    fn from_str(s: &str) -> Result<Self, SelectorError> {
        let bad = || SelectorError::Shape(shown(s));
        let (kind, rest) = s.trim().split_once(':').ok_or_else(bad)?;
        let parts: Vec<&str> = rest.split('/').collect();
        let (kind, project, name, fleet) = match (kind, &parts[..]) {
            ("project", [p]) => (EntityKind::Project, *p, *p, None),
            ("fleet", [p, f]) => (EntityKind::Fleet, *p, *f, None),
            ("device", [p, d]) => (EntityKind::Device, *p, *d, None),
            ("device", [p, f, d]) => (EntityKind::Device, *p, *d, Some(*f)),
            _ => return Err(bad()),
        };
        let entity = EntityRef::new(kind, project, name)?;
        if let Some(f) = fleet {
            super::super::entity::validate_name("fleet name", f)?;
        }
        Ok(ScopeTarget {
            entity,
            fleet: fleet.map(str::to_owned),
            devices: Vec::new(),
        })
    }
}

impl fmt::Display for ScopeTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.entity, &self.fleet) {
            (EntityRef::Device { project, device }, Some(fleet)) => {
                write!(f, "device:{project}/{fleet}/{device}")
            }
            (e, _) => write!(f, "{}:{}", e.kind(), e.target()),
        }
    }
}

impl ScopeTarget {
    /// Whether a grant on `grant` reaches this target (`exact`: names it).
    pub fn grant_reaches(&self, grant: &EntityRef, exact: bool) -> bool {
        if *grant == self.entity {
            return true;
        }
        if exact || grant.project() != self.entity.project() {
            return false;
        }
        match (&self.entity, grant) {
            (EntityRef::Project { .. }, _) | (_, EntityRef::Project { .. }) => true,
            (EntityRef::Fleet { .. }, EntityRef::Device { device, .. }) => {
                self.devices.iter().any(|d| d == device)
            }
            (EntityRef::Device { .. }, EntityRef::Fleet { fleet, .. }) => {
                self.fleet.as_deref() == Some(fleet.as_str())
            }
            _ => false,
        }
    }

    /// How `scope` stands to this target: an admin scope is [`Reach::Admin`] (whatever its
    /// other items), else [`Reach::Grant`] when a Connect grant reaches it.
    pub fn reaches(&self, scope: &Scope, exact: bool) -> Reach {
        if scope.is_admin() {
            Reach::Admin
        } else if scope.grants().any(|(g, _)| self.grant_reaches(g, exact)) {
            Reach::Grant
        } else {
            Reach::No
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(target: &str, scope: &str, exact: bool) -> Reach {
        let t: ScopeTarget = target.parse().unwrap();
        t.reaches(&scope.parse().unwrap(), exact)
    }

    #[test]
    fn targets_parse_and_print_back() {
        for s in [
            "project:demo",
            "fleet:demo/edge-eu",
            "device:demo/d-1",
            "device:demo/edge-eu/d-1",
        ] {
            assert_eq!(s.parse::<ScopeTarget>().unwrap().to_string(), s);
        }
        for bad in [
            "",
            "demo",
            "fleet:demo",
            "project:demo/x",
            "group:demo/x",
            "fleet:Demo/x",
            "device:demo/a/b/c",
            "fleet:demo/\u{1b}[2J",
        ] {
            let e = bad.parse::<ScopeTarget>().unwrap_err().to_string();
            assert!(!e.contains('\u{1b}'), "{e}");
        }
    }

    #[test]
    fn a_fleet_is_reached_by_itself_and_its_project_exact_by_itself_only() {
        let f = "fleet:demo/edge-eu";
        assert_eq!(
            reach(f, "connect:fleet:demo/edge-eu:r", false),
            Reach::Grant
        );
        assert_eq!(reach(f, "connect:project:demo:r", false), Reach::Grant);
        assert_eq!(reach(f, "connect:project:demo:r", true), Reach::No);
        assert_eq!(reach(f, "connect:fleet:demo/edge-eu:w", true), Reach::Grant);
        assert_eq!(reach(f, "connect:fleet:demo/edge-us:r", false), Reach::No);
        assert_eq!(reach(f, "connect:project:other:r", false), Reach::No);
        assert_eq!(reach(f, "connect:device:demo/d-1:r", false), Reach::No);
        let mut t: ScopeTarget = f.parse().unwrap();
        t.devices = vec!["d-1".into()];
        let dev = "connect:device:demo/d-1:r".parse().unwrap();
        assert_eq!(
            t.reaches(&dev, false),
            Reach::Grant,
            "a device of the fleet"
        );
        assert_eq!(t.reaches(&dev, true), Reach::No);
        assert_eq!(reach(f, "applied-permissions/user", false), Reach::No);
        assert_eq!(reach(f, "applied-permissions/admin", true), Reach::Admin);
    }

    #[test]
    fn a_device_is_reached_through_the_fleet_it_names() {
        let d = "device:demo/edge-eu/d-1";
        assert_eq!(
            reach(d, "connect:fleet:demo/edge-eu:r", false),
            Reach::Grant
        );
        assert_eq!(reach(d, "connect:fleet:demo/edge-eu:r", true), Reach::No);
        assert_eq!(reach(d, "connect:device:demo/d-1:r", true), Reach::Grant);
        assert_eq!(reach(d, "connect:project:demo:r", false), Reach::Grant);
        assert_eq!(
            reach("device:demo/d-1", "connect:fleet:demo/edge-eu:r", false),
            Reach::No
        );
        assert_eq!(
            reach("project:demo", "connect:fleet:demo/edge-eu:r", false),
            Reach::Grant
        );
        assert_eq!(
            reach("project:demo", "connect:fleet:demo/edge-eu:r", true),
            Reach::No
        );
    }
}
