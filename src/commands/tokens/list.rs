//! `tokentab tokens list`: a table, JSON (with `status` and `expires_at`) or CSV, filtered
//! here as well as by the server (a server may ignore a filter; `--expiring` is ours alone).

use std::io::Write;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::api::{Client, TokenQuery};
use crate::cli::ListArgs;
use crate::model::Token;
use crate::model::expiry::relative_text;
use crate::model::filter_query::{FilterQuery, scope_kinds};
use crate::model::sanitize::sanitize_line;
use crate::model::wire::TokenInfo;

use super::super::report::{Failure, write_json};
use super::super::table;
use super::{expiring_until, unused_age};

pub(super) async fn list(client: &Client, args: &ListArgs) -> Result<ExitCode, Failure> {
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

pub(super) fn filters(args: &ListArgs) -> Result<(Terms, Terms), Failure> {
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
            status: token.status(now).word(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::token::TokenStatus;

    #[test]
    fn description_is_case_insensitive_with_a_prefix_star() {
        assert!(description_matches("CI*", "ci deploy"));
        assert!(description_matches("ci DEPLOY", "CI deploy"));
        assert!(!description_matches("ci", "ci deploy"));
        assert!(description_matches("ÄRGER*", "ärger im büro"));
    }

    #[test]
    fn status_words_are_the_filters() {
        assert_eq!(TokenStatus::NeverExpires.word(), "never");
        for s in ["active", "expiring", "expired", "never", "disabled"] {
            let q = FilterQuery::parse(&format!("status:{s}")).expect("a filter word");
            assert_eq!(q.statuses[0].word(), s);
        }
    }
}
