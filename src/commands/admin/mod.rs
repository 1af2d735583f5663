//! `tokentab admin users|projects|members|fleets|devices …`: a team's people and fleets, for an
//! admin, in the style of `tokens`.
//!
//! stdout carries only the result (an aligned table, one line per change, or with `--json` the
//! server's answer); messages go to stderr as `tokentab: …`. Exit codes: 0 ok, 1 API or server
//! error (a refusal included: 403 for a non-admin token, 404, 409), 2 usage. Every string that
//! came from a server is sanitised before it is printed.

mod default_expiry;
mod devices;
mod fleets;
mod import;
mod members;
mod projects;
mod users;
mod webhooks;

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use crate::api::{ApiError, Client};
use crate::cli::AdminCommand;
use crate::config::Resolved;
use crate::model::sanitize::{is_unsafe_char, sanitize_line};

use super::connect::connect;
use super::report::{Failure, write_json};
use super::table;

/// What a JFrog Platform is told when a device write meets no such endpoint there.
pub const CONNECT_REGISTERS_DEVICES: &str = "JFrog Connect registers devices through its agent; \
     \"tokentab admin devices add|remove|import\" manage the devices of a tokentab serve";

/// Runs one `admin` command end to end (connect, act, print, disconnect).
pub async fn run(mut cmd: AdminCommand, cfg: &Resolved) -> ExitCode {
    if cfg.readonly && cmd.writes() {
        return Failure::Usage("--readonly: admin changes are disabled".into()).report();
    }
    // Read the import file before connecting: a missing file is a usage error.
    let import_input = match &cmd {
        AdminCommand::Devices(crate::cli::admin::DevicesCommand::Import(a)) => {
            match import::read_input(a) {
                Ok(input) => Some(input),
                Err(f) => return f.report(),
            }
        }
        _ => None,
    };
    let expiry_value = match &cmd {
        AdminCommand::DefaultExpiry { value, reset, .. } => {
            match default_expiry::value(value.as_deref(), *reset) {
                Ok(v) => v,
                Err(f) => return f.report(),
            }
        }
        _ => None,
    };
    let json = cmd.common_mut().json;
    let conn = match connect(cfg).await {
        Ok(c) => c,
        Err(e) => return Failure::from(e).report(),
    };
    let c = &conn.client;
    let result = match (cmd, import_input) {
        (AdminCommand::Users(u), _) => users::run(c, u, json).await,
        (AdminCommand::Projects(p), _) => projects::run(c, p, json).await,
        (AdminCommand::Members(m), _) => members::run(c, m, json).await,
        (AdminCommand::Fleets(f), _) => fleets::run(c, f, json).await,
        (AdminCommand::Devices(crate::cli::admin::DevicesCommand::Import(a)), Some(input)) => {
            import::run(c, &a, input, json).await
        }
        (AdminCommand::Devices(d), _) => devices::run(c, d, json).await,
        (AdminCommand::DefaultExpiry { .. }, _) => default_expiry::run(c, expiry_value, json).await,
        (AdminCommand::Webhooks(w), _) => webhooks::run(c, w, json).await,
    };
    conn.close().await;
    match result {
        Ok(code) => code,
        Err(f) => f.report(),
    }
}

/// Refuses a non-admin token before a call whose endpoint answers non-admins too (the project,
/// fleet and device lists, a device delete: a scoped token has its part): asks an admin-only
/// list (users, JFrog's too), so every admin command answers a non-admin token with 403,
/// exit 1. A server without that list (404) is left to answer the call itself.
pub(super) async fn require_admin(c: &Client) -> Result<(), Failure> {
    match c.list_users_page(None, None, Some(1)).await {
        Ok(_) | Err(ApiError::NotFound { .. }) => Ok(()),
        Err(ApiError::Forbidden { .. }) => Err(Failure::Other(
            "403 forbidden: the admin commands need a platform admin token; your token is not one"
                .into(),
        )),
        Err(e) => Err(refused(e)),
    }
}

/// An API error in words for an admin: the server's own reason first where it gave one (a
/// duplicate, the last admin, an unknown project, a bad field), with its status.
pub(super) fn refused(e: ApiError) -> Failure {
    let said = strip_code(e.message()).trim().to_owned();
    match (&e, e.status()) {
        (ApiError::InvalidArgument { .. }, _) => Failure::from(e),
        (ApiError::Forbidden { .. }, _) if said.is_empty() => Failure::Other(
            "403 forbidden: this needs a platform admin token; your token is not one".into(),
        ),
        (ApiError::Forbidden { .. }, _) => Failure::Other(format!(
            "403 forbidden: {said} (your token is not a platform admin's)"
        )),
        (_, Some(status @ (400 | 404 | 409))) if !said.is_empty() => {
            Failure::Other(format!("{said} (HTTP {status})"))
        }
        _ => Failure::Api(e),
    }
}

/// `CONFLICT: user "alice" already exists` -> `user "alice" already exists`: the error code
/// (JFrog's array form) says nothing the status does not.
fn strip_code(message: &str) -> &str {
    match message.split_once(": ") {
        Some((code, rest))
            if !code.is_empty()
                && code
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') =>
        {
            rest
        }
        _ => message,
    }
}

/// A server string made safe for one line of a terminal.
pub(super) fn clean(s: &str) -> String {
    sanitize_line(s).into_owned()
}

/// Prints `value` as JSON (pretty) on stdout, with every character that must not reach a
/// terminal as it is (controls, bidi and invisible marks) written as a `\uXXXX` escape: the
/// same data, safe to print.
pub(super) fn print_json(value: &impl Serialize) -> Result<ExitCode, Failure> {
    let mut buf = Vec::new();
    write_json(&mut buf, value, true)?;
    let text =
        String::from_utf8(buf).map_err(|e| Failure::Other(format!("cannot write JSON: {e}")))?;
    let mut out = std::io::stdout().lock();
    out.write_all(escape_unsafe(&text).as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// JSON text with unsafe characters escaped (they can only be inside strings: JSON's own
/// syntax is ASCII; the newlines of pretty printing stay).
fn escape_unsafe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c != '\n' && is_unsafe_char(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Prints `text` on stdout as it is (already sanitised by the caller).
pub(super) fn print_text(text: &str) -> Result<ExitCode, Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The JSON of `value`, or `line` (sanitised here) on stdout.
pub(super) fn print_result(
    json: bool,
    value: &impl Serialize,
    line: &str,
) -> Result<ExitCode, Failure> {
    if json {
        print_json(value)
    } else {
        print_text(&clean(line))
    }
}

/// `items` as JSON, or a table of `headers` with `row` of each item.
pub(super) fn print_list<T: Serialize>(
    json: bool,
    items: &[T],
    headers: &[&str],
    row: impl Fn(&T) -> Vec<String>,
) -> Result<ExitCode, Failure> {
    if json {
        return print_json(&items);
    }
    let rows: Vec<Vec<String>> = items.iter().map(row).collect();
    print_text(&table::render(headers, &rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_escapes() {
        assert_eq!(
            strip_code("CONFLICT: user \"alice\" already exists"),
            "user \"alice\" already exists"
        );
        assert_eq!(strip_code("email: not valid"), "email: not valid");
        assert_eq!(strip_code("403: no"), "no");
        let v = serde_json::json!({"d": "a\u{202e}b\u{1b}[2J\u{7f}"});
        let text = escape_unsafe(&serde_json::to_string_pretty(&v).unwrap());
        assert_eq!(text, "{\n  \"d\": \"a\\u202eb\\u001b[2J\\u007f\"\n}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v, "the same data");
    }
}
