//! Projects, fleets and devices, and references to them as named in scopes.

use std::fmt;

/// The kind of a Connect entity a custom token can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityKind {
    Project,
    Fleet,
    Device,
}

impl EntityKind {
    pub const ALL: [EntityKind; 3] = [EntityKind::Project, EntityKind::Fleet, EntityKind::Device];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Project => "project",
            EntityKind::Fleet => "fleet",
            EntityKind::Device => "device",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EntityKind::Project => "Project",
            EntityKind::Fleet => "Fleet",
            EntityKind::Device => "Device",
        }
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A reference to one project, fleet or device. Fleets and devices are named inside their project.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityRef {
    Project { project: String },
    Fleet { project: String, fleet: String },
    Device { project: String, device: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{what} is empty")]
    Empty { what: &'static str },
    #[error("{what} is longer than {max} characters")]
    TooLong { what: &'static str, max: usize },
    #[error(
        "{what} \"{shown}\" is not valid: use lowercase letters, digits and '-', starting with a letter (2-32 characters)"
    )]
    BadProjectKey { what: &'static str, shown: String },
    #[error("{what} \"{shown}\" is not valid: use letters, digits, '.', '_' and '-' only")]
    BadName { what: &'static str, shown: String },
}

/// Shows an offending input in an error message without control characters and without flooding it.
pub(crate) fn shown(input: &str) -> String {
    let clean = crate::model::sanitize::sanitize_line(input);
    let mut out: String = clean.chars().take(40).collect();
    if clean.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// Project keys follow JFrog's rule: 2-32 characters, lowercase letters, digits and '-', starting with a letter.
pub fn validate_project_key(key: &str) -> Result<(), IdError> {
    let what = "project key";
    if key.is_empty() {
        return Err(IdError::Empty { what });
    }
    let mut chars = key.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let len = key.chars().count();
    if !first_ok || !rest_ok || !(2..=32).contains(&len) {
        return Err(IdError::BadProjectKey {
            what,
            shown: shown(key),
        });
    }
    Ok(())
}

/// Fleet names, device ids and user names: letters, digits, '.', '_' and '-', at most 64 characters
/// (no ':' or '/' so they stay unambiguous inside a scope item).
pub fn validate_name(what: &'static str, name: &str) -> Result<(), IdError> {
    if name.is_empty() {
        return Err(IdError::Empty { what });
    }
    if name.chars().count() > 64 {
        return Err(IdError::TooLong { what, max: 64 });
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(IdError::BadName {
            what,
            shown: shown(name),
        });
    }
    Ok(())
}

/// Why a username is refused by [`validate_username`]; the message names the field and the name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("username \"{shown}\": {reason}")]
pub struct UsernameError {
    pub shown: String,
    pub reason: &'static str,
}

/// Usernames follow JFrog's rule as this service keeps them: 1–64 characters of lowercase
/// `a-z`, digits, '.', '_', '-' and '@', starting with a letter or digit. Uppercase is refused
/// with a hint: JFrog usernames are case-insensitive, so one spelling is kept.
pub fn validate_username(name: &str) -> Result<(), UsernameError> {
    let err = |reason| {
        Err(UsernameError {
            shown: shown(name),
            reason,
        })
    };
    if name.is_empty() {
        return err("is empty");
    }
    if name.chars().count() > 64 {
        return err("is longer than 64 characters");
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return err("has uppercase letters: usernames are case-insensitive, write it in lowercase");
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-@".contains(c);
    if !name.chars().all(allowed) {
        return err("is not valid: use lowercase letters, digits, '.', '_', '-' and '@' only");
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return err("is not valid: start with a letter or digit");
    }
    Ok(())
}

impl EntityRef {
    pub fn kind(&self) -> EntityKind {
        match self {
            EntityRef::Project { .. } => EntityKind::Project,
            EntityRef::Fleet { .. } => EntityKind::Fleet,
            EntityRef::Device { .. } => EntityKind::Device,
        }
    }

    pub fn project(&self) -> &str {
        match self {
            EntityRef::Project { project }
            | EntityRef::Fleet { project, .. }
            | EntityRef::Device { project, .. } => project,
        }
    }

    /// The name inside the project: the fleet name or device id; the key itself for a project.
    pub fn name(&self) -> &str {
        match self {
            EntityRef::Project { project } => project,
            EntityRef::Fleet { fleet, .. } => fleet,
            EntityRef::Device { device, .. } => device,
        }
    }

    /// Builds a reference from a kind, project and name, validating each part.
    pub fn new(kind: EntityKind, project: &str, name: &str) -> Result<Self, IdError> {
        validate_project_key(project)?;
        Ok(match kind {
            EntityKind::Project => EntityRef::Project {
                project: project.to_owned(),
            },
            EntityKind::Fleet => {
                validate_name("fleet name", name)?;
                EntityRef::Fleet {
                    project: project.to_owned(),
                    fleet: name.to_owned(),
                }
            }
            EntityKind::Device => {
                validate_name("device id", name)?;
                EntityRef::Device {
                    project: project.to_owned(),
                    device: name.to_owned(),
                }
            }
        })
    }

    /// The target part of a scope item: `demo`, `demo/edge-eu`, `demo/d-feaf-d9aa`.
    pub fn target(&self) -> String {
        match self {
            EntityRef::Project { project } => project.clone(),
            EntityRef::Fleet { project, fleet } => format!("{project}/{fleet}"),
            EntityRef::Device { project, device } => format!("{project}/{device}"),
        }
    }
}

impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind(), self.target())
    }
}

/// Where a concrete resource sits in the hierarchy, for scope checks: a project, a fleet in it,
/// or a device in a fleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourcePath<'a> {
    pub project: &'a str,
    pub fleet: Option<&'a str>,
    pub device: Option<&'a str>,
}

impl<'a> ResourcePath<'a> {
    pub fn project(project: &'a str) -> Self {
        Self {
            project,
            fleet: None,
            device: None,
        }
    }
    pub fn fleet(project: &'a str, fleet: &'a str) -> Self {
        Self {
            project,
            fleet: Some(fleet),
            device: None,
        }
    }
    pub fn device(project: &'a str, fleet: &'a str, device: &'a str) -> Self {
        Self {
            project,
            fleet: Some(fleet),
            device: Some(device),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn usernames_follow_the_jfrog_rule() {
        for ok in [
            "a",
            "alice",
            "al.ice_x-y@corp.example",
            "0ps",
            &"a".repeat(64),
        ] {
            assert_eq!(validate_username(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("", "is empty"),
            (&"a".repeat(65) as &str, "longer than 64"),
            ("Alice", "lowercase"),
            ("al ice", "only"),
            (".alice", "start with"),
            ("@alice", "start with"),
            ("ali\u{202e}ce", "only"),
        ] {
            let e = validate_username(bad).unwrap_err().to_string();
            assert!(e.starts_with("username \""), "{e}");
            assert!(e.contains(why), "{bad:?}: {e}");
        }
    }

    use super::*;

    #[test]
    fn project_keys() {
        assert!(validate_project_key("demo").is_ok());
        assert!(validate_project_key("a1-b").is_ok());
        assert!(validate_project_key("a").is_err());
        assert!(validate_project_key("Demo").is_err());
        assert!(validate_project_key("1abc").is_err());
        assert!(validate_project_key("de/mo").is_err());
        assert!(validate_project_key(&"a".repeat(33)).is_err());
    }

    #[test]
    fn names_reject_separators_and_controls() {
        assert!(validate_name("device id", "d-feaf-d9aa").is_ok());
        for bad in ["", "a:b", "a/b", "a b", "\u{1b}[2J", "é"] {
            assert!(validate_name("device id", bad).is_err(), "{bad:?}");
        }
        let err = validate_name("device id", "\u{1b}[2Jx")
            .unwrap_err()
            .to_string();
        assert!(!err.contains('\u{1b}'));
    }
}
