//! What `tokentab scan` prints: one line (or JSON object) per finding, never more than the
//! first 8 characters of a secret; every string from a file or a server sanitised.

use std::io::Write;

use serde::Serialize;

use crate::model::lookup::LookupHit;
use crate::model::sanitize::sanitize_line;
use crate::model::token_format::preview;

use super::super::report::{Failure, write_json};
use super::super::table;

/// A finding's status: the server's, or what the scan alone could tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Live,
    Revoked,
    Expired,
    /// A valid checksum, not a token of this server.
    Unknown,
    /// A `tkt_` string whose checksum fails: a look-alike.
    BadChecksum,
    /// A valid checksum; no server was asked (or it could not answer).
    Unchecked,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Revoked => "revoked",
            Status::Expired => "expired",
            Status::Unknown => "unknown",
            Status::BadChecksum => "bad_checksum",
            Status::Unchecked => "unchecked",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub location: String,
    pub status: Status,
    pub token_id: Option<String>,
    pub owner: Option<String>,
    pub subject: Option<String>,
    pub description: Option<String>,
    /// At most the first 8 characters of the secret.
    pub secret_prefix: String,
    /// Set by `--revoke`: "revoked", "already_gone" or an error message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoke: Option<String>,
}

impl Finding {
    pub fn new(location: &str, secret: &str, status: Status, hit: Option<&LookupHit>) -> Self {
        let clean = |s: &Option<String>| s.as_deref().map(|s| sanitize_line(s).into_owned());
        Finding {
            location: sanitize_line(location).into_owned(),
            status,
            token_id: hit.and_then(|h| clean(&h.token_id)),
            owner: hit.and_then(|h| clean(&h.username)),
            subject: hit.and_then(|h| clean(&h.subject)),
            description: hit.and_then(|h| clean(&h.description)),
            secret_prefix: preview(secret).to_owned(),
            revoke: None,
        }
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    findings: &'a [Finding],
    files_scanned: u64,
    checked_with_server: bool,
}

/// Writes the findings to stdout: an aligned table, or JSON.
pub fn print(findings: &[Finding], json: bool, files: u64, checked: bool) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    if json {
        return write_json(
            &mut out,
            &JsonReport {
                findings,
                files_scanned: files,
                checked_with_server: checked,
            },
            true,
        );
    }
    if findings.is_empty() {
        return Ok(());
    }
    let dash = || "-".to_owned();
    let rows: Vec<Vec<String>> = findings
        .iter()
        .map(|f| {
            let mut status = f.status.word().to_owned();
            if let Some(r) = &f.revoke {
                status = format!("{status} ({})", sanitize_line(r));
            }
            vec![
                f.location.clone(),
                status,
                f.token_id.clone().unwrap_or_else(dash),
                f.owner.clone().unwrap_or_else(dash),
                f.description.clone().unwrap_or_else(dash),
                format!("{}…", f.secret_prefix),
            ]
        })
        .collect();
    let text = table::render(
        &[
            "LOCATION",
            "STATUS",
            "TOKEN ID",
            "OWNER",
            "DESCRIPTION",
            "SECRET",
        ],
        &rows,
    );
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
