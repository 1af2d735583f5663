//! Rotate: the replacement (same scope, description, owner and lifetime length:
//! [`crate::model::rotate`]) is created, the old token revoked, and the new secret shown once.

use std::sync::Arc;

use chrono::Utc;

use crate::api::RevokeOutcome;
use crate::model::Token;
use crate::model::rotate::{RotateError, UnknownScope, replacement_request};
use crate::model::sanitize::clean;

use super::io::Step;
use super::words::yes_no;
use super::{Session, secret};

pub async fn rotate(s: &mut Session, old: &Token) -> Step<()> {
    if s.readonly {
        s.io.error("this session is read-only; nothing was rotated");
        return Ok(());
    }
    let id = clean(&old.token_id);
    let go = ask_yes_no(
        s,
        &format!(
            "Rotate token {}, id {id}? A replacement with the same scope, description, owner \
             and lifetime is created and shown once, then this token is revoked. Type yes or \
             no, default no:",
            clean(&old.description)
        ),
    )
    .await?;
    if !go {
        s.io.say("Cancelled. Nothing was rotated.");
        return Ok(());
    }
    let now = Utc::now();
    let req = match replacement_request(old, now, UnknownScope::Refuse) {
        Ok(r) => r,
        Err(RotateError::UnknownScope(_)) => {
            let as_user = ask_yes_no(
                s,
                "The server did not say what this token may do. Is it a User token, acting with \
                 its owner's rights? Type yes to rotate it as one, or no to cancel, default no:",
            )
            .await?;
            if !as_user {
                s.io.say("Cancelled. Nothing was rotated.");
                return Ok(());
            }
            match replacement_request(old, now, UnknownScope::AsUser) {
                Ok(r) => r,
                Err(e) => {
                    s.io.error(&e.to_string());
                    return Ok(());
                }
            }
        }
        Err(e) => {
            s.io.error(&e.to_string());
            return Ok(());
        }
    };
    s.io.say("Creating the replacement.");
    let client = Arc::clone(&s.client);
    let created = match s.io.call(client.create_token(&req)).await? {
        Ok(c) => c,
        Err(e) => {
            s.io.error(&format!(
                "the replacement was not created: {e}; the old token is unchanged"
            ));
            return Ok(());
        }
    };
    let revoked = s.io.call(client.revoke_token(&old.token_id)).await?;
    let old_fate = match revoked {
        Ok(RevokeOutcome::Revoked) => format!("The old token {id} was revoked."),
        Ok(RevokeOutcome::AlreadyGone) => format!("The old token {id} was already gone."),
        Err(e) => format!(
            "Error: the old token {id} could not be revoked ({e}), so both tokens are live; \
             revoke it from the list."
        ),
    };
    s.rows = None;
    let about = format!(
        "Rotated: the replacement token {} was created. {old_fate}",
        clean(&created.meta.token_id)
    );
    secret::show(s, created, &about).await
}

/// Asks until the answer is yes or no (empty: no).
pub async fn ask_yes_no(s: &mut Session, prompt: &str) -> Step<bool> {
    loop {
        let answer = s.io.ask(prompt).await?;
        match yes_no(&answer, false) {
            Some(v) => return Ok(v),
            None => s.io.error("please answer yes or no"),
        }
    }
}
