//! A token as the table shows it, and its status.

use chrono::{DateTime, Duration, Utc};

use super::scope::Scope;

/// Tokens expiring within this many days are "expiring".
pub const EXPIRING_DAYS: i64 = 7;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub token_id: String,
    pub description: String,
    /// As the server sent it: `jfac@…/users/alice` or `alice`.
    pub subject: String,
    pub issuer: String,
    pub issued_at: DateTime<Utc>,
    pub expiry: Option<DateTime<Utc>>,
    /// Raw scope string; real JFrog lists omit it (None = unknown until fetched).
    pub scope: Option<String>,
    pub refreshable: bool,
    pub last_used: Option<DateTime<Utc>>,
    /// The subject user is disabled (the server said `user_status: "disabled"`): the token is
    /// refused until the user is enabled again.
    pub user_disabled: bool,
    /// Where the last recorded use came from (our extension; None when the server did not
    /// say). The list's rows in the tab do not keep it: Details asks for the token.
    pub last_from: Option<LastFrom>,
}

/// The client address and user agent of a token's last recorded use, as the server stored
/// them (escaped and capped there; still sanitized again wherever shown).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LastFrom {
    pub source: Option<String>,
    pub agent: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TokenStatus {
    /// The subject user is disabled: wins over every expiry state.
    Disabled,
    Expired,
    Expiring,
    Active,
    NeverExpires,
}

impl TokenStatus {
    /// One word everywhere: the tab's column, its filter (`status:never`), CSV and JSON.
    pub fn word(self) -> &'static str {
        match self {
            TokenStatus::Disabled => "disabled",
            TokenStatus::Active => "active",
            TokenStatus::Expiring => "expiring",
            TokenStatus::Expired => "expired",
            TokenStatus::NeverExpires => "never",
        }
    }
    /// A symbol so status is not shown by colour alone.
    pub fn symbol(self) -> &'static str {
        match self {
            TokenStatus::Disabled => "⊘",
            TokenStatus::Active => "●",
            TokenStatus::Expiring => "◐",
            TokenStatus::Expired => "✕",
            TokenStatus::NeverExpires => "∞",
        }
    }
}

/// `jfac@01fm…/users/alice` -> `alice`; anything else is returned as it is.
pub fn subject_username(subject: &str) -> &str {
    match subject.rfind("/users/") {
        Some(i) => &subject[i + "/users/".len()..],
        None => subject,
    }
}

impl Token {
    pub fn username(&self) -> &str {
        subject_username(&self.subject)
    }

    /// Disabled (the user) wins over the expiry states.
    pub fn status(&self, now: DateTime<Utc>) -> TokenStatus {
        if self.user_disabled {
            return TokenStatus::Disabled;
        }
        match self.expiry {
            None => TokenStatus::NeverExpires,
            Some(at) if at <= now => TokenStatus::Expired,
            Some(at) if at - now <= Duration::days(EXPIRING_DAYS) => TokenStatus::Expiring,
            Some(_) => TokenStatus::Active,
        }
    }

    pub fn parsed_scope(&self) -> Option<Scope> {
        self.scope.as_deref().and_then(|s| s.parse().ok())
    }

    /// The Scope column: Admin, User, "Custom: first (+N)", the raw text if it does not parse,
    /// or "—" when the server did not send a scope.
    pub fn scope_summary(&self) -> String {
        scope_summary(self.scope.as_deref())
    }

    /// Why a disabled user's token is refused, for the details view; None while the user is
    /// enabled (or the server did not say).
    pub fn disabled_note(&self) -> Option<String> {
        self.user_disabled.then(|| {
            format!(
                "user {} is disabled: this token is refused until the user is enabled again",
                self.username()
            )
        })
    }

    pub fn is_admin_scoped(&self) -> bool {
        self.parsed_scope().is_some_and(|s| s.is_admin())
    }
}

/// [`Token::scope_summary`] of a scope text.
pub fn scope_summary(scope: Option<&str>) -> String {
    match (scope, scope.and_then(|s| s.parse::<Scope>().ok())) {
        (_, Some(s)) => s.summary(),
        (Some(raw), None) => raw.to_owned(),
        (None, None) => "—".into(),
    }
}

/// Longest token id anyone looks up: ours are UUIDs (36), JFrog's too.
pub const MAX_TOKEN_ID: usize = 64;

/// Whether `id` can name a token at all: letters, digits, '.', '_' and '-', at most
/// [`MAX_TOKEN_ID`]. The service answers "token not found" to anything else before any lookup
/// (and never records it); the CLI refuses it as a usage error before sending.
pub fn is_token_id_shape(id: &str) -> bool {
    (1..=MAX_TOKEN_ID).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn token(expiry: Option<DateTime<Utc>>) -> Token {
        Token {
            token_id: "t".into(),
            description: String::new(),
            subject: "jfac@01abc/users/alice".into(),
            issuer: "jfac@01abc".into(),
            issued_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            expiry,
            scope: None,
            refreshable: false,
            last_used: None,
            user_disabled: false,
            last_from: None,
        }
    }

    #[test]
    fn status_and_subject() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
        assert_eq!(token(None).status(now), TokenStatus::NeverExpires);
        assert_eq!(
            token(Some(now - Duration::days(1))).status(now),
            TokenStatus::Expired
        );
        assert_eq!(
            token(Some(now + Duration::days(3))).status(now),
            TokenStatus::Expiring
        );
        assert_eq!(
            token(Some(now + Duration::days(30))).status(now),
            TokenStatus::Active
        );
        assert_eq!(token(None).username(), "alice");
        assert_eq!(subject_username("bob"), "bob");
        assert_eq!(token(None).scope_summary(), "—");
    }

    #[test]
    fn a_disabled_user_wins_over_every_expiry_state() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
        for expiry in [
            None,
            Some(now - Duration::days(1)),
            Some(now + Duration::days(3)),
        ] {
            let t = Token {
                user_disabled: true,
                ..token(expiry)
            };
            assert_eq!(t.status(now), TokenStatus::Disabled);
            assert_eq!(
                t.disabled_note().as_deref(),
                Some(
                    "user alice is disabled: this token is refused until the user is enabled again"
                )
            );
        }
        assert_eq!(token(None).disabled_note(), None);
    }
}
