//! A token's scope as Details reads it: one line per permission, in the words of the create
//! form (Target entity · Target · Permission action types), devices by name.

use std::collections::HashMap;

use crate::model::entity::EntityRef;
use crate::model::scope::{Actions, ScopeItem};

use super::super::app::picker::name_with_id;

/// The heading over the permission lines.
pub const HEADING: &str = "Target entity · Target · Permission action types";

/// "Device · demo / kiosk-12 (d-03c2…) · Read, Write"; `names` maps device ids to names.
pub fn permission_line(item: &ScopeItem, names: &HashMap<String, String>) -> String {
    match item {
        ScopeItem::Admin => "Admin · everything, every project".into(),
        ScopeItem::User => "User · what its user may do".into(),
        ScopeItem::Connect { target, actions } => {
            let what = match target {
                EntityRef::Project { project } => project.clone(),
                EntityRef::Fleet { project, fleet } => format!("{project} / {fleet}"),
                EntityRef::Device { project, device } => {
                    let name = names.get(device).map_or("", String::as_str);
                    format!("{project} / {}", name_with_id(name, device))
                }
            };
            format!(
                "{} · {what} · {}",
                target.kind().label(),
                action_words(*actions)
            )
        }
        ScopeItem::Other(raw) => raw.clone(),
    }
}

/// "Read, Write, Delete" in that order.
fn action_words(a: Actions) -> String {
    [(a.read, "Read"), (a.write, "Write"), (a.delete, "Delete")]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, w)| *w)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::scope::Scope;

    fn item(text: &str) -> ScopeItem {
        let scope: Scope = text.parse().expect("a scope");
        scope.items()[0].clone()
    }

    #[test]
    fn devices_by_name_with_their_short_id_and_actions_in_words() {
        let device = item("connect:device:demo/d-03c2-1f75-aaaa:rw");
        let mut names = HashMap::new();
        assert_eq!(
            permission_line(&device, &names),
            "Device · demo / d-03c2-1f75-aaaa · Read, Write"
        );
        names.insert("d-03c2-1f75-aaaa".to_owned(), "kiosk-12".to_owned());
        let line = permission_line(&device, &names);
        assert!(
            line.starts_with("Device · demo / kiosk-12 (d-03c2"),
            "{line}"
        );
        assert!(line.ends_with(") · Read, Write"), "{line}");
        let fleet = item("connect:fleet:demo/edge-eu:rwd");
        assert_eq!(
            permission_line(&fleet, &names),
            "Fleet · demo / edge-eu · Read, Write, Delete"
        );
    }
}
