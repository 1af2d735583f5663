//! What every admin endpoint (issue 17) shares: the admin check (403 naming what was asked,
//! audited like other refusals), the acting caller handed to the store, refusals recorded in
//! the trail (of whatever the rest of the request refuses), a JSON body read field by field
//! (unknown fields and `password` refused by name), and a create's 201 answer.

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value};

use crate::model::entity::shown;

use super::super::auth::Principal;
use super::super::error::ApiErr;
use super::super::state::AppState;
use super::super::store::admin::Acting;
use super::super::store::audit::Record;
use super::audit::{Source, by as audit_by, refused};
use super::body::{check_text, json_fields};

/// An admin request that passed the admin check: how the store acts for it, and the record of
/// a refusal should the rest of the request fail.
pub struct Admin {
    pub acting: Acting,
    failed: Record,
}

impl Admin {
    /// 403 `"{asked} needs an admin token"` (recorded as a refused `action`) unless `p` is a
    /// platform admin.
    pub async fn check(
        state: &AppState,
        p: &Principal,
        source: Source,
        action: &'static str,
        asked: &str,
    ) -> Result<Admin, ApiErr> {
        let rec = audit_by(p, action, source);
        if !p.is_admin() {
            let e = ApiErr::forbidden(format!("{asked} needs an admin token"));
            return Err(refused(state, rec, e).await);
        }
        Ok(Admin {
            acting: Acting {
                caller: Some(p.token_id.clone()),
                caller_user: Some(p.username.clone()),
                audit: Some(rec.clone()),
            },
            failed: rec,
        })
    }

    /// The same caller acting again (for a retry).
    pub fn acting(&self) -> Acting {
        self.acting.clone()
    }

    /// Records a refusal of the rest of the request (shape, store rule) and hands it back.
    pub async fn refused(&self, state: &AppState, e: ApiErr) -> ApiErr {
        refused(state, self.failed.clone(), e).await
    }

    /// The rest of the request (`work`, run now): `Ok` as is; an error recorded with
    /// [`Admin::refused`].
    pub async fn answer<T>(
        &self,
        state: &AppState,
        work: impl Future<Output = Result<T, ApiErr>>,
    ) -> Result<T, ApiErr> {
        match work.await {
            Ok(v) => Ok(v),
            Err(e) => Err(self.refused(state, e).await),
        }
    }
}

/// A create's answer: 201 Created with what was made.
pub fn created<T>(made: T) -> (StatusCode, Json<T>) {
    (StatusCode::CREATED, Json(made))
}

pub const PASSWORD_REFUSED: &str =
    "password: this service signs in with access tokens only; leave password out";

/// A JSON object body read field by field; [`Fields::finish`] refuses what was not read.
pub struct Fields(Map<String, Value>);

impl Fields {
    /// A JSON body (415 unless `application/json`); `password` refused at once. With
    /// `optional`, an empty body without a content type is an empty object.
    pub fn parse(headers: &HeaderMap, body: &[u8], optional: bool) -> Result<Fields, ApiErr> {
        let map = if optional && body.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else {
            json_fields(headers, body)?
        };
        if map.contains_key("password") {
            return Err(ApiErr::bad_request(PASSWORD_REFUSED));
        }
        Ok(Fields(map))
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// Removes `name`; whatever it held is accepted and ignored (fields JFrog clients send).
    pub fn ignore(&mut self, name: &str) {
        self.0.remove(name);
    }

    /// A string field, absent or null as None.
    pub fn string(&mut self, name: &str) -> Result<Option<String>, ApiErr> {
        match self.0.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ApiErr::bad_request(format!("{name}: must be a string"))),
        }
    }

    /// A string field that may be null: `Some(None)` for null (clear it).
    pub fn nullable(&mut self, name: &str) -> Result<Option<Option<String>>, ApiErr> {
        match self.0.remove(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => Ok(Some(Some(s))),
            Some(_) => Err(ApiErr::bad_request(format!(
                "{name}: must be a string or null"
            ))),
        }
    }

    pub fn bool(&mut self, name: &str) -> Result<Option<bool>, ApiErr> {
        match self.0.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(ApiErr::bad_request(format!(
                "{name}: must be true or false"
            ))),
        }
    }

    /// An array of strings.
    pub fn strings(&mut self, name: &str) -> Result<Option<Vec<String>>, ApiErr> {
        match self.0.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
                .map(Some)
                .ok_or_else(|| ApiErr::bad_request(format!("{name}: must be an array of strings"))),
            Some(_) => Err(ApiErr::bad_request(format!(
                "{name}: must be an array of strings"
            ))),
        }
    }

    /// 400 naming the first field not read, with the fields this endpoint takes.
    pub fn finish(self, takes: &str) -> Result<(), ApiErr> {
        match self.0.keys().next() {
            None => Ok(()),
            Some(k) => Err(ApiErr::bad_request(format!(
                "{}: unknown field (this endpoint takes {takes})",
                shown(k)
            ))),
        }
    }

    /// The underlying object (what is left of it).
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }
}

/// A free-text field: named in the error (`display_name: contains U+202E …`).
pub fn text(field: &str, value: &str, max: usize) -> Result<(), ApiErr> {
    check_text(field, value, max).map_err(|e| {
        let why = e
            .message
            .strip_prefix(field)
            .unwrap_or(&e.message)
            .trim_start();
        ApiErr::bad_request(format!("{field}: {why}"))
    })
}

/// An email: at most 254 characters, one `@` with text on both sides, no spaces or controls.
pub fn check_email(email: &str) -> Result<(), ApiErr> {
    text("email", email, 254)?;
    let bad = email.chars().any(char::is_whitespace)
        || email.matches('@').count() != 1
        || email.starts_with('@')
        || email.ends_with('@');
    if bad {
        return Err(ApiErr::bad_request(format!(
            "email: \"{}\" is not an email address (name@domain)",
            shown(email)
        )));
    }
    Ok(())
}

/// A fresh device id `d-xxxx-xxxx` (4+4 lowercase hex from the OS RNG).
pub fn new_device_uuid() -> Result<String, ApiErr> {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).map_err(|e| {
        tracing::error!(error = %e, "the OS random number generator failed");
        ApiErr::internal()
    })?;
    Ok(format!(
        "d-{:02x}{:02x}-{:02x}{:02x}",
        b[0], b[1], b[2], b[3]
    ))
}

/// `?force=true` (or `dry_run`, …): a boolean query flag, absent = false.
pub fn flag(query: Option<&str>, name: &str) -> Result<bool, ApiErr> {
    Ok(super::query::Params::parse(query)
        .bool(name)?
        .unwrap_or(false))
}
