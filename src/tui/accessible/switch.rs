//! Switch server: the profiles (and the JFrog CLI servers, and the embedded service) as a
//! numbered list; the chosen one is connected and checked with a first one-token list before
//! the old one is let go ([`connect_and_check`], as the tab's `P`).

use std::sync::Arc;
use std::time::Duration;

use crate::model::sanitize::clean;

use super::super::switch::connect_and_check;
use super::io::Step;
use super::{Next, Session, greet};

pub async fn switch(s: &mut Session) -> Step<Next> {
    let Some(connector) = s.connector.clone() else {
        s.io.error("switching servers is not available in this session");
        return Ok(Next::Menu);
    };
    if s.servers.is_empty() {
        s.io.say("There are no other servers to switch to: add profiles to the config file.");
        return Ok(Next::Menu);
    }
    let mut lines = vec!["Servers. Type a number and press Enter, or b to go back.".to_owned()];
    for (i, e) in s.servers.iter().enumerate() {
        let now = if s.current_server.as_deref() == Some(e.key.as_str()) {
            ", in use now"
        } else {
            ""
        };
        let broken = e
            .problem
            .as_deref()
            .map_or(String::new(), |p| format!(", cannot be used: {}", clean(p)));
        let ro = if e.readonly { ", read-only" } else { "" };
        lines.push(format!(
            "{}. {}, {} at {}{ro}{now}{broken}.",
            i + 1,
            clean(&e.name),
            clean(&e.kind),
            clean(&e.url)
        ));
    }
    s.io.say(&lines.join("\n"));
    let entry = loop {
        let typed =
            s.io.ask(&format!(
                "Server, 1 to {}, or b to go back:",
                s.servers.len()
            ))
            .await?;
        if matches!(typed.to_lowercase().as_str(), "b" | "back" | "") {
            return Ok(Next::Menu);
        }
        match typed.parse::<usize>() {
            Ok(n) if (1..=s.servers.len()).contains(&n) => break s.servers[n - 1].clone(),
            _ => s.io.error(&format!(
                "\"{typed}\" is not a server number; type 1 to {}",
                s.servers.len()
            )),
        }
    };
    if let Some(p) = &entry.problem {
        s.io.error(&format!(
            "{} cannot be used: {}; the server is unchanged",
            clean(&entry.name),
            clean(p)
        ));
        return Ok(Next::Menu);
    }
    s.io.say(&format!("Connecting to {}.", clean(&entry.name)));
    let check = connect_and_check(connector, entry.key.clone(), Duration::from_secs(30));
    match s.io.wait(check).await? {
        Ok(session) => {
            s.client = Arc::clone(&session.client.0);
            s.label = session.label;
            s.embedded = session.embedded;
            s.readonly = session.readonly;
            s.rows = None;
            s.me = None;
            s.current_server = Some(entry.key);
            greet(s).await?;
        }
        Err(e) => s.io.error(&format!(
            "could not switch to {}: {}; the server is unchanged",
            clean(&entry.name),
            clean(&e)
        )),
    }
    Ok(Next::Menu)
}
