//! The table filter's words: `unused:30d`, `user:NAME`,
//! `status:expiring|expired|active|never|disabled` (disabled: the user is; it wins over the
//! expiry states, as in the Status column), `scope:user|admin|custom|fleet|device|project`, and
//! free text. Every key term must match;
//! the free text (what is left, words joined by one space) matches as one phrase anywhere in
//! the row, as the filter always did. Any other `word:with:colons` is free text (scope strings
//! such as `connect:fleet:demo` are searched that way).

use chrono::{DateTime, Duration, Utc};

use super::duration::{self, DurationError};
use super::entity::EntityKind;
use super::scope::{Scope, ScopeItem};
use super::token::{Token, TokenStatus};

/// The keys the filter understands, with their values, for `?` help and error messages.
pub const KEYS: &[(&str, &str)] = &[
    (
        "unused:30d",
        "not used in 30 days (or never, issued before)",
    ),
    ("user:NAME", "tokens of this user"),
    ("status:S", "expiring, expired, active or never"),
    ("scope:K", "user, admin, custom, fleet, device or project"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    User,
    Admin,
    Custom,
    Entity(EntityKind),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterQuery {
    /// Lowercased free text (may be empty).
    pub text: String,
    pub unused: Option<Duration>,
    /// Lowercased user names; every one must equal the row's (so two never match).
    pub users: Vec<String>,
    pub statuses: Vec<TokenStatus>,
    pub scopes: Vec<ScopeKind>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("unused: {0}")]
    Unused(DurationError),
    #[error("status:{0}? use expiring, expired, active, never or disabled")]
    Status(String),
    #[error("scope:{0}? use user, admin, custom, fleet, device or project")]
    Scope(String),
    #[error("user: needs a name")]
    User,
}

/// `30d`, `12h`, `2w` (also with a leading `+`) as a duration: the one grammar,
/// [`super::duration`].
pub fn parse_age(text: &str) -> Result<Duration, DurationError> {
    let t = text.trim().trim_start_matches('+');
    let secs = duration::parse(t)?;
    i64::try_from(secs)
        .ok()
        .and_then(Duration::try_seconds)
        .ok_or_else(|| DurationError::TooLong(super::sanitize::clean(t)))
}

impl FilterQuery {
    /// True when only free text is given (the fast substring path applies).
    pub fn is_plain(&self) -> bool {
        self.unused.is_none()
            && self.users.is_empty()
            && self.statuses.is_empty()
            && self.scopes.is_empty()
    }

    pub fn parse(input: &str) -> Result<FilterQuery, FilterError> {
        let mut q = FilterQuery::default();
        let mut words: Vec<&str> = Vec::new();
        for word in input.split_whitespace() {
            let Some((key, value)) = word.split_once(':') else {
                words.push(word);
                continue;
            };
            let v = value.to_lowercase();
            match key.to_lowercase().as_str() {
                "unused" => q.unused = Some(parse_age(&v).map_err(FilterError::Unused)?),
                "user" if v.is_empty() => return Err(FilterError::User),
                "user" => q.users.push(v),
                "status" => q.statuses.push(match v.as_str() {
                    "expiring" => TokenStatus::Expiring,
                    "expired" => TokenStatus::Expired,
                    "active" => TokenStatus::Active,
                    "never" => TokenStatus::NeverExpires,
                    "disabled" => TokenStatus::Disabled,
                    _ => return Err(FilterError::Status(v)),
                }),
                "scope" => q.scopes.push(match v.as_str() {
                    "user" => ScopeKind::User,
                    "admin" => ScopeKind::Admin,
                    "custom" => ScopeKind::Custom,
                    "fleet" => ScopeKind::Entity(EntityKind::Fleet),
                    "device" => ScopeKind::Entity(EntityKind::Device),
                    "project" => ScopeKind::Entity(EntityKind::Project),
                    _ => return Err(FilterError::Scope(v)),
                }),
                _ => words.push(word),
            }
        }
        q.text = words.join(" ").to_lowercase();
        Ok(q)
    }

    /// The whole rule for one token: the key terms ([`FilterQuery::keys_match`]) and the free
    /// text as one phrase in its [`haystack`]. The tab's scan finds the same rows faster (its
    /// property test holds it to this rule); the service's bulk revoke by filter runs this.
    pub fn matches(&self, t: &Token, now: DateTime<Utc>) -> bool {
        (self.text.is_empty() || haystack(t).contains(&self.text)) && self.keys_match(t, now)
    }

    /// Whether `scope:` terms are given (they need [`scope_kinds`] of each row).
    pub fn needs_scope_kinds(&self) -> bool {
        !self.scopes.is_empty()
    }

    /// The key terms (the free text is matched by the caller against its own haystack).
    pub fn keys_match(&self, t: &Token, now: DateTime<Utc>) -> bool {
        let kinds = if self.needs_scope_kinds() {
            scope_kinds(t)
        } else {
            0
        };
        self.keys_match_kinds(t, kinds, now)
    }

    /// As [`FilterQuery::keys_match`] with the row's [`scope_kinds`] computed beforehand (a
    /// scope string is parsed once per list, not once per keystroke).
    pub fn keys_match_kinds(&self, t: &Token, kinds: u8, now: DateTime<Utc>) -> bool {
        if let Some(age) = self.unused
            && !unused_for(t, age, now)
        {
            return false;
        }
        self.user_matches(t.username())
            && self.status_matches(t.status(now))
            && self.kinds_match(kinds)
    }

    /// Every `user:` term names this user (ASCII names compare without allocating).
    pub fn user_matches(&self, user: &str) -> bool {
        self.users
            .iter()
            .all(|u| u.eq_ignore_ascii_case(user) || *u == user.to_lowercase())
    }

    /// Every `status:` term is this status.
    pub fn status_matches(&self, status: TokenStatus) -> bool {
        self.statuses.iter().all(|s| *s == status)
    }

    /// A scope of these [`scope_kinds`] is of every `scope:` kind.
    pub fn kinds_match(&self, kinds: u8) -> bool {
        self.scopes.iter().all(|k| kinds & k.bit() != 0)
    }
}

impl ScopeKind {
    pub const ALL: [ScopeKind; 6] = [
        ScopeKind::User,
        ScopeKind::Admin,
        ScopeKind::Custom,
        ScopeKind::Entity(EntityKind::Project),
        ScopeKind::Entity(EntityKind::Fleet),
        ScopeKind::Entity(EntityKind::Device),
    ];

    fn bit(self) -> u8 {
        match self {
            ScopeKind::User => 1,
            ScopeKind::Admin => 2,
            ScopeKind::Custom => 4,
            ScopeKind::Entity(EntityKind::Project) => 8,
            ScopeKind::Entity(EntityKind::Fleet) => 16,
            ScopeKind::Entity(EntityKind::Device) => 32,
        }
    }
}

/// What the free text is searched in: description, user name, token id, raw scope and the
/// Scope column's summary, lowercased, one NUL between fields (a phrase never spans two).
pub fn haystack(t: &Token) -> String {
    format!(
        "{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
        t.description,
        t.username(),
        t.token_id,
        t.scope.as_deref().unwrap_or(""),
        t.scope_summary()
    )
    .to_lowercase()
}

/// Every kind the token's scope is of, one bit each (0 for an unknown scope); the scope is
/// parsed once.
pub fn scope_kinds(t: &Token) -> u8 {
    t.scope.as_deref().map_or(0, scope_text_kinds)
}

/// [`scope_kinds`] of a raw scope string.
pub fn scope_text_kinds(scope: &str) -> u8 {
    let Ok(s) = scope.parse::<Scope>() else {
        return 0;
    };
    ScopeKind::ALL
        .iter()
        .filter(|k| scope_of_kind(&s, **k))
        .fold(0, |acc, k| acc | k.bit())
}

/// Not used for `age` (before `now`), or never used and issued longer ago than that.
pub fn unused_for(t: &Token, age: Duration, now: DateTime<Utc>) -> bool {
    let Some(since) = now.checked_sub_signed(age) else {
        return false;
    };
    match t.last_used {
        Some(used) => used < since,
        None => t.issued_at < since,
    }
}

/// Whether the token's scope is of this kind; an unknown scope is of none.
pub fn scope_is(t: &Token, kind: ScopeKind) -> bool {
    t.parsed_scope().is_some_and(|s| scope_of_kind(&s, kind))
}

fn scope_of_kind(s: &Scope, kind: ScopeKind) -> bool {
    match kind {
        ScopeKind::User => s.is_user(),
        ScopeKind::Admin => s.is_admin(),
        ScopeKind::Custom => s.is_custom(),
        ScopeKind::Entity(e) => s
            .items()
            .iter()
            .any(|i| matches!(i, ScopeItem::Connect { target, .. } if target.kind() == e)),
    }
}

/// "never", "just now", "12 min ago", "5 h ago", "3 d ago".
pub fn last_used_text(last_used: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(at) = last_used else {
        return "never".into();
    };
    let secs = (now - at).num_seconds().max(0);
    if secs < 60 {
        "just now".into()
    } else if secs < 3_600 {
        format!("{} min ago", secs / 60)
    } else if secs < 2 * 86_400 {
        format!("{} h ago", secs / 3_600)
    } else {
        format!("{} d ago", secs / 86_400)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
    }

    fn token(scope: &str, issued_days: i64, used_days: Option<i64>) -> Token {
        Token {
            token_id: "t".into(),
            description: "d".into(),
            subject: "jfac@x/users/Alice".into(),
            issuer: "jfac@x".into(),
            issued_at: now() - Duration::days(issued_days),
            expiry: Some(now() + Duration::days(3)),
            scope: Some(scope.into()),
            refreshable: false,
            last_used: used_days.map(|d| now() - Duration::days(d)),
            user_disabled: false,
            last_from: None,
        }
    }

    #[test]
    fn keys_and_free_text_split() {
        let q = FilterQuery::parse("ci  unused:30d USER:alice deploy connect:fleet:demo").unwrap();
        assert_eq!(q.text, "ci deploy connect:fleet:demo");
        assert_eq!(q.unused, Some(Duration::days(30)));
        assert_eq!(q.users, vec!["alice".to_string()]);
        assert!(FilterQuery::parse("ci deploy").unwrap().is_plain());
        assert_eq!(
            FilterQuery::parse("status:soon"),
            Err(FilterError::Status("soon".into()))
        );
        assert!(FilterQuery::parse("unused:x").is_err());
        assert!(FilterQuery::parse("scope:galaxy").is_err());
    }

    #[test]
    fn unused_takes_the_one_duration_grammar_and_says_why_m_is_refused() {
        assert_eq!(parse_age("+2w"), Ok(Duration::weeks(2)));
        assert_eq!(parse_age("30min"), Ok(Duration::minutes(30)));
        let err = FilterQuery::parse("unused:3m").unwrap_err().to_string();
        assert!(err.contains("minutes or months"), "{err}");
        assert!(parse_age("99999999999999999999y").is_err());
    }

    #[test]
    fn unused_counts_never_used_tokens_by_their_issue_date() {
        let q = FilterQuery::parse("unused:30d").unwrap();
        assert!(q.keys_match(&token("applied-permissions/user", 40, None), now()));
        assert!(!q.keys_match(&token("applied-permissions/user", 10, None), now()));
        assert!(q.keys_match(&token("applied-permissions/user", 90, Some(31)), now()));
        assert!(!q.keys_match(&token("applied-permissions/user", 90, Some(2)), now()));
    }

    #[test]
    fn scope_kinds_and_status() {
        let t = token(
            "connect:fleet:demo/eu:r connect:device:demo/d-1:rw",
            1,
            None,
        );
        let m = |s: &str| FilterQuery::parse(s).unwrap().keys_match(&t, now());
        assert!(m("scope:custom") && m("scope:fleet") && m("scope:device"));
        assert!(!m("scope:project") && !m("scope:user") && !m("scope:admin"));
        assert!(m("status:expiring user:ALICE") && !m("status:active"));
    }

    #[test]
    fn matches_takes_free_text_and_key_terms_together() {
        let t = token("connect:fleet:demo/eu:r", 40, None);
        let m = |s: &str| FilterQuery::parse(s).unwrap().matches(&t, now());
        assert!(m("") && m("unused:30d") && m("D unused:30d") && m("alice") && m("custom:"));
        assert!(!m("unused:90d") && !m("bob") && !m("d alice"));
    }

    #[test]
    fn last_used_words() {
        assert_eq!(last_used_text(None, now()), "never");
        assert_eq!(
            last_used_text(Some(now() - Duration::days(3)), now()),
            "3 d ago"
        );
        assert_eq!(
            last_used_text(Some(now() - Duration::minutes(5)), now()),
            "5 min ago"
        );
    }
}
