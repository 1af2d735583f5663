//! `tokentab tokens list|create|revoke|rotate|audit`: the tab's actions for scripts. Each
//! command its file: [`list`], [`create`], [`revoke`] (rotate and audit are `commands/rotate.rs`
//! and `commands/audit.rs`); here the dispatch and the checks that need no server.
//!
//! stdout carries only the result (table, JSON, or the secret alone); everything else goes to
//! stderr as `tokentab: …`. Exit codes: 0 ok, 1 API or server error, 2 usage. A closed stdout
//! (`tokens list --csv | head -1`) ends the command quietly with 0.

use std::process::ExitCode;

use chrono::{DateTime, Utc};

use crate::cli::TokensCommand;
use crate::config::Resolved;
use crate::model::sanitize::sanitize_line;
use crate::model::token::is_token_id_shape;

use super::connect::connect;
use super::report::Failure;

mod bulk_revoke;
mod create;
mod list;
mod revoke;

pub(super) use create::CreatedJson;

/// Runs one `tokens` command end to end (connect, act, print, disconnect).
pub async fn run(cmd: TokensCommand, cfg: &Resolved) -> ExitCode {
    if let Err(f) = check_usage(&cmd, cfg) {
        return f.report();
    }
    let conn = match connect(cfg).await {
        Ok(c) => c,
        Err(e) => return Failure::from(e).report(),
    };
    // A secret that did not reach its reader is not a quiet success.
    let bulk = bulk_revoke::BulkArgs::of(&cmd);
    let prints_secret = matches!(cmd, TokensCommand::Create(_) | TokensCommand::Rotate { .. });
    let result = match cmd {
        TokensCommand::List(args) => list::list(&conn.client, &args).await,
        TokensCommand::Create(args) => create::create(&conn.client, &args, cfg).await,
        TokensCommand::Revoke { ids, json, yes, .. } if !bulk.asked() => {
            revoke::revoke(&conn.client, &ids, json, yes).await
        }
        TokensCommand::Revoke { .. } => bulk_revoke::bulk_revoke(&conn.client, &bulk).await,
        TokensCommand::Rotate {
            id,
            json,
            as_user_token,
            ..
        } => super::rotate::rotate(&conn.client, &id, json, as_user_token).await,
        TokensCommand::Audit(args) => super::audit::run(&conn.client, &args).await,
    };
    conn.close().await;
    match result {
        Ok(code) => code,
        Err(Failure::ClosedPipe) if prints_secret => Failure::Other(
            "stdout was closed before the token was written: it is live; revoke it (tokentab \
             tokens list) or run again with --json into a file"
                .into(),
        )
        .report(),
        Err(f) => f.report(),
    }
}

/// Usage checks that need no server, so a typo never starts anything.
fn check_usage(cmd: &TokensCommand, cfg: &Resolved) -> Result<(), Failure> {
    let now = Utc::now();
    match cmd {
        TokensCommand::List(a) => {
            if let Some(e) = &a.expiring {
                expiring_until(e, now)?;
            }
            if let Some(u) = &a.unused {
                unused_age(u)?;
            }
            list::filters(a)?;
        }
        TokensCommand::Create(a) => {
            create::build_request(a, now)?;
        }
        TokensCommand::Rotate { id, .. } => check_id(id)?,
        TokensCommand::Audit(a) => {
            super::audit::query(a, now)?;
        }
        TokensCommand::Revoke { ids, .. } => {
            for id in ids {
                check_id(id)?;
            }
            bulk_revoke::BulkArgs::of(cmd).check()?;
        }
    }
    if cfg.readonly && !matches!(cmd, TokensCommand::List(_) | TokensCommand::Audit(_)) {
        return Err(Failure::Usage(
            "--readonly: creating and revoking tokens is disabled".into(),
        ));
    }
    Ok(())
}

/// Whether `id` can name a token at all: the server's path rule (1 to 64 of letters, digits,
/// '.', '_' and '-'; it answers "not found" to anything else), and never `.` or `..` (not a
/// path segment).
pub(super) fn is_token_id(id: &str) -> bool {
    is_token_id_shape(id) && !matches!(id, "." | "..")
}

fn check_id(id: &str) -> Result<(), Failure> {
    if !is_token_id(id.trim()) {
        return Err(Failure::Usage(format!(
            "{:?} is not a token id",
            sanitize_line(id)
        )));
    }
    Ok(())
}

/// `--unused 30d` -> the age.
fn unused_age(text: &str) -> Result<chrono::Duration, Failure> {
    crate::model::filter_query::parse_age(text)
        .map_err(|e| Failure::Usage(format!("--unused {}: {e}", sanitize_line(text))))
}

/// `7d`, `+12h`… -> the instant until which a token counts as expiring.
fn expiring_until(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, Failure> {
    let age = crate::model::filter_query::parse_age(text)
        .map_err(|e| Failure::Usage(format!("--expiring {}: {e}", sanitize_line(text))))?;
    now.checked_add_signed(age)
        .ok_or_else(|| Failure::Usage(format!("--expiring {}: too far ahead", sanitize_line(text))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_ids_follow_the_servers_path_rule() {
        let longest = "x".repeat(64);
        for ok in [
            "3f2a9c1e-0000-4000-8000-000000000000",
            "a",
            "me",
            "a.b_c-D",
            &longest,
        ] {
            assert!(is_token_id(ok), "{ok}");
        }
        let too_long = "x".repeat(65);
        for bad in ["", ".", "..", "a/b", "a b", "tök", "a;b", &too_long] {
            assert!(!is_token_id(bad), "{bad}");
        }
    }
}
