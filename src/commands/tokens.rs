//! `tokentab tokens list|create|revoke`: the tab's actions for scripts.
//!
//! stdout carries only the result (table, JSON, or the secret alone); everything else goes to
//! stderr as `tokentab: …`. Exit codes: 0 ok, 1 API or server error, 2 usage.

use std::io::Write;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::api::{ApiError, Client, CreatedToken, RevokeOutcome, TokenQuery};
use crate::cli::{CreateArgs, ListArgs, TokensCommand};
use crate::config::Resolved;
use crate::model::expiry::relative_text;
use crate::model::sanitize::sanitize_line;
use crate::model::scope::USER;
use crate::model::wire::{CreateTokenRequest, TokenInfo};
use crate::model::{Expiry, Scope, Token};
use crate::secret::clipboard::{ClipEnv, Clipboard, CopyOutcome};

use super::connect::{ConnectError, connect};
use super::table;

/// What went wrong, and which exit code it earns.
#[derive(Debug)]
pub(super) enum Failure {
    Usage(String),
    Api(ApiError),
    Other(String),
}

impl Failure {
    pub(super) fn report(&self) -> ExitCode {
        let (msg, code) = match self {
            Failure::Usage(m) => (m.clone(), 2),
            Failure::Api(e) => (e.user_message(), 1),
            Failure::Other(m) => (m.clone(), 1),
        };
        eprintln!("tokentab: {}", sanitize_line(&msg));
        ExitCode::from(code)
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::InvalidArgument { message } => Failure::Usage(message),
            e => Failure::Api(e),
        }
    }
}

impl From<ConnectError> for Failure {
    fn from(e: ConnectError) -> Self {
        match e {
            ConnectError::Usage(m) => Failure::Usage(m),
            ConnectError::Failed(m) => Failure::Other(m),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Other(format!("cannot write the output: {e}"))
    }
}

/// Runs one `tokens` command end to end (connect, act, print, disconnect).
pub async fn run(cmd: TokensCommand, cfg: &Resolved) -> ExitCode {
    if let Err(f) = check_usage(&cmd, cfg) {
        return f.report();
    }
    let conn = match connect(cfg).await {
        Ok(c) => c,
        Err(e) => return Failure::from(e).report(),
    };
    let result = match cmd {
        TokensCommand::List(args) => list(&conn.client, &args).await,
        TokensCommand::Create(args) => create(&conn.client, &args, cfg).await,
        TokensCommand::Revoke { ids, json, .. } => revoke(&conn.client, &ids, json).await,
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
        }
        TokensCommand::Create(a) => {
            build_request(a, now)?;
        }
        TokensCommand::Rotate { id, .. } => check_id(id)?,
        TokensCommand::Audit(a) => {
            super::audit::query(a, now)?;
        }
        TokensCommand::Revoke { ids, .. } => {
            if let Some(bad) = ids.iter().find(|i| matches!(i.trim(), "" | "." | "..")) {
                return Err(Failure::Usage(format!(
                    "{:?} is not a token id",
                    sanitize_line(bad)
                )));
            }
        }
    }
    if cfg.readonly && !matches!(cmd, TokensCommand::List(_) | TokensCommand::Audit(_)) {
        return Err(Failure::Usage(
            "--readonly: creating and revoking tokens is disabled".into(),
        ));
    }
    Ok(())
}

fn check_id(id: &str) -> Result<(), Failure> {
    if matches!(id.trim(), "" | "." | "..") {
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

// ---------------------------------------------------------------- list

async fn list(client: &Client, args: &ListArgs) -> Result<ExitCode, Failure> {
    let now = Utc::now();
    let until = args
        .expiring
        .as_deref()
        .map(|e| expiring_until(e, now))
        .transpose()?;
    let query = TokenQuery {
        description: args.description.clone(),
        username: args.user.clone(),
        ..TokenQuery::default()
    };
    let all = client.list_all_tokens(&query).await?;
    // Filter again here: a server may ignore a filter (and `--expiring` is ours alone).
    let unused = args.unused.as_deref().map(unused_age).transpose()?;
    let kept: Vec<TokenInfo> = all
        .into_iter()
        .filter(|t| keep(t, args, until, now))
        .filter(|t| {
            unused.is_none_or(|age| {
                crate::model::filter_query::unused_for(&t.clone().into_token(), age, now)
            })
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if args.csv {
        let tokens: Vec<Token> = kept.into_iter().map(TokenInfo::into_token).collect();
        crate::model::csv::write_tokens(&mut out, &tokens, now)?;
    } else if args.json {
        write_json(&mut out, &kept, true)?;
    } else {
        let rows: Vec<Vec<String>> = kept
            .into_iter()
            .map(|t| row(&t.into_token(), now))
            .collect();
        let headers = [
            "Description",
            "Subject name",
            "Token ID",
            "Issued",
            "Expiry",
            "Scope",
        ];
        out.write_all(table::render(&headers, &rows).as_bytes())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn keep(t: &TokenInfo, args: &ListArgs, until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    if let Some(d) = args.description.as_deref() {
        let desc = t.description.as_deref().unwrap_or("");
        let ok = match d.strip_suffix('*') {
            Some(prefix) => desc.starts_with(prefix),
            None => desc == d,
        };
        if !ok {
            return false;
        }
    }
    if let Some(u) = args.user.as_deref() {
        if crate::model::token::subject_username(&t.subject) != u {
            return false;
        }
    }
    if let Some(until) = until {
        let exp = t.expiry.filter(|e| *e > 0);
        match exp.and_then(|e| DateTime::<Utc>::from_timestamp(e, 0)) {
            Some(at) if at > now && at <= until => {}
            _ => return false,
        }
    }
    true
}

fn row(t: &Token, now: DateTime<Utc>) -> Vec<String> {
    let expiry = match t.expiry {
        None => "never".to_owned(),
        Some(at) if at <= now => "expired".to_owned(),
        Some(at) => relative_text(at, now),
    };
    vec![
        table::fit(&sanitize_line(&t.description), 40),
        table::fit(&sanitize_line(t.username()), 24),
        sanitize_line(&t.token_id).into_owned(),
        t.issued_at.format("%Y-%m-%d").to_string(),
        expiry,
        table::fit(&sanitize_line(&t.scope_summary()), 48),
    ]
}

// ---------------------------------------------------------------- create

fn build_request(args: &CreateArgs, now: DateTime<Utc>) -> Result<CreateTokenRequest, Failure> {
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
pub(super) struct CreatedJson<'a> {
    token_id: &'a str,
    access_token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in: Option<u64>,
    scope: &'a str,
    token_type: &'a str,
    description: &'a str,
}

impl<'a> CreatedJson<'a> {
    pub(super) fn new(created: &'a CreatedToken, description: &'a str) -> Self {
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

/// `value` as JSON (indented when `pretty`), then a newline.
pub(super) fn write_json(
    out: &mut impl Write,
    value: &impl Serialize,
    pretty: bool,
) -> Result<(), Failure> {
    let written = if pretty {
        serde_json::to_writer_pretty(&mut *out, value)
    } else {
        serde_json::to_writer(&mut *out, value)
    };
    written.map_err(|e| Failure::Other(format!("cannot write JSON: {e}")))?;
    writeln!(out)?;
    Ok(())
}

async fn create(client: &Client, args: &CreateArgs, cfg: &Resolved) -> Result<ExitCode, Failure> {
    let now = Utc::now();
    let req = build_request(args, now)?;
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
    if args.copy {
        return copy_secret(client, &created, cfg, &about).await;
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

/// `--copy`: the one-time clipboard path. If nothing reached a clipboard the token would be
/// unusable, so it is revoked at once.
async fn copy_secret(
    client: &Client,
    created: &CreatedToken,
    cfg: &Resolved,
    about: &str,
) -> Result<ExitCode, Failure> {
    let mut clip = Clipboard::new(cfg.clipboard, ClipEnv::from_process());
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
        hold_then_clear(&mut clip, cfg.clipboard_clear_secs).await;
        return Ok(ExitCode::SUCCESS);
    }
    let id = &created.meta.token_id;
    let undo = match client.revoke_token(id).await {
        Ok(_) => "it has been revoked again".to_owned(),
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
async fn hold_then_clear(clip: &mut Clipboard, secs: u64) {
    if secs == 0 {
        eprintln!("tokentab: clipboard clearing is off (--clipboard-clear 0)");
        return;
    }
    eprintln!("tokentab: paste it now; the clipboard is cleared in {secs} s (Ctrl-C clears now)");
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

// ---------------------------------------------------------------- revoke

#[derive(Serialize)]
struct RevokeJson {
    token_id: String,
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

async fn revoke(client: &Client, ids: &[String], json: bool) -> Result<ExitCode, Failure> {
    let mut results = Vec::new();
    let mut failed = false;
    for id in ids {
        let id = id.trim();
        let shown = sanitize_line(id).into_owned();
        let (result, message) = match client.revoke_token(id).await {
            Ok(RevokeOutcome::Revoked) => ("revoked", None),
            Ok(RevokeOutcome::AlreadyGone) => ("already_gone", None),
            Err(e) => {
                failed = true;
                ("error", Some(e.user_message()))
            }
        };
        match (result, &message) {
            (_, Some(m)) => eprintln!("tokentab: {shown}: {m}"),
            _ if json => {}
            ("revoked", _) => println!("revoked {shown}"),
            _ => println!("{shown}: already revoked or unknown"),
        }
        results.push(RevokeJson {
            token_id: shown,
            result,
            message,
        });
    }
    if json {
        let mut out = std::io::stdout().lock();
        write_json(&mut out, &results, true)?;
        out.flush()?;
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
