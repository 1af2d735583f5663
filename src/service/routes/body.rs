//! Request bodies: JSON or form, or JSON only (415 for anything else), secrets taken out into zeroizing
//! strings, and the text-field rule every write path shares.

use axum::http::{HeaderMap, StatusCode, header};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::model::sanitize::text_field_problem;

use super::super::error::ApiErr;
use super::query::Params;

/// The media type a request says its body is (lowercase, without parameters).
fn media_type(headers: &HeaderMap) -> Option<String> {
    headers.get(header::CONTENT_TYPE).map(|v| {
        let ct = v.to_str().unwrap_or("?").trim().to_ascii_lowercase();
        ct.split(';').next().unwrap_or_default().trim().to_owned()
    })
}

/// 415 naming what was sent and what to send instead.
fn unsupported(sent: Option<&str>, send: &str) -> ApiErr {
    ApiErr::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
        format!(
            "Content-Type {} is not supported: send {send}",
            sent.unwrap_or("(none)")
        ),
    )
}

fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiErr> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiErr::bad_request("the JSON body must be an object")),
        Err(e) => Err(ApiErr::bad_request(format!("invalid JSON body: {e}"))),
    }
}

/// The fields of a JSON object or form body. An empty body without a content type is an empty
/// object; any other body must say `application/json` or `application/x-www-form-urlencoded`.
pub fn fields(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, ApiErr> {
    let blank = body.iter().all(u8::is_ascii_whitespace);
    match media_type(headers).as_deref() {
        Some("application/x-www-form-urlencoded") => Ok(Params::from_bytes(body)
            .pairs()
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect()),
        Some("application/json") => json_object(body),
        None if blank => Ok(Map::new()),
        other => Err(unsupported(
            other,
            "application/json or application/x-www-form-urlencoded",
        )),
    }
}

/// The fields of a JSON object body, which must say `application/json` (415 otherwise, even
/// when empty). An empty body is an empty object.
pub fn json_fields(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, ApiErr> {
    match media_type(headers).as_deref() {
        Some("application/json") => json_object(body),
        other => Err(unsupported(other, "application/json")),
    }
}

/// Removes a secret field (a string) from `fields`.
pub fn take_secret(
    fields: &mut Map<String, Value>,
    name: &str,
) -> Result<Option<Zeroizing<String>>, ApiErr> {
    match fields.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(Zeroizing::new(s))),
        Some(_) => Err(ApiErr::bad_request(format!("{name} must be a string"))),
    }
}

/// A free-text field: at most `max` characters, none that a terminal could misread
/// (`model::sanitize::first_unsafe_char`: controls, bidi controls, zero-width characters).
pub fn check_text(field: &str, text: &str, max: usize) -> Result<(), ApiErr> {
    text_field_problem(text, max).map_or(Ok(()), |why| {
        Err(ApiErr::bad_request(format!("{field} {why}")))
    })
}
