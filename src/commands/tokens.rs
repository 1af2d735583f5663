//! `tokentab tokens list|create|revoke`: the tab's actions for scripts.
//!
//! stdout carries only the result (table, JSON, or the secret alone); everything else goes to
//! stderr as `tokentab: …`. Exit codes: 0 ok, 1 API or server error, 2 usage. A closed stdout
//! (`tokens list --csv | head -1`) ends the command quietly with 0.

use std::io::Write;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::api::{ApiError, Client, CreatedToken, RevokeOutcome, TokenQuery};
use crate::cli::{CreateArgs, ListArgs, TokensCommand};
use crate::config::Resolved;
use crate::model::expiry::relative_text;
use crate::model::filter_query::{FilterQuery, scope_kinds};
use crate::model::sanitize::sanitize_line;
use crate::model::scope::USER;
use crate::model::token::TokenStatus;
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
    /// stdout was closed by its reader (`| head -1`): nothing more to say, exit 0.
    ClosedPipe,
}

impl Failure {
    pub(super) fn report(&self) -> ExitCode {
        let (msg, code) = match self {
            Failure::Usage(m) => (m.clone(), 2),
            Failure::Api(e) => (e.user_message(), 1),
            Failure::Other(m) => (m.clone(), 1),
            Failure::ClosedPipe => return ExitCode::SUCCESS,
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
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Failure::ClosedPipe;
        }
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
    // A secret that did not reach its reader is not a quiet success.
    let prints_secret = matches!(cmd, TokensCommand::Create(_) | TokensCommand::Rotate { .. });
    let result = match cmd {
        TokensCommand::List(args) => list(&conn.client, &args).await,
        TokensCommand::Create(args) => create(&conn.client, &args, cfg).await,
        TokensCommand::Revoke { ids, json, yes, .. } => revoke(&conn.client, &ids, json, yes).await,
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
            filters(a)?;
        }
        TokensCommand::Create(a) => {
            build_request(a, now)?;
        }
        TokensCommand::Rotate { id, .. } => check_id(id)?,
        TokensCommand::Audit(a) => {
            super::audit::query(a, now)?;
        }
        TokensCommand::Revoke { ids, .. } => {
            for id in ids {
                check_id(id)?;
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

/// Longest token id: ours are UUIDs (36), JFrog's too; the server looks up none longer.
const MAX_TOKEN_ID: usize = 64;

/// Whether `id` can name a token at all: the server's path rule (1 to 64 of letters, digits,
/// '.', '_' and '-'; it answers "not found" to anything else), and never `.` or `..` (not a
/// path segment).
pub(super) fn is_token_id(id: &str) -> bool {
    (1..=MAX_TOKEN_ID).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && !matches!(id, "." | "..")
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

// ---------------------------------------------------------------- list

async fn list(client: &Client, args: &ListArgs) -> Result<ExitCode, Failure> {
    let now = Utc::now();
    let until = args
        .expiring
        .as_deref()
        .map(|e| expiring_until(e, now))
        .transpose()?;
    // The description is matched here alone: case-insensitively, which a server's filter
    // (exact or prefix, case-sensitive) is not.
    let query = TokenQuery {
        username: args.user.clone(),
        ..TokenQuery::default()
    };
    let all = client.list_all_tokens(&query).await?;
    // Filter again here: a server may ignore a filter (and `--expiring` is ours alone).
    let unused = args.unused.as_deref().map(unused_age).transpose()?;
    let (statuses, scopes) = filters(args)?;
    let kept: Vec<TokenInfo> = all
        .into_iter()
        .filter(|t| keep(t, args, until, now))
        .filter(|t| {
            let token = t.clone().into_token();
            unused.is_none_or(|age| crate::model::filter_query::unused_for(&token, age, now))
                && any_matches(&statuses, |q| q.status_matches(token.status(now)))
                && any_matches(&scopes, |q| q.kinds_match(scope_kinds(&token)))
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if args.csv {
        let tokens: Vec<Token> = kept.into_iter().map(TokenInfo::into_token).collect();
        crate::model::csv::write_tokens(&mut out, &tokens, now)?;
    } else if args.json {
        let listed: Vec<ListedJson> = kept.iter().map(|t| ListedJson::new(t, now)).collect();
        write_json(&mut out, &listed, true)?;
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

/// `--status a,b` and `--scope c,d`: one filter term each, in the tab's filter words and
/// grammar ([`FilterQuery`]); a token passes a flag when it matches any of its terms.
type Terms = Vec<FilterQuery>;

fn filters(args: &ListArgs) -> Result<(Terms, Terms), Failure> {
    let terms = |flag: &str, key: &str, values: &[String]| -> Result<Terms, Failure> {
        values
            .iter()
            .map(|v| {
                let v = v.trim();
                if v.is_empty() || v.contains(char::is_whitespace) {
                    return Err(Failure::Usage(format!(
                        "--{flag} {:?}: one word per value, comma-separated",
                        sanitize_line(v)
                    )));
                }
                FilterQuery::parse(&format!("{key}:{v}")).map_err(|e| {
                    Failure::Usage(format!("--{flag}: {}", sanitize_line(&e.to_string())))
                })
            })
            .collect()
    };
    Ok((
        terms("status", "status", &args.status)?,
        terms("scope", "scope", &args.scope)?,
    ))
}

/// No terms, or any one of them matches.
fn any_matches(terms: &[FilterQuery], matches: impl Fn(&FilterQuery) -> bool) -> bool {
    terms.is_empty() || terms.iter().any(matches)
}

/// The status as the tab's filter names it (`status:never`), for `--json`.
fn status_word(s: TokenStatus) -> &'static str {
    match s {
        TokenStatus::NeverExpires => "never",
        s => s.word(),
    }
}

/// One token of `tokens list --json`: every field the server sent, plus its status and its
/// expiry as an ISO 8601 time (null when it never expires), so scripts need no epoch
/// arithmetic and a never-expiring token is never "before now".
#[derive(Serialize)]
struct ListedJson<'a> {
    #[serde(flatten)]
    info: &'a TokenInfo,
    status: &'static str,
    expires_at: Option<String>,
}

impl<'a> ListedJson<'a> {
    fn new(info: &'a TokenInfo, now: DateTime<Utc>) -> Self {
        let token = info.clone().into_token();
        ListedJson {
            info,
            status: status_word(token.status(now)),
            expires_at: token.expiry.map(crate::model::csv::iso),
        }
    }
}

/// `--description`: case-insensitive, as the tab's filter; a trailing `*` matches a prefix.
fn description_matches(pattern: &str, desc: &str) -> bool {
    let desc = desc.to_lowercase();
    match pattern.strip_suffix('*') {
        Some(prefix) => desc.starts_with(&prefix.to_lowercase()),
        None => desc == pattern.to_lowercase(),
    }
}

fn keep(t: &TokenInfo, args: &ListArgs, until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    if let Some(d) = args.description.as_deref() {
        let ok = description_matches(d, t.description.as_deref().unwrap_or(""));
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
    written.map_err(|e| match e.io_error_kind() {
        Some(std::io::ErrorKind::BrokenPipe) => Failure::ClosedPipe,
        _ => Failure::Other(format!("cannot write JSON: {e}")),
    })?;
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
async fn revoke(
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

    #[test]
    fn description_is_case_insensitive_with_a_prefix_star() {
        assert!(description_matches("CI*", "ci deploy"));
        assert!(description_matches("ci DEPLOY", "CI deploy"));
        assert!(!description_matches("ci", "ci deploy"));
        assert!(description_matches("ÄRGER*", "ärger im büro"));
    }

    #[test]
    fn status_words_are_the_filters() {
        assert_eq!(status_word(TokenStatus::NeverExpires), "never");
        for s in ["active", "expiring", "expired", "never", "disabled"] {
            let q = FilterQuery::parse(&format!("status:{s}")).expect("a filter word");
            assert_eq!(status_word(q.statuses[0]), s);
        }
    }
}
