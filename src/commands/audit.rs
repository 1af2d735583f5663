//! `tokentab tokens audit`: the audit trail of a `tokentab serve` server, as a table or JSON.
//! `--csv` as `tokens list --csv` (RFC 4180, ISO 8601 UTC times, never a secret).
//! A server without the endpoint (a JFrog Platform answers 404) is said so plainly, exit 1.

use std::io::Write;
use std::process::ExitCode;

use chrono::{DateTime, NaiveDate, Utc};

use crate::api::Client;
use crate::api::audit::{AuditQuery, NO_AUDIT_TRAIL, is_missing_endpoint};
use crate::cli::AuditArgs;
use crate::model::duration;
use crate::model::sanitize::sanitize_line;
use crate::model::wire::{AUDIT_COLUMNS, AuditEntry};

use super::report::{Failure, write_json};
use super::table;

/// Widest description cell in the table.
const DESCRIPTION_WIDTH: usize = 40;

/// `--since 7d` (that long ago), `2026-11-01` (midnight UTC) or an RFC 3339 time, as epoch
/// seconds.
fn since(text: &str, now: DateTime<Utc>) -> Result<i64, Failure> {
    let t = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(at.timestamp());
    }
    if let Ok(day) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(day.and_time(Default::default()).and_utc().timestamp());
    }
    match duration::parse_or_seconds(t.trim_start_matches('-')) {
        Ok(secs) => Ok(now
            .timestamp()
            .saturating_sub(secs.min(i64::MAX as u64) as i64)),
        Err(e @ duration::DurationError::AmbiguousM(_)) => Err(Failure::Usage(format!(
            "--since {}: {e}",
            sanitize_line(text)
        ))),
        Err(_) => Err(Failure::Usage(format!(
            "--since {}: use a duration such as 7d or 12h, a date (2026-11-01) or an RFC 3339 time",
            sanitize_line(text)
        ))),
    }
}

/// The query the arguments ask for (checked before connecting).
pub(super) fn query(args: &AuditArgs, now: DateTime<Utc>) -> Result<AuditQuery, Failure> {
    Ok(AuditQuery {
        token_id: args.token_id.clone(),
        actor: args.actor.clone(),
        action: args
            .action
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned),
        since: args.since.as_deref().map(|s| since(s, now)).transpose()?,
    })
}

fn time_text(epoch: i64) -> String {
    DateTime::<Utc>::from_timestamp(epoch, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| epoch.to_string())
}

/// One table row; every server-sent text sanitised.
fn row(e: &AuditEntry) -> Vec<String> {
    let clean = |s: &str| sanitize_line(s).into_owned();
    vec![
        time_text(e.time),
        clean(&e.actor),
        clean(&e.action),
        clean(&e.target()),
        table::fit(
            &clean(e.description.as_deref().unwrap_or("")),
            DESCRIPTION_WIDTH,
        ),
        clean(e.source.as_deref().unwrap_or("-")),
        clean(&e.outcome()),
    ]
}

pub(super) async fn run(client: &Client, args: &AuditArgs) -> Result<ExitCode, Failure> {
    let query = query(args, Utc::now())?;
    let entries = match client.list_audit(&query).await {
        Ok(e) => e,
        Err(e) if is_missing_endpoint(&e) => return Err(Failure::Other(NO_AUDIT_TRAIL.into())),
        Err(e) => return Err(e.into()),
    };
    let mut out = std::io::stdout().lock();
    if args.csv {
        crate::model::csv::write_audit(&mut out, &entries)?;
    } else if args.json {
        write_json(&mut out, &entries, true)?;
    } else {
        let rows: Vec<Vec<String>> = entries.iter().map(row).collect();
        out.write_all(table::render(&AUDIT_COLUMNS, &rows).as_bytes())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_durations_dates_and_times() {
        let now = DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(since("7d", now).ok(), Some(now.timestamp() - 7 * 86_400));
        assert_eq!(since("2026-11-01", now).ok(), Some(1_793_491_200));
        assert_eq!(
            since("2026-11-01T00:00:00+01:00", now).ok(),
            Some(1_793_491_200 - 3600)
        );
        assert!(since("last week", now).is_err());
        assert!(since("none", now).is_err());
    }
}
