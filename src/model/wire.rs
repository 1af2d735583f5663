//! JSON bodies of the HTTP API (JFrog Access v1/v2 and Connect v2 shapes, plus our documented
//! extensions). The service serializes these; the client deserializes them leniently.
//!
//! The secret `access_token` of a create response is deliberately absent here: the service
//! writes it with its own type and the client reads it straight into a zeroizing secret
//! (`secret::one_time`).

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use super::token::Token;

/// Accepts `true`, `"true"`, `1` for booleans (JFrog's own KB sends strings).
pub fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Bool(bool),
        Text(String),
        Num(i64),
    }
    Ok(match Option::<Loose>::deserialize(d)? {
        None => None,
        Some(Loose::Bool(b)) => Some(b),
        Some(Loose::Num(n)) => Some(n != 0),
        Some(Loose::Text(s)) => match s.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" | "" => Some(false),
            _ => return Err(serde::de::Error::custom("expected a boolean")),
        },
    })
}

/// Accepts `3600` or `"3600"` for integers (forms send strings).
pub fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        U(u64),
        I(i64),
        S(String),
    }
    Ok(match Option::<N>::deserialize(d)? {
        None => None,
        Some(N::U(n)) => Some(n),
        Some(N::I(n)) => {
            return Err(serde::de::Error::custom(format!(
                "expires_in must be >= 0, not {n}"
            )));
        }
        Some(N::S(s)) if s.trim().is_empty() => None,
        Some(N::S(s)) => Some(s.trim().parse().map_err(|_| {
            serde::de::Error::custom("expires_in must be a whole number of seconds >= 0")
        })?),
    })
}

/// `POST /access/api/v1/tokens` body (JSON or form). Every JFrog create field except the two
/// secrets (`refresh_token`, `access_token`), which the service takes apart so they never sit in
/// a type that derives Debug; any other field is refused by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_in: Option<u64>,
    #[serde(
        default,
        deserialize_with = "lenient_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub refreshable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_key: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub include_reference_token: Option<bool>,
    #[serde(
        default,
        deserialize_with = "lenient_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub force_revocable: Option<bool>,
}

/// The non-secret part of a create response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedTokenMeta {
    pub token_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub token_type: String,
}

/// One entry of `GET /access/api/v1/tokens` (and `GET …/tokens/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub token_id: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<i64>,
    #[serde(default)]
    pub issued_at: i64,
    #[serde(default)]
    pub issuer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub refreshable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Our extension (real JFrog lists omit it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Our extension: the subject user's status (`enabled` | `disabled`); a disabled user's
    /// tokens are refused until the user is enabled again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_status: Option<String>,
    /// Our extension (issue 20): where the last recorded use came from (boxed: most
    /// listings of a real JFrog server have none, and every answer the tab carries stays small).
    #[serde(default, flatten, skip_serializing_if = "Option::is_none")]
    pub last_use: Option<Box<LastUseWire>>,
}

/// `last_used_from` (the client address) and `last_used_agent` (the user agent, escaped and
/// capped by the service) of a token's last recorded use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastUseWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_agent: Option<String>,
}

fn epoch(secs: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(secs, 0).single()
}

impl TokenInfo {
    /// Into the domain type. Strings stay as sent: sanitising for display is the UI's job.
    pub fn into_token(self) -> Token {
        Token {
            token_id: self.token_id,
            description: self.description.unwrap_or_default(),
            subject: self.subject,
            issuer: self.issuer,
            issued_at: epoch(self.issued_at).unwrap_or_default(),
            expiry: self.expiry.filter(|e| *e > 0).and_then(epoch),
            scope: self.scope,
            refreshable: self.refreshable.unwrap_or(false),
            last_used: self.last_used.and_then(epoch),
            user_disabled: self
                .user_status
                .is_some_and(|s| s.trim().eq_ignore_ascii_case("disabled")),
            last_from: self
                .last_use
                .filter(|u| u.last_used_from.is_some() || u.last_used_agent.is_some())
                .map(|u| super::token::LastFrom {
                    source: u.last_used_from,
                    agent: u.last_used_agent,
                }),
        }
    }
}

/// `GET /access/api/v1/tokens`: `cursor` is our paging extension, present while more remain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenList {
    #[serde(default)]
    pub tokens: Vec<TokenInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// How many tokens match in all, when the server says (an extension; the TUI shows it as
    /// "loading 120,000 of ~538,783").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Where changes start (an extension, on a listing's first page): ask
    /// `?changed_since=<this>` later for what changed since this page was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes_cursor: Option<String>,
}

/// `GET /access/api/v1/tokens?changed_since=CURSOR` (our extension): the tokens written since
/// the cursor as they are now, the ids of those revoked since, and the cursor for next time.
/// A token may come again after the next cursor (applying a change twice changes nothing).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenChanges {
    #[serde(default)]
    pub tokens: Vec<TokenInfo>,
    #[serde(default)]
    pub revoked: Vec<String>,
    pub changes_cursor: String,
}

/// `GET /access/api/v2/users` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserInfo {
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserList {
    #[serde(default)]
    pub users: Vec<UserInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// `GET /access/api/v1/projects` entry (the response is a bare array).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectInfo {
    pub project_key: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub description: String,
}

/// `GET /api/v2/{project_key}/fleets` (our extension): `{"fleets":[…]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetInfo {
    pub name: String,
    #[serde(default)]
    pub project_key: String,
    #[serde(default)]
    pub device_count: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FleetList {
    #[serde(default)]
    pub fleets: Vec<FleetInfo>,
}

/// A Connect device. `group` is the fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub device_uuid: String,
    #[serde(default)]
    pub device_name: String,
    #[serde(default)]
    pub project: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_version: Option<String>,
}

/// `GET /api/v2/{project_key}/devices`: `{"devices":[…],"after":"…"}` (what we emit; the client
/// also accepts a bare array and other cursor names).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeviceList {
    #[serde(default)]
    pub devices: Vec<DeviceInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// `PATCH /api/v2/{project_key}/devices/{uuid}`; any other field is refused by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevicePatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// JFrog's array error form: `{"errors":[{"code":"BAD_REQUEST","message":"…"}]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub errors: Vec<ErrorItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorItem {
    pub code: String,
    pub message: String,
}

impl ErrorBody {
    pub fn one(code: &str, message: impl Into<String>) -> Self {
        ErrorBody {
            errors: vec![ErrorItem {
                code: code.into(),
                message: message.into(),
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_fields() {
        let r: CreateTokenRequest =
            serde_json::from_str(r#"{"expires_in":"3600","refreshable":"true"}"#).unwrap();
        assert_eq!(r.expires_in, Some(3600));
        assert_eq!(r.refreshable, Some(true));
        assert!(serde_json::from_str::<CreateTokenRequest>(r#"{"expires_in":-1}"#).is_err());
        let t: TokenInfo =
            serde_json::from_str(r#"{"token_id":"a","subject":"jfac@x/users/bob","issued_at":1}"#)
                .unwrap();
        let t = t.into_token();
        assert_eq!(t.username(), "bob");
        assert_eq!(t.expiry, None);
    }
}

/// One row of `GET /tokentab/api/v1/audit` (our extension; the JFrog Platform has no such
/// endpoint). Never carries a secret or a hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Row number: newer rows have larger ones.
    pub id: i64,
    /// Seconds since the epoch.
    pub time: i64,
    /// The user whose token made the request.
    pub actor: String,
    /// The id of the token the request was made with.
    pub actor_token_id: String,
    /// `create`, `revoke`, `revoke_by_value`, `revoke_self`, `refresh`, `device_update`,
    /// `device_delete`.
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `project/uuid` for device changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The client's address as the server saw it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `ok`, or the refusal (`403 FORBIDDEN`, `404 NOT_FOUND`, `204 gone` …).
    pub result: String,
    /// How many times this happened: refusals by one token with one action and result are
    /// aggregated into one row per minute. 1 for every change.
    #[serde(default = "one")]
    pub count: i64,
}

fn one() -> i64 {
    1
}

/// The audit trail's columns, as `tokens audit` and the TUI's audit view both head them.
pub const AUDIT_COLUMNS: [&str; 7] = [
    "Time (UTC)",
    "Actor",
    "Action",
    "Target",
    "Description",
    "Source",
    "Result",
];

impl AuditEntry {
    /// What the row is about: the token id, `device <project/uuid>`, or `-`.
    pub fn target(&self) -> String {
        match (&self.token_id, &self.device) {
            (Some(t), _) => t.clone(),
            (None, Some(d)) => format!("device {d}"),
            (None, None) => "-".into(),
        }
    }

    /// The result as people read it: `403 FORBIDDEN x37` when it happened 37 times.
    pub fn outcome(&self) -> String {
        if self.count > 1 {
            format!("{} x{}", self.result, self.count)
        } else {
            self.result.clone()
        }
    }
}

/// `GET /tokentab/api/v1/audit`: newest first; `cursor` present while more remain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditList {
    #[serde(default)]
    pub entries: Vec<AuditEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
