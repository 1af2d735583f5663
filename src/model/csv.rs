//! Tokens as CSV (RFC 4180): a header row, every field quoted when it holds a comma, quote, CR
//! or LF (quotes doubled), CRLF line ends, ISO 8601 UTC times. Never a secret: a `Token` holds
//! none. Text goes through `sanitize_text` (escape sequences and other controls become U+FFFD;
//! newlines stay, quoted), and a cell that starts like a formula (`=`, `+`, `-`, `@`, tab, CR)
//! gets a leading `'` so a spreadsheet shows it as text instead of running it.

use std::io::{self, Write};

use chrono::{DateTime, Utc};

use super::sanitize::sanitize_text;
use super::token::Token;
use super::wire::AuditEntry;

pub const HEADER: [&str; 12] = [
    "token_id",
    "description",
    "user",
    "subject",
    "issued",
    "expiry",
    "status",
    "last_used",
    "scope",
    "scope_summary",
    "last_used_from",
    "last_used_agent",
];

/// `2026-11-26T12:00:00Z`.
pub fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The cell text with the formula guard applied (before quoting).
pub fn guard(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

/// One field, guarded and quoted as RFC 4180 asks.
pub fn field(cell: &str) -> String {
    let g = guard(cell);
    if g.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", g.replace('"', "\"\""))
    } else {
        g
    }
}

/// The cells of one token's row, in [`HEADER`] order (before guarding and quoting).
pub fn cells(t: &Token, now: DateTime<Utc>) -> [String; 12] {
    let text = |s: &str| sanitize_text(s);
    [
        text(&t.token_id),
        text(&t.description),
        text(t.username()),
        text(&t.subject),
        iso(t.issued_at),
        t.expiry.map(iso).unwrap_or_default(),
        t.status(now).word().to_owned(),
        t.last_used.map(iso).unwrap_or_default(),
        text(t.scope.as_deref().unwrap_or("")),
        text(&t.scope_summary()),
        text(
            t.last_from
                .as_ref()
                .and_then(|f| f.source.as_deref())
                .unwrap_or(""),
        ),
        text(
            t.last_from
                .as_ref()
                .and_then(|f| f.agent.as_deref())
                .unwrap_or(""),
        ),
    ]
}

fn line<W: Write>(w: &mut W, cells: &[String]) -> io::Result<()> {
    let fields: Vec<String> = cells.iter().map(|c| field(c)).collect();
    w.write_all(fields.join(",").as_bytes())?;
    w.write_all(b"\r\n")
}

/// Writes the header and one row per token; returns the number of rows (header aside).
pub fn write_tokens<'a, W: Write>(
    w: &mut W,
    tokens: impl IntoIterator<Item = &'a Token>,
    now: DateTime<Utc>,
) -> io::Result<usize> {
    let header: Vec<String> = HEADER.iter().map(|h| (*h).to_owned()).collect();
    line(w, &header)?;
    let mut n = 0;
    for t in tokens {
        line(w, &cells(t, now))?;
        n += 1;
    }
    Ok(n)
}

/// Audit rows as CSV: the header and one row per entry, same rules as the tokens (a row holds
/// ids, names, addresses and results, never a secret).
pub const AUDIT_HEADER: [&str; 10] = [
    "time",
    "actor",
    "actor_token_id",
    "action",
    "token_id",
    "device",
    "description",
    "source",
    "result",
    "count",
];

/// The cells of one audit row, in [`AUDIT_HEADER`] order.
pub fn audit_cells(e: &AuditEntry) -> [String; 10] {
    let text = |s: &str| sanitize_text(s);
    let opt = |s: &Option<String>| s.as_deref().map(text).unwrap_or_default();
    [
        DateTime::<Utc>::from_timestamp(e.time, 0)
            .map(iso)
            .unwrap_or_else(|| e.time.to_string()),
        text(&e.actor),
        text(&e.actor_token_id),
        text(&e.action),
        opt(&e.token_id),
        opt(&e.device),
        opt(&e.description),
        opt(&e.source),
        text(&e.result),
        e.count.to_string(),
    ]
}

/// Writes the header and one row per audit entry; returns the number of rows.
pub fn write_audit<'a, W: Write>(
    w: &mut W,
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> io::Result<usize> {
    let header: Vec<String> = AUDIT_HEADER.iter().map(|h| (*h).to_owned()).collect();
    line(w, &header)?;
    let mut n = 0;
    for e in entries {
        line(w, &audit_cells(e))?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_rows_in_header_order() {
        let e = AuditEntry {
            id: 1,
            time: 1_793_491_200,
            actor: "alice".into(),
            actor_token_id: "t-1".into(),
            action: "revoke".into(),
            token_id: Some("t-2".into()),
            description: Some("=a, \"b\"".into()),
            device: None,
            source: Some("127.0.0.1:5".into()),
            result: "ok".into(),
            count: 1,
        };
        let mut out = Vec::new();
        assert_eq!(write_audit(&mut out, [&e]).unwrap(), 1);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "time,actor,actor_token_id,action,token_id,device,description,source,result,count\r\n\
             2026-11-01T00:00:00Z,alice,t-1,revoke,t-2,,\"'=a, \"\"b\"\"\",127.0.0.1:5,ok,1\r\n"
        );
    }

    #[test]
    fn quoting_and_the_formula_guard() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(field("-1+1"), "'-1+1");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("+x,y"), "\"'+x,y\"");
        assert_eq!(field("\tx"), "'\tx");
    }
}
