//! The scope grammar (README, "The embedded token service"): JFrog's own items kept as they are,
//! plus `connect:<kind>:<target>:<actions>` resource items.

use std::fmt;
use std::str::FromStr;

use super::entity::{
    EntityKind, EntityRef, IdError, ResourcePath, shown, validate_name, validate_project_key,
};

pub mod selector;

pub const MAX_SCOPE_LEN: usize = 500;
pub const ADMIN: &str = "applied-permissions/admin";
pub const USER: &str = "applied-permissions/user";

/// A set of r / w / d actions. Displayed in that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Actions {
    pub read: bool,
    pub write: bool,
    pub delete: bool,
}

/// One thing a token may do to a resource: r allows GET, w PATCH, d DELETE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Read,
    Write,
    Delete,
}

impl Action {
    pub const ALL: [Action; 3] = [Action::Read, Action::Write, Action::Delete];
    pub fn label(self) -> &'static str {
        match self {
            Action::Read => "Read",
            Action::Write => "Write",
            Action::Delete => "Delete",
        }
    }
}

impl Actions {
    pub const NONE: Actions = Actions {
        read: false,
        write: false,
        delete: false,
    };
    pub const ALL: Actions = Actions {
        read: true,
        write: true,
        delete: true,
    };

    pub fn is_empty(self) -> bool {
        !(self.read || self.write || self.delete)
    }
    pub fn has(self, a: Action) -> bool {
        match a {
            Action::Read => self.read,
            Action::Write => self.write,
            Action::Delete => self.delete,
        }
    }
    pub fn with(mut self, a: Action, on: bool) -> Self {
        match a {
            Action::Read => self.read = on,
            Action::Write => self.write = on,
            Action::Delete => self.delete = on,
        }
        self
    }
    pub fn union(self, o: Actions) -> Actions {
        Actions {
            read: self.read || o.read,
            write: self.write || o.write,
            delete: self.delete || o.delete,
        }
    }
    /// "Read, Write" style text for the UI.
    pub fn labels(self) -> String {
        Action::ALL
            .iter()
            .filter(|a| self.has(**a))
            .map(|a| a.label())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Actions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.read {
            f.write_str("r")?;
        }
        if self.write {
            f.write_str("w")?;
        }
        if self.delete {
            f.write_str("d")?;
        }
        Ok(())
    }
}

impl FromStr for Actions {
    type Err = ScopeError;
    fn from_str(s: &str) -> Result<Self, ScopeError> {
        if s.is_empty() {
            return Err(ScopeError::NoActions);
        }
        let mut acts = Actions::NONE;
        for c in s.chars() {
            let a = match c {
                'r' => Action::Read,
                'w' => Action::Write,
                'd' => Action::Delete,
                other => {
                    return Err(ScopeError::BadAction {
                        action: shown(&other.to_string()),
                    });
                }
            };
            if acts.has(a) {
                return Err(ScopeError::RepeatedAction { action: c });
            }
            acts = acts.with(a, true);
        }
        Ok(acts)
    }
}

/// One space-separated item of a scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ScopeItem {
    /// `applied-permissions/admin`
    Admin,
    /// `applied-permissions/user`
    User,
    /// `connect:<kind>:<target>:<actions>`
    Connect { target: EntityRef, actions: Actions },
    /// Another JFrog item (`applied-permissions/groups:…`, `artifact:…`, `system:…`), kept verbatim.
    /// It grants nothing in the embedded service.
    Other(String),
}

impl fmt::Display for ScopeItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeItem::Admin => f.write_str(ADMIN),
            ScopeItem::User => f.write_str(USER),
            ScopeItem::Connect { target, actions } => {
                write!(
                    f,
                    "connect:{}:{}:{}",
                    target.kind(),
                    target.target(),
                    actions
                )
            }
            ScopeItem::Other(s) => f.write_str(s),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("scope is empty")]
    Empty,
    #[error("scope is {len} characters long; the limit is {MAX_SCOPE_LEN}")]
    TooLong { len: usize },
    #[error("scope item \"{item}\" is not recognised")]
    Unknown { item: String },
    #[error(
        "scope item \"{item}\" should look like connect:<project|fleet|device>:<target>:<actions>"
    )]
    BadConnect { item: String },
    #[error("unknown entity kind \"{kind}\" (use project, fleet or device)")]
    BadKind { kind: String },
    #[error("{kind} target \"{target}\" should be {expected}")]
    BadTarget {
        kind: EntityKind,
        target: String,
        expected: &'static str,
    },
    #[error("no permission given: use r, w and/or d")]
    NoActions,
    #[error("unknown permission \"{action}\": use r (read), w (write), d (delete)")]
    BadAction { action: String },
    #[error("permission \"{action}\" is repeated")]
    RepeatedAction { action: char },
    #[error("unbalanced double quote in scope")]
    UnbalancedQuote,
    #[error(transparent)]
    Id(#[from] IdError),
}

/// A parsed scope: a list of items. Order is kept; duplicates of the same Connect target merge.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Scope {
    items: Vec<ScopeItem>,
}

impl Scope {
    pub fn admin() -> Self {
        Scope {
            items: vec![ScopeItem::Admin],
        }
    }
    pub fn user() -> Self {
        Scope {
            items: vec![ScopeItem::User],
        }
    }
    pub fn items(&self) -> &[ScopeItem] {
        &self.items
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn is_admin(&self) -> bool {
        self.items.contains(&ScopeItem::Admin)
    }
    pub fn is_user(&self) -> bool {
        self.items.contains(&ScopeItem::User)
    }
    /// Connect items only: a "custom" token.
    pub fn is_custom(&self) -> bool {
        !self.items.is_empty()
            && self
                .items
                .iter()
                .all(|i| matches!(i, ScopeItem::Connect { .. }))
    }

    /// Adds a grant; a second grant on the same target merges its actions into the first.
    pub fn grant(&mut self, target: EntityRef, actions: Actions) {
        for item in &mut self.items {
            if let ScopeItem::Connect {
                target: t,
                actions: a,
            } = item
            {
                if *t == target {
                    *a = a.union(actions);
                    return;
                }
            }
        }
        self.items.push(ScopeItem::Connect { target, actions });
    }

    /// Removes the grant on a target; true if there was one.
    pub fn revoke_grant(&mut self, target: &EntityRef) -> bool {
        let before = self.items.len();
        self.items
            .retain(|i| !matches!(i, ScopeItem::Connect { target: t, .. } if t == target));
        before != self.items.len()
    }

    /// The Connect grants of this scope.
    pub fn grants(&self) -> impl Iterator<Item = (&EntityRef, Actions)> {
        self.items.iter().filter_map(|i| match i {
            ScopeItem::Connect { target, actions } => Some((target, *actions)),
            _ => None,
        })
    }

    /// Whether an explicit item of this scope allows `action` on the resource at `path`.
    /// `applied-permissions/admin` allows everything. `applied-permissions/user` is not decided
    /// here: it depends on the subject user's own rights, which the caller knows.
    pub fn covers(&self, path: ResourcePath<'_>, action: Action) -> bool {
        self.items.iter().any(|item| match item {
            ScopeItem::Admin => true,
            ScopeItem::Connect { target, actions } => {
                actions.has(action) && target_covers(target, path)
            }
            ScopeItem::User | ScopeItem::Other(_) => false,
        })
    }

    /// Whether any item lets the holder read something inside `project` (for listing filters).
    pub fn touches_project(&self, project: &str) -> bool {
        self.items.iter().any(|item| match item {
            ScopeItem::Admin => true,
            ScopeItem::Connect { target, actions } => actions.read && target.project() == project,
            _ => false,
        })
    }

    /// Table text: `Admin`, `User`, or `Custom: <first item> (+N)`.
    pub fn summary(&self) -> String {
        if self.is_admin() {
            return "Admin".into();
        }
        if self.items.len() == 1 && self.is_user() {
            return "User".into();
        }
        let Some(first) = self.items.first() else {
            return "—".into();
        };
        let first = match first {
            ScopeItem::Connect { target, actions } => format!("{} {}", target, actions),
            other => other.to_string(),
        };
        let more = self.items.len() - 1;
        if more == 0 {
            format!("Custom: {first}")
        } else {
            format!("Custom: {first} (+{more})")
        }
    }
}

/// Whether a grant on `target` reaches the resource at `path`: a project covers its fleets and
/// devices; a fleet covers itself and its devices; a device covers only itself.
fn target_covers(target: &EntityRef, path: ResourcePath<'_>) -> bool {
    match target {
        EntityRef::Project { project } => project == path.project,
        EntityRef::Fleet { project, fleet } => {
            project == path.project && path.fleet == Some(fleet.as_str())
        }
        EntityRef::Device { project, device } => {
            project == path.project && path.device == Some(device.as_str())
        }
    }
}

/// Splits on whitespace outside double quotes (JFrog quotes group names with spaces).
fn split_items(s: &str) -> Result<Vec<&str>, ScopeError> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut in_quotes = false;
    for (i, c) in s.char_indices() {
        if c == '"' {
            in_quotes = !in_quotes;
        }
        if c.is_whitespace() && !in_quotes {
            if let Some(st) = start.take() {
                out.push(&s[st..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if in_quotes {
        return Err(ScopeError::UnbalancedQuote);
    }
    if let Some(st) = start {
        out.push(&s[st..]);
    }
    Ok(out)
}

fn parse_item(item: &str) -> Result<ScopeItem, ScopeError> {
    if item.chars().any(super::sanitize::is_unsafe_char) {
        return Err(ScopeError::Unknown { item: shown(item) });
    }
    match item {
        ADMIN => return Ok(ScopeItem::Admin),
        USER => return Ok(ScopeItem::User),
        _ => {}
    }
    if let Some(rest) = item.strip_prefix("connect:") {
        return parse_connect(item, rest);
    }
    let known_other = [
        "applied-permissions/groups:",
        "applied-permissions/roles:",
        "artifact:",
        "system:",
    ];
    if known_other
        .iter()
        .any(|p| item.starts_with(p) && item.len() > p.len())
    {
        return Ok(ScopeItem::Other(item.to_owned()));
    }
    Err(ScopeError::Unknown { item: shown(item) })
}

fn parse_connect(item: &str, rest: &str) -> Result<ScopeItem, ScopeError> {
    let parts: Vec<&str> = rest.split(':').collect();
    let [kind, target, actions] = parts[..] else {
        return Err(ScopeError::BadConnect { item: shown(item) });
    };
    let kind = match kind {
        "project" => EntityKind::Project,
        "fleet" => EntityKind::Fleet,
        "device" => EntityKind::Device,
        other => return Err(ScopeError::BadKind { kind: shown(other) }),
    };
    let actions: Actions = actions.parse()?;
    let target = match kind {
        EntityKind::Project => {
            if target.contains('/') {
                return Err(ScopeError::BadTarget {
                    kind,
                    target: shown(target),
                    expected: "a project key",
                });
            }
            validate_project_key(target)?;
            EntityRef::Project {
                project: target.to_owned(),
            }
        }
        EntityKind::Fleet | EntityKind::Device => {
            let expected = if kind == EntityKind::Fleet {
                "<project_key>/<fleet>"
            } else {
                "<project_key>/<device_id>"
            };
            let Some((project, name)) = target.split_once('/') else {
                return Err(ScopeError::BadTarget {
                    kind,
                    target: shown(target),
                    expected,
                });
            };
            validate_project_key(project)?;
            let what = if kind == EntityKind::Fleet {
                "fleet name"
            } else {
                "device id"
            };
            validate_name(what, name)?;
            EntityRef::new(kind, project, name)?
        }
    };
    Ok(ScopeItem::Connect { target, actions })
}

impl FromStr for Scope {
    type Err = ScopeError;

    fn from_str(s: &str) -> Result<Self, ScopeError> {
        let len = s.chars().count();
        if len > MAX_SCOPE_LEN {
            return Err(ScopeError::TooLong { len });
        }
        let raw = split_items(s)?;
        if raw.is_empty() {
            return Err(ScopeError::Empty);
        }
        let mut scope = Scope::default();
        for item in raw {
            match parse_item(item)? {
                ScopeItem::Connect { target, actions } => scope.grant(target, actions),
                other => {
                    if !scope.items.contains(&other) {
                        scope.items.push(other)
                    }
                }
            }
        }
        Ok(scope)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{item}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
