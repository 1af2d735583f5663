//! The JSON body of a delivery, from an outbox row: the event id, its type, when it
//! happened, and the token's id, subject, description, scope and expiry (never a secret or a
//! hash: the outbox holds none).

use serde_json::{Value, json};

use crate::service::store::outbox::{Claimed, EXPIRING, ROTATED};

/// RFC 3339, UTC, whole seconds.
pub fn rfc3339(secs: i64) -> Value {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| Value::String(t.format("%Y-%m-%dT%H:%M:%SZ").to_string()))
        .unwrap_or(Value::Null)
}

/// The body; `issuer` is `jfac@<service id>` (subjects are `<issuer>/users/<name>`).
pub fn body(row: &Claimed, issuer: &str) -> Vec<u8> {
    let mut v = json!({
        "id": row.event_id,
        "type": row.kind,
        "occurred_at": rfc3339(row.occurred_at),
        "user": { "username": row.username },
    });
    if let Some(id) = &row.token_id {
        v["token"] = json!({
            "id": id,
            "subject": format!("{issuer}/users/{}", row.username),
            "description": row.description,
            "scope": row.scope,
            "expiry": row.expiry.map_or(Value::Null, rfc3339),
        });
    }
    if row.kind == ROTATED {
        v["previous_token_id"] = json!(row.previous_id);
    }
    if row.kind == EXPIRING {
        v["lead_seconds"] = json!(row.lead);
    }
    serde_json::to_vec(&v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str) -> Claimed {
        Claimed {
            seq: 1,
            event_id: "e1".into(),
            kind: kind.into(),
            token_id: Some("t1".into()),
            username: "alice".into(),
            description: Some("ci \"deploy\"".into()),
            scope: Some("applied-permissions/user".into()),
            expiry: Some(0),
            previous_id: Some("t0".into()),
            lead: Some(86_400),
            occurred_at: 86_400,
            attempts: 0,
            first_try: 0,
            acked: String::new(),
        }
    }

    #[test]
    fn token_fields_and_the_extras_of_each_kind() {
        let v: Value = serde_json::from_slice(&body(&row(ROTATED), "jfac@s")).unwrap();
        assert_eq!(v["type"], "token.rotated");
        assert_eq!(v["occurred_at"], "1970-01-02T00:00:00Z");
        assert_eq!(v["token"]["subject"], "jfac@s/users/alice");
        assert_eq!(v["token"]["description"], "ci \"deploy\"");
        assert_eq!(v["token"]["expiry"], "1970-01-01T00:00:00Z");
        assert_eq!(v["previous_token_id"], "t0");
        assert!(v.get("lead_seconds").is_none());
        let v: Value = serde_json::from_slice(&body(&row(EXPIRING), "jfac@s")).unwrap();
        assert_eq!(v["lead_seconds"], 86_400);
        assert!(v.get("previous_token_id").is_none());
    }

    #[test]
    fn user_events_have_no_token() {
        let mut r = row("user.disabled");
        r.token_id = None;
        let v: Value = serde_json::from_slice(&body(&r, "jfac@s")).unwrap();
        assert!(v.get("token").is_none());
        assert_eq!(v["user"]["username"], "alice");
    }
}
