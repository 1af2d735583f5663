//! `tokentab tokens create`: the request from the flags, then the secret printed once (alone, or
//! in `--json`) or handed to the one-time clipboard path (`--copy`).
//!
//! `--copy` with nowhere to copy is refused before anything is created (exit 2, saying why and
//! what to use instead): a token made only to be revoked again is one more secret that existed
//! for nothing, and an audit entry that looks like an incident.

use std::io::Write;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::api::{Client, CreatedToken};
use crate::cli::CreateArgs;
use crate::config::Resolved;
use crate::model::sanitize::sanitize_line;
use crate::model::scope::USER;
use crate::model::wire::CreateTokenRequest;
use crate::model::{Expiry, Scope};
use crate::secret::clipboard::{ClipEnv, Clipboard, CopyOutcome};

use super::super::report::{Failure, write_json};

pub(super) fn build_request(
    args: &CreateArgs,
    now: DateTime<Utc>,
) -> Result<CreateTokenRequest, Failure> {
    let desc = args.description.trim();
    if desc.is_empty() {
        return Err(Failure::Usage("--description must not be empty".into()));
    }
    if desc.chars().count() > 1024 {
        return Err(Failure::Usage(
            "--description is longer than 1024 characters".into(),
        ));
    }
    if desc.chars().any(crate::model::sanitize::is_unsafe_char) {
        return Err(Failure::Usage(
            "--description contains control or invisible characters".into(),
        ));
    }
    let expiry =
        Expiry::parse(&args.expiry, now).map_err(|e| Failure::Usage(format!("--expiry: {e}")))?;
    let mut req = CreateTokenRequest {
        description: Some(desc.to_owned()),
        expires_in: Some(expiry.expires_in(now)),
        ..CreateTokenRequest::default()
    };
    match &args.scope {
        Some(text) => {
            let scope: Scope = text
                .parse()
                .map_err(|e| Failure::Usage(format!("--scope: {e}")))?;
            if scope.is_custom() {
                req.audience = Some("jfcon@*".into());
            }
            let user_given = args.user.as_ref().is_some_and(|u| !u.trim().is_empty());
            if user_given && !scope.is_custom() && scope.to_string() != USER {
                return Err(Failure::Usage(
                    "--user goes with a Custom --scope (connect:…) or none (a User token)".into(),
                ));
            }
            req.scope = Some(scope.to_string());
        }
        None => req.scope = Some(USER.into()),
    }
    req.username = args.user.clone().filter(|u| !u.trim().is_empty());
    Ok(req)
}

/// `--json` output of a new token (create and rotate): metadata and the secret, the secret
/// serialized straight into stdout.
#[derive(Serialize)]
pub(in crate::commands) struct CreatedJson<'a> {
    token_id: &'a str,
    access_token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in: Option<u64>,
    scope: &'a str,
    token_type: &'a str,
    description: &'a str,
}

impl<'a> CreatedJson<'a> {
    pub(in crate::commands) fn new(created: &'a CreatedToken, description: &'a str) -> Self {
        let meta = &created.meta;
        CreatedJson {
            token_id: &meta.token_id,
            access_token: created.secret.expose(),
            expires_in: meta.expires_in,
            scope: &meta.scope,
            token_type: &meta.token_type,
            description,
        }
    }
}

pub(super) async fn create(
    client: &Client,
    args: &CreateArgs,
    cfg: &Resolved,
) -> Result<ExitCode, Failure> {
    let now = Utc::now();
    let req = build_request(args, now)?;
    // Checked before the create: nothing is made that could not be handed over.
    let clip = if args.copy {
        Some(copy_path(cfg)?)
    } else {
        None
    };
    let created = client.create_token(&req).await?;
    let meta = &created.meta;
    let expiry = Expiry::from_expires_in(now, meta.expires_in);
    let summary = match meta.scope.parse::<Scope>() {
        Ok(s) => s.summary(),
        Err(_) => meta.scope.clone(),
    };
    let about = format!(
        "created token {} ({}), expires: {}",
        meta.token_id,
        summary,
        expiry.preview(now)
    );
    if let Some(clip) = clip {
        return copy_secret(client, &created, clip, cfg, &about).await;
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        let j = CreatedJson::new(&created, req.description.as_deref().unwrap_or(""));
        write_json(&mut out, &j, false)?;
    } else {
        out.write_all(created.secret.expose().as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    eprintln!("tokentab: {}", sanitize_line(&about));
    Ok(ExitCode::SUCCESS)
}

/// The clipboard `--copy` will use, if a copy can go anywhere now; else a usage failure that
/// says why and what to do instead.
fn copy_path(cfg: &Resolved) -> Result<Clipboard, Failure> {
    let mut clip = Clipboard::new(cfg.clipboard, ClipEnv::from_process());
    let tty = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .is_ok();
    match clip.reachable(tty) {
        Ok(_) => Ok(clip),
        Err(why) => Err(Failure::Usage(format!(
            "--copy: nowhere to copy the token ({why}); nothing was created. \
             Print it instead (drop --copy: the token goes to stdout, alone, for a pipe; or --json), \
             or choose a path with --clipboard tmux|native|osc52"
        ))),
    }
}

/// `--copy`: the one-time clipboard path, checked reachable before the create. If the copy
/// still reached nothing the token would be unusable, so it is revoked at once.
async fn copy_secret(
    client: &Client,
    created: &CreatedToken,
    mut clip: Clipboard,
    cfg: &Resolved,
    about: &str,
) -> Result<ExitCode, Failure> {
    // OSC 52 must reach the terminal itself, never a redirected stderr or file.
    let tty = std::fs::OpenOptions::new().write(true).open("/dev/tty");
    let outcome = match tty {
        Ok(mut tty) => clip.copy(&created.secret, &mut tty),
        Err(_) => match clip.copy(&created.secret, &mut std::io::sink()) {
            CopyOutcome::Osc52Sent => CopyOutcome::NotCopied {
                reason: "no terminal to send OSC 52 to".into(),
            },
            other => other,
        },
    };
    if outcome.copied() {
        eprintln!("tokentab: {}; {}", sanitize_line(about), outcome.label());
        if let Some(how) = outcome.how_to_use() {
            eprintln!("tokentab: {how}");
        }
        hold_then_clear(&mut clip, &outcome, cfg.clipboard_clear_secs).await;
        return Ok(ExitCode::SUCCESS);
    }
    let id = &created.meta.token_id;
    let undo = match client.revoke_token(id).await {
        Ok(_) => "it has been revoked again, so no token nobody holds stays live".to_owned(),
        Err(e) => format!(
            "revoking it failed too ({}); revoke it with: tokentab tokens revoke {id}",
            e.user_message()
        ),
    };
    Err(Failure::Other(format!(
        "token {id} was created but {}; {undo}",
        outcome.label()
    )))
}

/// The system clipboard keeps our content only while this process owns it, and a tmux buffer
/// or a terminal clipboard keeps it until cleared: so stay for the clear timeout (Ctrl-C clears
/// at once), then clear if it is still ours. 0 = leave it and exit.
async fn hold_then_clear(clip: &mut Clipboard, copy: &CopyOutcome, secs: u64) {
    if secs == 0 {
        eprintln!("tokentab: clipboard clearing is off (--clipboard-clear 0)");
        return;
    }
    let what = copy
        .countdown(i64::try_from(secs).unwrap_or(i64::MAX))
        .unwrap_or_else(|| {
            format!(
                "in {secs} s an empty clipboard is sent to the terminal (OSC 52, not confirmed)"
            )
        });
    eprintln!("tokentab: paste it now; {what} (Ctrl-C: now)");
    tokio::select! {
        _ = tokio::time::sleep(std::time::Duration::from_secs(secs)) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    let result = match std::fs::OpenOptions::new().write(true).open("/dev/tty") {
        Ok(mut tty) => clip.clear_if_ours(&mut tty),
        Err(_) => clip.clear_if_ours(&mut std::io::sink()),
    };
    eprintln!("tokentab: clipboard {}", result.label());
}
