//! How the accessible mode puts things into words: sentences, yes/no answers, times with their
//! units spelled out, and one token as one line. Pure.

use chrono::{DateTime, Utc};

use crate::model::sanitize::clean;

use crate::model::expiry::relative_text;
use crate::model::filter_query::last_used_text;
use crate::model::{Actions, EntityRef, Token, TokenStatus};

/// `text` as a sentence: a capital first letter and a full stop unless it ends with one.
pub fn sentence(text: &str) -> String {
    let text = text.trim();
    let mut chars = text.chars();
    let mut s: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !s.ends_with(['.', '?', '!', ':']) {
        s.push('.');
    }
    s
}

/// "yes"/"y" or "no"/"n" (any case); an empty answer is `default`; anything else None.
pub fn yes_no(answer: &str, default: bool) -> Option<bool> {
    match answer.trim().to_lowercase().as_str() {
        "" => Some(default),
        "y" | "yes" => Some(true),
        "n" | "no" => Some(false),
        _ => None,
    }
}

/// The tab's short units spelled out for a screen reader: "in 12 d" -> "in 12 days",
/// "(in 5 h)" -> "(in 5 hours)", "1 d" -> "1 day".
pub fn spoken(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let core = w.trim_end_matches(|c: char| !c.is_alphanumeric());
        let tail = &w[core.len()..];
        let one = i > 0 && words[i - 1].trim_start_matches('(') == "1";
        let unit = match core {
            "d" => Some("day"),
            "h" => Some("hour"),
            "min" => Some("minute"),
            "s" => Some("second"),
            "w" => Some("week"),
            _ => None,
        };
        out.push(match unit {
            Some(u) if one => format!("{u}{tail}"),
            Some(u) => format!("{u}s{tail}"),
            None => (*w).to_owned(),
        });
    }
    out.join(" ")
}

/// The status in words (never a colour or a symbol).
pub fn status_words(status: TokenStatus) -> &'static str {
    match status {
        TokenStatus::Disabled => "refused because its user is disabled",
        TokenStatus::Expired => "expired",
        TokenStatus::Expiring => "expiring soon",
        TokenStatus::Active => "active",
        TokenStatus::NeverExpires => "active",
    }
}

/// When the token expires, in words: "expires 2026-12-01, in 30 days".
pub fn expiry_words(t: &Token, now: DateTime<Utc>) -> String {
    match t.expiry {
        None => "never expires".to_owned(),
        Some(at) if at <= now => format!(
            "expired on {}, {}",
            at.format("%Y-%m-%d"),
            spoken(relative_text(at, now).trim_start_matches("expired "))
        ),
        Some(at) => format!(
            "expires {}, {}",
            at.format("%Y-%m-%d"),
            spoken(&relative_text(at, now))
        ),
    }
}

/// One token as one numbered line of the list. Every string in `t` is already cleaned.
pub fn token_line(n: usize, t: &Token, scope_summary: &str, now: DateTime<Utc>) -> String {
    let desc = if t.description.is_empty() {
        "no description"
    } else {
        &t.description
    };
    format!(
        "{n}. {desc}. User {}. Status {}, {}. Scope {}. Id {}.",
        t.username(),
        status_words(t.status(now)),
        expiry_words(t, now),
        scope_words(t, scope_summary),
        short_id(&t.token_id),
    )
}

/// One grant in words: "fleet edge-eu in project demo: read and write".
pub fn grant_words(t: &EntityRef, a: Actions) -> String {
    let what = match t {
        EntityRef::Project { project } => format!("project {}", clean(project)),
        EntityRef::Fleet { project, fleet } => {
            format!("fleet {} in project {}", clean(fleet), clean(project))
        }
        EntityRef::Device { project, device } => {
            format!("device {} in project {}", clean(device), clean(project))
        }
    };
    let labels = a.labels().to_lowercase();
    let acts = match labels.rsplit_once(", ") {
        Some((head, last)) => format!("{head} and {last}"),
        None => labels,
    };
    format!("{what}: {acts}")
}

/// A token's scope in words: "Admin", "User", "Custom, fleet edge-eu in project demo: read,
/// and 2 more permissions", or the server's text when it does not parse.
pub fn scope_words(t: &Token, summary: &str) -> String {
    match t.parsed_scope() {
        Some(scope) if scope.is_custom() => {
            let mut grants = scope.grants();
            let Some((first, acts)) = grants.next() else {
                return summary.to_owned();
            };
            let more = match grants.count() {
                0 => String::new(),
                1 => ", and 1 more permission".to_owned(),
                n => format!(", and {n} more permissions"),
            };
            format!("Custom, {}{more}", grant_words(first, acts))
        }
        _ => summary.to_owned(),
    }
}

/// "last used 3 days ago" / "never used".
pub fn last_used_words(t: &Token, now: DateTime<Utc>) -> String {
    match t.last_used {
        None => "never used".to_owned(),
        Some(_) => format!("last used {}", spoken(&last_used_text(t.last_used, now))),
    }
}

/// The first 8 characters of an id (the tab's Token ID column).
pub fn short_id(id: &str) -> String {
    id.chars().take(8).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_and_answers() {
        assert_eq!(sentence("the server failed"), "The server failed.");
        assert_eq!(sentence("Done."), "Done.");
        assert_eq!(yes_no(" Yes ", false), Some(true));
        assert_eq!(yes_no("", false), Some(false));
        assert_eq!(yes_no("maybe", false), None);
    }

    #[test]
    fn scopes_in_words() {
        let t = |scope: &str| Token {
            token_id: "t".into(),
            description: String::new(),
            subject: "admin".into(),
            issuer: String::new(),
            issued_at: Utc::now(),
            expiry: None,
            scope: Some(scope.into()),
            refreshable: false,
            last_used: None,
            user_disabled: false,
            last_from: None,
        };
        let custom =
            t("connect:fleet:demo/edge-eu:rw connect:project:lab:r connect:device:demo/d-1:rwd");
        assert_eq!(
            scope_words(&custom, "Custom"),
            "Custom, fleet edge-eu in project demo: read and write, and 2 more permissions"
        );
        assert_eq!(
            scope_words(&t("applied-permissions/admin"), "Admin"),
            "Admin"
        );
        let dev = t("connect:device:demo/d-1:rwd");
        assert_eq!(
            scope_words(&dev, "Custom"),
            "Custom, device d-1 in project demo: read, write and delete"
        );
    }

    #[test]
    fn units_are_spelled_out() {
        assert_eq!(spoken("in 12 d"), "in 12 days");
        assert_eq!(spoken("expired 1 d ago"), "expired 1 day ago");
        assert_eq!(spoken("5 h ago"), "5 hours ago");
        assert_eq!(spoken("12 min ago"), "12 minutes ago");
        assert_eq!(spoken("just now"), "just now");
        assert_eq!(spoken("2027-03-05 (in 90 d)"), "2027-03-05 (in 90 days)");
        assert_eq!(spoken("(in 1 h)"), "(in 1 hour)");
    }
}
