//! Rotation: the create request for a token's replacement. Same scope (every item), same
//! description, same owner, same lifetime length counted from now; a never-expiring token asks
//! for "never" again (the server decides whether it allows that).
//!
//! The description is kept exactly, without a " (rotated)" suffix: scripts and the JFrog
//! `description` filter find tokens by it, repeated rotations would stack suffixes (and could
//! pass the 1024-character limit), and the new token ID and issue date already tell the two
//! apart while both are listed.

use chrono::{DateTime, Utc};

use super::scope::{Scope, USER};
use super::token::Token;
use super::wire::CreateTokenRequest;

/// The audience JFrog gives Connect (custom) tokens.
pub const CONNECT_AUDIENCE: &str = "jfcon@*";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RotateError {
    #[error("the server did not say what token {0} may do (no scope; real JFrog never does)")]
    UnknownScope(String),
    #[error("token {id} has a scope this client cannot read: {reason}")]
    BadScope { id: String, reason: String },
}

/// Seconds the old token was meant to live (`None`: it never expires).
pub fn lifetime_secs(token: &Token) -> Option<u64> {
    token
        .expiry
        .map(|at| (at - token.issued_at).num_seconds().max(1) as u64)
}

/// How to treat a token whose scope the server does not report (real JFrog omits it from the
/// list and from `GET /tokens/{id}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownScope {
    Refuse,
    /// The person said it is a User token (it acts with its owner's rights).
    AsUser,
}

/// The request that creates `token`'s replacement at `now`.
pub fn replacement_request(
    token: &Token,
    _now: DateTime<Utc>,
    unknown: UnknownScope,
) -> Result<CreateTokenRequest, RotateError> {
    let raw = match token.scope.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => s,
        None if unknown == UnknownScope::AsUser => USER,
        None => return Err(RotateError::UnknownScope(token.token_id.clone())),
    };
    let scope: Scope = raw
        .parse()
        .map_err(|e: super::ScopeError| RotateError::BadScope {
            id: token.token_id.clone(),
            reason: e.to_string(),
        })?;
    let username = Some(token.username().to_owned()).filter(|u| !u.is_empty());
    let description = Some(token.description.clone()).filter(|d| !d.is_empty());
    Ok(CreateTokenRequest {
        username,
        // The scope exactly as the server sent it (items in their order).
        scope: Some(raw.trim().to_owned()),
        // 0 = never.
        expires_in: Some(lifetime_secs(token).unwrap_or(0)),
        refreshable: Some(token.refreshable),
        description,
        audience: scope.is_custom().then(|| CONNECT_AUDIENCE.to_owned()),
        ..CreateTokenRequest::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn token(scope: Option<&str>, life_days: Option<i64>) -> Token {
        let issued = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        Token {
            token_id: "old".into(),
            description: "ci deploy".into(),
            subject: "jfac@01abc/users/alice".into(),
            issuer: "jfac@01abc".into(),
            issued_at: issued,
            expiry: life_days.map(|d| issued + Duration::days(d)),
            scope: scope.map(str::to_owned),
            refreshable: false,
            last_used: None,
            user_disabled: false,
            last_from: None,
        }
    }

    #[test]
    fn a_custom_token_keeps_every_item_owner_description_and_lifetime() {
        let scope =
            "connect:project:demo:r connect:fleet:demo/edge-eu:rw connect:device:demo/d-1:rwd";
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap();
        let r =
            replacement_request(&token(Some(scope), Some(90)), now, UnknownScope::Refuse).unwrap();
        assert_eq!(r.scope.as_deref(), Some(scope));
        assert_eq!(r.username.as_deref(), Some("alice"));
        assert_eq!(r.description.as_deref(), Some("ci deploy"));
        assert_eq!(r.expires_in, Some(90 * 86_400));
        assert_eq!(r.audience.as_deref(), Some(CONNECT_AUDIENCE));
    }

    #[test]
    fn a_user_token_that_never_expires_asks_for_never() {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap();
        let r = replacement_request(
            &token(Some("applied-permissions/user"), None),
            now,
            UnknownScope::Refuse,
        )
        .unwrap();
        assert_eq!(r.expires_in, Some(0));
        assert_eq!(r.audience, None);
    }

    #[test]
    fn no_scope_is_refused_not_guessed() {
        let now = Utc::now();
        assert_eq!(
            replacement_request(&token(None, Some(1)), now, UnknownScope::Refuse),
            Err(RotateError::UnknownScope("old".into()))
        );
        let as_user = replacement_request(&token(None, Some(1)), now, UnknownScope::AsUser);
        assert_eq!(as_user.unwrap().scope.as_deref(), Some(USER));
        assert!(matches!(
            replacement_request(
                &token(Some("connect:nope"), Some(1)),
                now,
                UnknownScope::AsUser
            ),
            Err(RotateError::BadScope { .. })
        ));
    }
}
