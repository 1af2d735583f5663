//! A Custom token's permission rows, one by one: the target entity (project, fleet or
//! device), the project, the fleet or device, the permissions; each row read back as it is
//! added, then "another?". Targets are checked against what the server lists, and every row
//! goes through the scope grammar ([`EntityRef::new`], [`Scope::grant`]).

use std::sync::Arc;

use crate::api::connect::DeviceQuery;
use crate::model::entity::{IdError, validate_name, validate_project_key};
use crate::model::sanitize::clean;
use crate::model::scope::MAX_SCOPE_LEN;
use crate::model::{Actions, EntityKind, EntityRef, Scope};

use super::Session;
use super::io::Step;
use super::rotate::ask_yes_no;
use super::words::grant_words;

/// Names listed in a prompt before "type ? to list them" takes over.
const LIST_IN_PROMPT: usize = 12;
/// Devices listed on `?`.
const DEVICES_LISTED: u32 = 20;

/// Asks for rows until the person says no more (at least one).
pub async fn ask_rows(s: &mut Session) -> Step<Scope> {
    let mut scope = Scope::default();
    let projects = project_keys(s).await?;
    loop {
        let n = scope.grants().count() + 1;
        s.io.say(&format!("Permission row {n}."));
        let kind = ask_kind(s).await?;
        let project = ask_choice(s, "Project", &projects, validate_project_key).await?;
        let target = match kind {
            EntityKind::Project => EntityRef::Project { project },
            EntityKind::Fleet => {
                let fleets = fleet_names(s, &project).await?;
                let what = format!("Fleet in project {project}");
                let fleet = ask_choice(s, &what, &fleets, fleet_name).await?;
                EntityRef::Fleet { project, fleet }
            }
            EntityKind::Device => ask_device(s, project).await?,
        };
        let actions = ask_actions(s).await?;
        let mut next = scope.clone();
        next.grant(target.clone(), actions);
        if next.to_string().len() > MAX_SCOPE_LEN {
            s.io.error(&format!(
                "with this row the scope would be longer than {MAX_SCOPE_LEN} characters; the row was not added"
            ));
        } else {
            scope = next;
            s.io.say(&format!(
                "Added permission row {n}: {}.",
                grant_words(&target, actions)
            ));
        }
        let more = !scope.is_empty()
            && ask_yes_no(s, "Add another permission row? Type yes or no, default no:").await?;
        if !more && !scope.is_empty() {
            return Ok(scope);
        }
    }
}

/// The rows of `scope` read back, one line each.
pub fn row_lines(scope: &Scope) -> Vec<String> {
    scope
        .grants()
        .enumerate()
        .map(|(i, (t, a))| format!("Permission row {}: {}.", i + 1, grant_words(t, a)))
        .collect()
}

async fn ask_kind(s: &mut Session) -> Step<EntityKind> {
    loop {
        let typed =
            s.io.ask_form("Target entity: type project, fleet or device, default project:")
                .await?;
        match typed.to_lowercase().as_str() {
            "" | "project" | "p" => return Ok(EntityKind::Project),
            "fleet" | "f" => return Ok(EntityKind::Fleet),
            "device" | "d" => return Ok(EntityKind::Device),
            other => s.io.error(&format!(
                "\"{other}\" is not a target entity; type project, fleet or device"
            )),
        }
    }
}

/// One of `names` (the server's list; empty: not known, then any name `check` takes).
async fn ask_choice(
    s: &mut Session,
    what: &str,
    names: &[String],
    check: fn(&str) -> Result<(), IdError>,
) -> Step<String> {
    let default = match names {
        [only] => Some(only.clone()),
        _ => None,
    };
    let listed = if names.is_empty() {
        String::new()
    } else if names.len() <= LIST_IN_PROMPT {
        format!("; one of {}", names.join(", "))
    } else {
        format!("; {} to choose from, type ? to list them", names.len())
    };
    let default_words = default
        .as_deref()
        .map_or(String::new(), |d| format!("; default {d}"));
    let prompt = format!("{what}{listed}{default_words}:");
    loop {
        let typed = s.io.ask_form(&prompt).await?;
        let name = match (typed.as_str(), &default) {
            ("?", _) if !names.is_empty() => {
                s.io.say(&format!("{}.", names.join(", ")));
                continue;
            }
            ("", Some(d)) => d.clone(),
            ("", None) => {
                s.io.error(&format!("{what} is required; please type one"));
                continue;
            }
            (t, _) => t.to_owned(),
        };
        if !names.is_empty() && !names.contains(&name) {
            s.io.error(&format!(
                "there is no {} named {}; please type one of the names listed",
                what.to_lowercase(),
                clean(&name)
            ));
            continue;
        }
        match check(&name) {
            Ok(()) => return Ok(name),
            Err(e) => s.io.error(&format!("{e}; please try again")),
        }
    }
}

fn fleet_name(name: &str) -> Result<(), IdError> {
    validate_name("fleet name", name)
}

async fn ask_device(s: &mut Session, project: String) -> Step<EntityRef> {
    let client = Arc::clone(&s.client);
    loop {
        let typed = s
            .io
            .ask_form(&format!(
                "Device id in project {project}; type ? followed by a few letters to search, or ? alone to list the first {DEVICES_LISTED}:"
            ))
            .await?;
        if let Some(search) = typed.strip_prefix('?') {
            let q = DeviceQuery {
                search: Some(search.trim().to_owned()).filter(|t| !t.is_empty()),
                limit: Some(DEVICES_LISTED),
                ..DeviceQuery::default()
            };
            match s.io.call(client.list_devices_page(&project, &q)).await? {
                Ok(list) if list.devices.is_empty() => s.io.say("No device matches."),
                Ok(list) => {
                    let lines: Vec<String> = list
                        .devices
                        .iter()
                        .map(|d| {
                            format!(
                                "{}, named {}.",
                                clean(&d.device_uuid),
                                clean(&d.device_name)
                            )
                        })
                        .collect();
                    s.io.say(&lines.join("\n"));
                }
                Err(e) => s.io.error(&format!("the devices could not be listed: {e}")),
            }
            continue;
        }
        let target = match EntityRef::new(EntityKind::Device, &project, &typed) {
            Ok(t) => t,
            Err(e) => {
                s.io.error(&format!("{e}; please try again"));
                continue;
            }
        };
        match s.io.call(client.get_device(&project, &typed)).await? {
            Ok(_) => return Ok(target),
            Err(e) => {
                s.io.error(&format!("device {}: {e}; please try again", clean(&typed)))
            }
        }
    }
}

/// "read write", "rw", "r, d", "read and delete": the actions, default read.
async fn ask_actions(s: &mut Session) -> Step<Actions> {
    loop {
        let typed = s
            .io
            .ask_form("Permissions: any of read, write and delete, or their letters r, w and d; default read:")
            .await?;
        match parse_actions(&typed) {
            Ok(a) => return Ok(a),
            Err(e) => s.io.error(&format!("{e}; please try again")),
        }
    }
}

fn parse_actions(typed: &str) -> Result<Actions, String> {
    let lower = typed.to_lowercase();
    if lower.trim().is_empty() {
        return Ok(Actions::NONE.with(crate::model::scope::Action::Read, true));
    }
    let mut letters = String::new();
    for word in lower.split(|c: char| c.is_whitespace() || c == ',') {
        match word {
            "" | "and" => {}
            "read" => letters.push('r'),
            "write" => letters.push('w'),
            "delete" => letters.push('d'),
            w => letters.push_str(w),
        }
    }
    letters
        .parse::<Actions>()
        .map_err(|e| format!("{e}: use read, write and delete, or r, w and d"))
}

async fn project_keys(s: &mut Session) -> Step<Vec<String>> {
    let client = Arc::clone(&s.client);
    Ok(match s.io.call(client.list_projects()).await? {
        Ok(ps) => ps.iter().map(|p| clean(&p.project_key)).collect(),
        Err(e) => {
            s.io.error(&format!("the projects could not be listed: {e}"));
            Vec::new()
        }
    })
}

async fn fleet_names(s: &mut Session, project: &str) -> Step<Vec<String>> {
    let client = Arc::clone(&s.client);
    Ok(match s.io.call(client.list_fleets(project)).await? {
        Ok(fs) => fs.iter().map(|f| clean(&f.name)).collect(),
        Err(e) => {
            s.io.error(&format!("the fleets could not be listed: {e}"));
            Vec::new()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_in_words_or_letters() {
        assert_eq!(parse_actions("").unwrap().to_string(), "r");
        assert_eq!(parse_actions("read and write").unwrap().to_string(), "rw");
        assert_eq!(parse_actions("r, d").unwrap().to_string(), "rd");
        assert!(parse_actions("rr").is_err());
        assert!(parse_actions("admin").is_err());
    }
}
