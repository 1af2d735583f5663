//! One token's details and what can be done to it: revoke (confirmed; an admin token asks for
//! the first characters of its id, as the tab does) and rotate.

use std::sync::Arc;

use chrono::Utc;

use crate::api::RevokeOutcome;
use crate::model::Token;
use crate::model::sanitize::clean;

use super::super::app::confirm::PREFIX_LEN;
use super::super::app::tokens::Row;
use super::io::Step;
use super::words::{expiry_words, grant_words, last_used_words, status_words, yes_no};
use super::{Next, Session, rotate};

const ACTIONS: &str = "Token actions. Type a number and press Enter.\n\
    1. Revoke this token.\n\
    2. Rotate this token: a replacement with the same scope, then this one revoked.\n\
    3. Back to the list.";

/// Shows the token of `row` and asks what to do with it.
pub async fn open(s: &mut Session, row: Row) -> Step<Next> {
    let mut token = row.token;
    // A real JFrog list omits the scope: the token's own record has it.
    if token.scope.is_none() {
        let client = Arc::clone(&s.client);
        if let Ok(info) = s.io.call(client.get_token(&token.token_id)).await? {
            token = info.into_token();
        }
    }
    say_details(s, &token);
    s.io.say(ACTIONS);
    loop {
        let choice = s.io.ask("Token action, 1 to 3:").await?;
        match choice.to_lowercase().as_str() {
            "1" | "revoke" => {
                revoke(s, &token).await?;
                return Ok(Next::Menu);
            }
            "2" | "rotate" => {
                rotate::rotate(s, &token).await?;
                return Ok(Next::Menu);
            }
            "3" | "b" | "back" | "" => return Ok(Next::Menu),
            "q" | "quit" => return Ok(Next::Quit),
            other => s.io.error(&format!(
                "\"{other}\" is not a token action; type 1, 2 or 3"
            )),
        }
    }
}

fn say_details(s: &mut Session, t: &Token) {
    let now = Utc::now();
    let desc = if t.description.is_empty() {
        "none".to_owned()
    } else {
        clean(&t.description)
    };
    let mut lines = vec![
        format!("Details of token {}.", clean(&t.token_id)),
        format!("Description: {desc}."),
        format!("User: {}.", clean(t.username())),
        format!(
            "Status: {}, {}.",
            status_words(t.status(now)),
            expiry_words(t, now)
        ),
        format!("Issued: {}.", t.issued_at.format("%Y-%m-%d %H:%M UTC")),
        format!("Usage: {}.", last_used_words(t, now)),
        format!("Refreshable: {}.", if t.refreshable { "yes" } else { "no" }),
    ];
    match t.parsed_scope() {
        Some(scope) if scope.is_custom() => {
            lines.push("Scope: Custom.".to_owned());
            for (i, (target, acts)) in scope.grants().enumerate() {
                lines.push(format!(
                    "Permission {}: {}.",
                    i + 1,
                    grant_words(target, acts)
                ));
            }
        }
        Some(scope) => lines.push(format!("Scope: {}.", clean(&scope.summary()))),
        None => lines.push(format!("Scope: {}.", clean(&t.scope_summary()))),
    }
    if let Some(note) = t.disabled_note() {
        lines.push(format!("Note: {}.", clean(&note)));
    }
    s.io.say(&lines.join("\n"));
}

/// Asks, then revokes. An admin token needs its id's first characters typed.
pub async fn revoke(s: &mut Session, t: &Token) -> Step<()> {
    if s.readonly {
        s.io.error("this session is read-only; nothing was revoked");
        return Ok(());
    }
    let id = clean(&t.token_id);
    let desc = clean(&t.description);
    let confirmed = if t.is_admin_scoped() {
        let prefix: String = id.chars().take(PREFIX_LEN).collect();
        s.io.say(&format!(
            "Token {desc}, id {id}, is an admin token: it can do everything."
        ));
        let typed =
            s.io.ask(&format!(
                "To revoke it, type the first {PREFIX_LEN} characters of its id; anything else \
                 cancels:"
            ))
            .await?;
        !prefix.is_empty() && typed.eq_ignore_ascii_case(&prefix)
    } else {
        loop {
            let answer =
                s.io.ask(&format!(
                    "Revoke token {desc}, id {id}? It stops working at once. Type yes or no, \
                     default no:"
                ))
                .await?;
            match yes_no(&answer, false) {
                Some(yes) => break yes,
                None => s.io.error("please answer yes or no"),
            }
        }
    };
    if !confirmed {
        s.io.say("Cancelled. Nothing was revoked.");
        return Ok(());
    }
    s.io.say("Revoking the token.");
    let client = Arc::clone(&s.client);
    match s.io.call(client.revoke_token(&t.token_id)).await? {
        Ok(RevokeOutcome::Revoked) => {
            s.io.say(&format!("Token {desc}, id {id}, was revoked."));
            if let Some(rows) = s.rows.as_mut() {
                rows.remove(&id, Utc::now());
            }
        }
        Ok(RevokeOutcome::AlreadyGone) => {
            s.io.say(&format!(
                "Token {id} was not revoked: the server says it is unknown, already revoked or \
                 not yours."
            ));
            s.rows = None;
        }
        Err(e) => s.io.error(&format!("the token was not revoked: {e}")),
    }
    Ok(())
}
