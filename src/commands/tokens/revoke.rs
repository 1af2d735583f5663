//! `tokentab tokens revoke ID…`: each id looked up, an admin token confirmed (its first 4
//! characters on the terminal, or `--yes`), then revoked; exit 0 only when every id was.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use crate::api::{ApiError, Client, RevokeOutcome};
use crate::model::Token;
use crate::model::sanitize::sanitize_line;

use super::super::report::{Failure, write_json};

#[derive(Serialize)]
struct RevokeJson {
    token_id: String,
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// What becomes of one id before any revoke is sent.
enum Plan {
    Revoke,
    Skip(&'static str, String),
}

/// What the server said when nothing was revoked (it answers 204 for all three).
const NOT_REVOKED: &str =
    "not revoked: unknown, already revoked or not yours (the server answered 204)";

/// Exit 0 only when every id was revoked; 1 when one was not or failed. Admin tokens are looked
/// up first and each confirmed on the terminal (or `--yes`) before anything is revoked; without
/// a terminal the whole command is refused (exit 2) and nothing is revoked.
pub(super) async fn revoke(
    client: &Client,
    ids: &[String],
    json: bool,
    yes: bool,
) -> Result<ExitCode, Failure> {
    let ids: Vec<&str> = ids.iter().map(|i| i.trim()).collect();
    let mut plans: Vec<Plan> = Vec::with_capacity(ids.len());
    let mut admins: Vec<(usize, Token)> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        plans.push(match client.get_token(id).await {
            Ok(info) => {
                let t = info.into_token();
                if t.is_admin_scoped() && !yes {
                    admins.push((i, t));
                }
                Plan::Revoke
            }
            // Unknown or not ours to see: the revoke says what the server says.
            Err(ApiError::NotFound { .. }) => Plan::Revoke,
            Err(e) => Plan::Skip("error", e.user_message()),
        });
    }
    if !admins.is_empty() {
        let which: Vec<String> = admins
            .iter()
            .map(|(_, t)| sanitize_line(&t.token_id).into_owned())
            .collect();
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty");
        let Ok(mut tty) = tty else {
            let (are, tokens, them) = if which.len() == 1 {
                ("is", "an admin token", "it")
            } else {
                ("are", "admin tokens", "them")
            };
            return Err(Failure::Usage(format!(
                "{} {are} {tokens}: revoking {them} needs --yes, or a terminal to confirm on; \
                 nothing was revoked",
                which.join(", "),
            )));
        };
        for (i, t) in &admins {
            if !confirm_admin(&mut tty, t)? {
                plans[*i] = Plan::Skip(
                    "not_confirmed",
                    "an admin token, not confirmed: not revoked".into(),
                );
            }
        }
    }
    // A closed stdout stops the output, never the revokes (and its exit code is theirs).
    let mut out = std::io::stdout().lock();
    let mut written: Result<(), Failure> = Ok(());
    let mut results = Vec::new();
    let mut all_revoked = true;
    for (id, plan) in ids.iter().zip(plans) {
        let shown = sanitize_line(id).into_owned();
        let (result, message) = match plan {
            Plan::Skip(word, why) => (word, Some(why)),
            Plan::Revoke => match client.revoke_token(id).await {
                Ok(RevokeOutcome::Revoked) => ("revoked", None),
                Ok(RevokeOutcome::AlreadyGone) => ("already_gone", Some(NOT_REVOKED.to_owned())),
                Err(e) => ("error", Some(e.user_message())),
            },
        };
        match &message {
            Some(m) => {
                all_revoked = false;
                eprintln!("tokentab: {shown}: {}", sanitize_line(m));
            }
            None if !json && written.is_ok() => {
                written = writeln!(out, "revoked {shown}").map_err(Failure::from);
            }
            None => {}
        }
        results.push(RevokeJson {
            token_id: shown,
            result,
            message,
        });
    }
    if json && written.is_ok() {
        written = write_json(&mut out, &results, true);
    }
    written = written.and_then(|()| out.flush().map_err(Failure::from));
    match written {
        Err(Failure::ClosedPipe) | Ok(()) if !all_revoked => Ok(ExitCode::from(1)),
        Err(f) => Err(f),
        Ok(()) => Ok(ExitCode::SUCCESS),
    }
}

/// Asks on the terminal for the first 4 characters of an admin token's id, as the tab does
/// (case does not matter); true when they were typed.
fn confirm_admin(tty: &mut std::fs::File, t: &Token) -> Result<bool, Failure> {
    use std::io::BufRead;
    let prefix: String = t.token_id.chars().take(4).collect();
    write!(
        tty,
        "tokentab: {} is an admin token ({}, {}).\nType the first 4 characters of its id to \
         revoke it (case does not matter; anything else skips it): ",
        sanitize_line(&t.token_id),
        sanitize_line(&t.description),
        sanitize_line(t.username()),
    )
    .and_then(|()| tty.flush())
    .map_err(|e| Failure::Other(format!("cannot ask on the terminal: {e}")))?;
    let mut answer = String::new();
    std::io::BufReader::new(&*tty)
        .read_line(&mut answer)
        .map_err(|e| Failure::Other(format!("cannot read the terminal: {e}")))?;
    Ok(!prefix.is_empty() && answer.trim().eq_ignore_ascii_case(&prefix))
}
