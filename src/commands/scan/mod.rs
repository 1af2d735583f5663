//! `tokentab scan [PATH…|-]` (issue 20): find tokens in files, directories, stdin and (`--git`)
//! history ([`walk`], [`git`]); tell real ones from look-alikes by their checksum
//! ([`crate::model::token_format`]); ask the server which are live, sending only SHA-256
//! hashes (`POST /tokentab/api/v1/tokens/lookup`, admin); print ([`report`]); `--revoke` the
//! live ones (asks on the terminal, or `--yes`).
//!
//! Noise: a `tkt_` token counts only when its CRC32 holds; an old 43-character token only
//! under [`crate::model::token_format::legacy_candidate`]'s rule *and* only when the server
//! knows it (without a server it is counted, never listed).
//!
//! Exit codes: 0 no live token; 1 a live token found (or, when no server answered, a token
//! whose checksum holds); 2 usage, unreadable path, refused or failed lookup.

mod git;
mod report;
mod walk;

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use sha2::{Digest, Sha256};

use crate::api::{ApiError, Client, RevokeOutcome};
use crate::cli::ScanArgs;
use crate::config::Resolved;
use crate::model::lookup::{LookupHit, LookupStatus, MAX_LOOKUP};
use crate::model::sanitize::sanitize_line;
use crate::model::token_format::Shape;

use super::connect::connect;
use super::report::Failure;
use report::{Finding, Status};
use walk::{Candidate, Walked};

/// Said when the server has no lookup endpoint.
const NO_LOOKUP: &str = "this server has no token lookup (POST /tokentab/api/v1/tokens/lookup: \
     a JFrog Platform has none; it is tokentab serve's): statuses not checked, tokens with a \
     valid checksum are reported as unchecked";

pub async fn run(args: ScanArgs, cfg: &Resolved) -> ExitCode {
    match scan(args, cfg).await {
        Ok(code) => code,
        // Every failure is 2 here: 1 means "a live token was found".
        Err(Failure::ClosedPipe) => ExitCode::SUCCESS,
        Err(f) => {
            f.report();
            ExitCode::from(2)
        }
    }
}

async fn scan(args: ScanArgs, cfg: &Resolved) -> Result<ExitCode, Failure> {
    if args.yes && !args.revoke {
        return Err(Failure::Usage("--yes goes with --revoke".into()));
    }
    if args.revoke && cfg.readonly {
        return Err(Failure::Usage("--readonly: --revoke is disabled".into()));
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    if args.git && paths.iter().any(|p| p.as_os_str() == "-") {
        return Err(Failure::Usage("--git needs repository paths, not -".into()));
    }
    let mut walked = Walked::default();
    walk::walk(&paths, &mut walked);
    if args.git {
        for p in &paths {
            git::history(p, &mut walked);
        }
    }
    for p in &walked.problems {
        eprintln!("tokentab: {}", sanitize_line(p));
    }
    if !walked.problems.is_empty() {
        return Err(Failure::Usage(format!(
            "{} path(s) could not be read: nothing reported",
            walked.problems.len()
        )));
    }
    let asked = !args.offline
        && walked
            .candidates
            .iter()
            .any(|c| c.shape != Shape::BadChecksum);
    let (hits, checked, conn) = if asked {
        let conn = connect(cfg).await.map_err(Failure::from)?;
        match lookup(&conn.client, &walked.candidates).await {
            Ok(h) => (h, true, Some(conn)),
            Err(ApiError::NotFound { .. }) => {
                eprintln!("tokentab: {NO_LOOKUP}");
                (HashMap::new(), false, Some(conn))
            }
            Err(ApiError::Forbidden { message }) => {
                conn.close().await;
                return Err(Failure::Other(format!(
                    "the token lookup needs an admin token (403: {message})"
                )));
            }
            Err(e) => {
                conn.close().await;
                return Err(Failure::Api(e));
            }
        }
    } else {
        (HashMap::new(), false, None)
    };
    let mut findings = Vec::new();
    let mut unlisted_legacy = 0u64;
    for c in &walked.candidates {
        let hit = hits.get(&sha256_hex(&c.secret));
        let status = match (c.shape, hit.map(|h| h.status)) {
            (Shape::BadChecksum, _) => Status::BadChecksum,
            (_, Some(LookupStatus::Live)) => Status::Live,
            (_, Some(LookupStatus::Revoked)) => Status::Revoked,
            (_, Some(LookupStatus::Expired)) => Status::Expired,
            (Shape::Legacy, Some(LookupStatus::Unknown) | None) => {
                unlisted_legacy += 1;
                continue;
            }
            (_, Some(LookupStatus::Unknown)) => Status::Unknown,
            (_, None) => Status::Unchecked,
        };
        findings.push(Finding::new(&c.location, &c.secret, status, hit));
    }
    let alarming = |s: Status| matches!(s, Status::Live | Status::Unchecked);
    let found_live = findings.iter().any(|f| alarming(f.status));
    summary(&findings, walked.files, unlisted_legacy, checked);
    let mut shown: Vec<Finding> = findings
        .into_iter()
        .filter(|f| args.all || alarming(f.status))
        .collect();
    if args.revoke {
        if let Some(conn) = &conn {
            revoke(&conn.client, &mut shown, args.yes).await?;
        }
    }
    if let Some(conn) = conn {
        conn.close().await;
    }
    report::print(&shown, args.json, walked.files, checked)?;
    Ok(if found_live {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn sha256_hex(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every distinct candidate (look-alikes excepted) asked by hash, [`MAX_LOOKUP`] at a time.
async fn lookup(
    client: &Client,
    candidates: &[Candidate],
) -> Result<HashMap<String, LookupHit>, ApiError> {
    let mut hashes: Vec<String> = candidates
        .iter()
        .filter(|c| c.shape != Shape::BadChecksum)
        .map(|c| sha256_hex(&c.secret))
        .collect();
    hashes.sort();
    hashes.dedup();
    let mut out = HashMap::new();
    for batch in hashes.chunks(MAX_LOOKUP) {
        let answer = client.lookup_tokens(batch.to_vec()).await?;
        for hit in answer.tokens {
            out.insert(hit.sha256.clone(), hit);
        }
    }
    Ok(out)
}

/// One line on stderr: what was scanned and found.
fn summary(findings: &[Finding], files: u64, unlisted_legacy: u64, checked: bool) {
    let count = |s: Status| findings.iter().filter(|f| f.status == s).count();
    let mut parts = vec![format!("{} live", count(Status::Live))];
    for s in [
        Status::Revoked,
        Status::Expired,
        Status::Unknown,
        Status::BadChecksum,
        Status::Unchecked,
    ] {
        let n = count(s);
        if n > 0 {
            parts.push(format!("{n} {}", s.word().replace('_', " ")));
        }
    }
    if unlisted_legacy > 0 {
        let why = if checked {
            "unknown to the server"
        } else {
            "not checked"
        };
        parts.push(format!(
            "{unlisted_legacy} possible old-format token(s) {why}, not listed"
        ));
    }
    eprintln!("tokentab: scanned {files} file(s): {}", parts.join(", "));
}

/// Revokes the distinct live tokens among `shown` (asking first unless `yes`), marking each
/// finding with the outcome.
async fn revoke(client: &Client, shown: &mut [Finding], yes: bool) -> Result<(), Failure> {
    let mut ids: Vec<String> = shown
        .iter()
        .filter(|f| f.status == Status::Live)
        .filter_map(|f| f.token_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    if !yes && !confirm(ids.len())? {
        eprintln!("tokentab: not confirmed: nothing revoked");
        return Ok(());
    }
    for id in ids {
        let outcome = match client.revoke_token(&id).await {
            Ok(RevokeOutcome::Revoked) => "revoked".to_owned(),
            Ok(RevokeOutcome::AlreadyGone) => "already gone".to_owned(),
            Err(e) => format!("revoke failed: {}", e.user_message()),
        };
        eprintln!("tokentab: {}: {}", sanitize_line(&id), outcome);
        for f in shown.iter_mut() {
            if f.token_id.as_deref() == Some(&id) {
                f.revoke = Some(outcome.clone());
            }
        }
    }
    Ok(())
}

/// Asks on the terminal to type `revoke`; without a terminal, refuses (exit 2).
fn confirm(n: usize) -> Result<bool, Failure> {
    let Ok(mut tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    else {
        return Err(Failure::Usage(format!(
            "{n} live token(s) found: revoking needs --yes, or a terminal to confirm on; \
             nothing was revoked"
        )));
    };
    write!(
        tty,
        "tokentab: revoke {n} live token(s)? Type \"revoke\" to go on (anything else skips): "
    )
    .and_then(|()| tty.flush())
    .map_err(|e| Failure::Other(format!("cannot ask on the terminal: {e}")))?;
    let mut answer = String::new();
    std::io::BufReader::new(&tty)
        .read_line(&mut answer)
        .map_err(|e| Failure::Other(format!("cannot read the terminal: {e}")))?;
    Ok(answer.trim() == "revoke")
}
