//! ApiError: reads JFrog's error bodies and says what went wrong in words a user can act on.
//!
//! Every string that came from a server is sanitised (no control characters, bidi tricks…) and
//! truncated when the error is built, so an `ApiError` is always safe to print or draw.

use std::time::Duration;

use serde::Deserialize;

use crate::model::sanitize::sanitize_line;

/// Longest server text kept in an error.
pub const MAX_MESSAGE_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 401: missing, unknown, expired or revoked token.
    #[error("401 unauthorized: {message}")]
    Unauthorized { message: String },
    /// 403: a valid token without the right.
    #[error("403 forbidden: {message}")]
    Forbidden { message: String },
    #[error("404 not found: {message}")]
    NotFound { message: String },
    #[error("400 bad request: {message}")]
    BadRequest { message: String },
    /// 409: the request clashes with what is there (a duplicate, the last admin, in use).
    #[error("409 conflict: {message}")]
    Conflict { message: String },
    /// 429; `retry_after` in seconds when the server said.
    #[error("429 rate limited: {message}")]
    RateLimited {
        retry_after: Option<u64>,
        message: String,
    },
    /// 5xx.
    #[error("server error {status}: {message}")]
    Server { status: u16, message: String },
    /// Any other unexpected status (3xx left unfollowed…).
    #[error("unexpected HTTP status {status}: {message}")]
    Status { status: u16, message: String },
    /// Could not connect, TLS failure, connection reset.
    #[error("network error: {message}")]
    Network { message: String },
    #[error("timed out: {message}")]
    Timeout { message: String },
    /// A 2xx answer whose body is not what the API documents.
    #[error("unreadable response: {message}")]
    Decode { message: String },
    #[error("invalid server URL: {message}")]
    InvalidUrl { message: String },
    /// A caller-supplied id that cannot be a path segment (empty, `.`, `..`); nothing was sent.
    #[error("invalid argument: {message}")]
    InvalidArgument { message: String },
    /// The client could not be built (bad CA file…).
    #[error("client setup failed: {message}")]
    Setup { message: String },
}

impl ApiError {
    /// The HTTP status, for errors that carry one.
    pub fn status(&self) -> Option<u16> {
        Some(match self {
            ApiError::Unauthorized { .. } => 401,
            ApiError::Forbidden { .. } => 403,
            ApiError::NotFound { .. } => 404,
            ApiError::BadRequest { .. } => 400,
            ApiError::Conflict { .. } => 409,
            ApiError::RateLimited { .. } => 429,
            ApiError::Server { status, .. } | ApiError::Status { status, .. } => *status,
            _ => return None,
        })
    }

    /// The (sanitised) message the error carries.
    pub fn message(&self) -> &str {
        match self {
            ApiError::Unauthorized { message }
            | ApiError::Forbidden { message }
            | ApiError::NotFound { message }
            | ApiError::BadRequest { message }
            | ApiError::Conflict { message }
            | ApiError::RateLimited { message, .. }
            | ApiError::Server { message, .. }
            | ApiError::Status { message, .. }
            | ApiError::Network { message }
            | ApiError::Timeout { message }
            | ApiError::Decode { message }
            | ApiError::InvalidUrl { message }
            | ApiError::InvalidArgument { message }
            | ApiError::Setup { message } => message,
        }
    }

    /// True for errors worth trying again later (not for a different request).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ApiError::RateLimited { .. }
                | ApiError::Network { .. }
                | ApiError::Timeout { .. }
                | ApiError::Server { .. }
        )
    }

    /// One line a user can act on.
    /// What the server itself said (sanitised), for 400 and 403 answers whose wording matters
    /// more than ours (a real JFrog Platform explains its refusals).
    pub fn server_said(&self) -> Option<String> {
        match self {
            ApiError::Forbidden { message } | ApiError::BadRequest { message }
                if !message.trim().is_empty() =>
            {
                Some(sanitize_line(message).into_owned())
            }
            _ => None,
        }
    }

    /// For one-line displays: the server's own words first where it gave a reason for a
    /// refusal, so a narrow line still shows them; otherwise [`Self::user_message`].
    pub fn headline(&self) -> String {
        match (self, self.server_said()) {
            (ApiError::Forbidden { .. }, Some(m)) => {
                format!("403 {m} — your token lacks the right")
            }
            (ApiError::BadRequest { .. }, Some(m)) => format!("400 {m} — refused by the server"),
            _ => self.user_message(),
        }
    }

    pub fn user_message(&self) -> String {
        let said = |m: &str| {
            if m.is_empty() {
                String::new()
            } else {
                format!(" (server said: {})", sanitize_line(m))
            }
        };
        match self {
            ApiError::Unauthorized { message } => format!(
                "the server rejected the token (expired, revoked or unknown): sign in again or \
                 check TOKENTAB_TOKEN / --token-file{}",
                said(message)
            ),
            ApiError::Forbidden { message } => format!(
                "your token lacks the right to do this; ask an admin or use a token with more \
                 scope{}",
                said(message)
            ),
            ApiError::NotFound { message } => {
                format!(
                    "not found: it may have been deleted or revoked{}",
                    said(message)
                )
            }
            ApiError::BadRequest { message } => {
                format!("the server refused the request{}", said(message))
            }
            ApiError::Conflict { message } => format!(
                "the server refused: it clashes with what is there{}",
                said(message)
            ),
            ApiError::RateLimited {
                retry_after,
                message,
            } => match retry_after {
                Some(s) => format!(
                    "the server is rate limiting requests: try again in {s} s{}",
                    said(message)
                ),
                None => format!(
                    "the server is rate limiting requests: try again later{}",
                    said(message)
                ),
            },
            ApiError::Server { status, message } => format!(
                "the server failed (HTTP {status}); try again later{}",
                said(message)
            ),
            ApiError::Status { status, message } => {
                format!(
                    "unexpected answer from the server (HTTP {status}){}",
                    said(message)
                )
            }
            ApiError::Network { message } => format!(
                "cannot reach the server: {}; check the URL and your network",
                sanitize_line(message)
            ),
            ApiError::Timeout { message } => format!(
                "the server did not answer in time ({}); try again",
                sanitize_line(message)
            ),
            ApiError::Decode { message } => format!(
                "the server's answer could not be read ({}); is the URL a JFrog Platform or a \
                 tokentab service?",
                sanitize_line(message)
            ),
            ApiError::InvalidUrl { message } => {
                format!("the server URL is not valid: {}", sanitize_line(message))
            }
            ApiError::InvalidArgument { message } => sanitize_line(message).into_owned(),
            ApiError::Setup { message } => {
                format!("cannot set up the HTTP client: {}", sanitize_line(message))
            }
        }
    }

    /// Builds the error for a non-success answer from its status, `Retry-After` and body.
    pub fn from_response(status: u16, retry_after: Option<Duration>, body: &[u8]) -> ApiError {
        let message = server_message(body);
        match status {
            400 => ApiError::BadRequest { message },
            401 => ApiError::Unauthorized { message },
            403 => ApiError::Forbidden { message },
            404 => ApiError::NotFound { message },
            409 => ApiError::Conflict { message },
            429 => ApiError::RateLimited {
                retry_after: retry_after.map(|d| d.as_secs()),
                message,
            },
            500..=599 => ApiError::Server { status, message },
            _ => ApiError::Status { status, message },
        }
    }

    pub(crate) fn decode(what: &str, detail: impl std::fmt::Display) -> ApiError {
        ApiError::Decode {
            message: shorten(&format!("{what}: {detail}")),
        }
    }

    /// From a transport error: the server's origin, then the causes that say something
    /// ("tcp connect error: Connection refused"), without reqwest's and hyper's wrappers.
    pub(crate) fn from_reqwest(e: &reqwest::Error) -> ApiError {
        let mut parts: Vec<String> = Vec::new();
        let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(e);
        while let Some(err) = cur {
            let s = err.to_string();
            let wrapper = s.starts_with("client error (") || s.starts_with("error sending request");
            if !wrapper && !parts.iter().any(|p| p.contains(&s)) {
                parts.push(s);
            }
            cur = err.source();
        }
        if parts.is_empty() {
            parts.push(e.without_url_text());
        }
        let origin = e
            .url()
            .map(|u| u.origin().ascii_serialization())
            .filter(|o| o != "null");
        let text = match origin {
            Some(o) => format!("{o}: {}", parts.join(": ")),
            None => parts.join(": "),
        };
        let message = shorten(&text);
        if e.is_timeout() {
            ApiError::Timeout { message }
        } else if e.is_decode() {
            ApiError::Decode { message }
        } else if e.is_builder() {
            ApiError::Setup { message }
        } else {
            ApiError::Network { message }
        }
    }
}

trait WithoutUrl {
    fn without_url_text(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_text(&self) -> String {
        let mut s = self.to_string();
        if let Some(u) = self.url() {
            s = s.replace(&format!(" for url ({u})"), "");
        }
        s
    }
}

/// Sanitised and cut to [`MAX_MESSAGE_CHARS`] characters.
pub(crate) fn shorten(text: &str) -> String {
    let clean = sanitize_line(text.trim());
    let mut out: String = clean.chars().take(MAX_MESSAGE_CHARS).collect();
    if clean.chars().nth(MAX_MESSAGE_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[derive(Deserialize)]
struct ArrayForm {
    errors: Vec<ArrayItem>,
}

#[derive(Deserialize)]
struct ArrayItem {
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    status: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct FlatForm {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    detail: Option<String>,
}

fn value_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The text of a JFrog error body: the array form (`code` string or Artifactory's numeric
/// `status`), then the flat form, then the raw text.
pub fn server_message(body: &[u8]) -> String {
    if let Ok(a) = serde_json::from_slice::<ArrayForm>(body) {
        let parts: Vec<String> = a
            .errors
            .iter()
            .filter_map(|e| {
                let code = e.code.as_ref().or(e.status.as_ref()).and_then(value_text);
                match (code, e.message.as_deref().filter(|m| !m.is_empty())) {
                    (Some(c), Some(m)) => Some(format!("{c}: {m}")),
                    (None, Some(m)) => Some(m.to_owned()),
                    (Some(c), None) => Some(c),
                    (None, None) => None,
                }
            })
            .collect();
        if !parts.is_empty() {
            return shorten(&parts.join("; "));
        }
    }
    if let Ok(f) = serde_json::from_slice::<FlatForm>(body) {
        let msg = f
            .message
            .filter(|m| !m.is_empty())
            .or(f.detail.filter(|d| !d.is_empty()));
        let text = match (f.code.filter(|c| !c.is_empty()), msg) {
            (Some(c), Some(m)) => Some(format!("{c}: {m}")),
            (None, Some(m)) => Some(m),
            (Some(c), None) => Some(c),
            (None, None) => None,
        };
        if let Some(t) = text {
            return shorten(&t);
        }
    }
    shorten(&String::from_utf8_lossy(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_shapes_and_text() {
        assert_eq!(
            server_message(br#"{"errors":[{"code":"NOT_FOUND","message":"gone"}]}"#),
            "NOT_FOUND: gone"
        );
        assert_eq!(
            server_message(
                br#"{"code":"BAD_REQUEST","message":"Token not revocable","detail":"x"}"#
            ),
            "BAD_REQUEST: Token not revocable"
        );
        assert_eq!(
            server_message(br#"{"errors":[{"status":401,"message":"Bad credentials"}]}"#),
            "401: Bad credentials"
        );
        assert_eq!(
            server_message(b"<html>\x1b[2Jboom</html>"),
            "<html>\u{FFFD}[2Jboom</html>"
        );
        let long = "x".repeat(1000);
        assert_eq!(
            server_message(long.as_bytes()).chars().count(),
            MAX_MESSAGE_CHARS + 1
        );
    }
}
