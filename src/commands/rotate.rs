//! `tokentab tokens rotate ID`: the replacement (same scope, description, owner and lifetime
//! length: `model::rotate`) is created, its secret printed alone on stdout (or everything with
//! `--json`), then the old token is revoked. Exit codes as `create`: 0 ok, 1 API or server
//! error (also when the replacement exists but the old token could not be revoked: the secret
//! is printed all the same and stderr says which id is still live), 2 usage.

use std::io::Write;
use std::process::ExitCode;

use chrono::Utc;
use serde::Serialize;

use crate::api::{Client, RevokeOutcome};
use crate::model::rotate::{RotateError, UnknownScope, replacement_request};
use crate::model::sanitize::sanitize_line;

use super::report::{Failure, write_json};
use super::tokens::CreatedJson;

/// `--json` output of a rotate: the new token as `create --json` prints it, and the old one's fate.
#[derive(Serialize)]
struct RotatedJson<'a> {
    #[serde(flatten)]
    created: CreatedJson<'a>,
    old_token_id: &'a str,
    /// "revoked", "already_gone" or "error".
    old_token: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

pub(super) async fn rotate(
    client: &Client,
    id: &str,
    json: bool,
    as_user_token: bool,
) -> Result<ExitCode, Failure> {
    let id = id.trim();
    // The list may omit the scope (real JFrog): the token's own record is read first.
    let old = client.get_token(id).await?.into_token();
    let unknown = if as_user_token {
        UnknownScope::AsUser
    } else {
        UnknownScope::Refuse
    };
    let req = replacement_request(&old, Utc::now(), unknown).map_err(|e| match e {
        RotateError::UnknownScope(_) => Failure::Other(format!(
            "{e}; if it is a User token, rotate it with --as-user-token (the replacement acts \
             with its owner's rights)"
        )),
        e => Failure::Other(e.to_string()),
    })?;
    let created = client.create_token(&req).await?;
    let meta = &created.meta;
    let new_id = sanitize_line(&meta.token_id).into_owned();
    let old_id = sanitize_line(id).into_owned();
    let mut out = std::io::stdout().lock();
    if !json {
        // Printed before the revoke: whatever happens next, the new secret is not lost.
        out.write_all(created.secret.expose().as_bytes())?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    let revoked = client.revoke_token(id).await;
    let (word, message) = match &revoked {
        Ok(RevokeOutcome::Revoked) => ("revoked", None),
        Ok(RevokeOutcome::AlreadyGone) => ("already_gone", None),
        Err(e) => ("error", Some(e.user_message())),
    };
    if json {
        let j = RotatedJson {
            created: CreatedJson::new(&created, req.description.as_deref().unwrap_or("")),
            old_token_id: id,
            old_token: word,
            message: message.clone(),
        };
        write_json(&mut out, &j, false)?;
        out.flush()?;
    }
    match message {
        None => {
            eprintln!("tokentab: rotated: new token {new_id}; old token {old_id} {word}");
            Ok(ExitCode::SUCCESS)
        }
        Some(m) => {
            eprintln!(
                "tokentab: new token {new_id} created, but revoking the old token {old_id} failed: {}; \
                 both are live: revoke it with: tokentab tokens revoke {old_id}",
                sanitize_line(&m)
            );
            Ok(ExitCode::from(1))
        }
    }
}
