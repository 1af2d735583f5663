//! Helpers of the `service_admin_*` tests (issue 17's admin endpoints): requests the common
//! harness has no shortcut for, the audit rows of an action, a project with a fleet.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::service::{TestService, message};

pub async fn post(s: &TestService, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    s.call(Method::POST, Some(token), path, Some(body)).await
}

pub async fn put(s: &TestService, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    s.call(Method::PUT, Some(token), path, Some(body)).await
}

/// Asserts `status`, and that the error message contains `says`.
pub fn refused(got: (StatusCode, Value), status: StatusCode, says: &str) -> Value {
    assert_eq!(got.0, status, "{}", got.1);
    assert!(message(&got.1).contains(says), "wanted {says:?}: {}", got.1);
    got.1
}

/// A raw body with a content type (the import's CSV / JSON Lines); status and JSON answer.
pub async fn send_raw(
    s: &TestService,
    token: &str,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut req = s
        .http
        .request(method, s.url(path))
        .bearer_auth(token)
        .body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub async fn import(
    s: &TestService,
    project: &str,
    query: &str,
    content_type: &str,
    body: impl Into<Vec<u8>>,
) -> (StatusCode, Value) {
    send_raw(
        s,
        &s.admin,
        Method::POST,
        &format!("/api/v2/{project}/devices/import{query}"),
        Some(content_type),
        body.into(),
    )
    .await
}

/// The audit rows of `action`, newest first.
pub async fn audit(s: &TestService, action: &str) -> Vec<Value> {
    let (st, v) = s
        .get(
            &s.admin,
            &format!("/tokentab/api/v1/audit?action={action}&limit=1000"),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["entries"].as_array().unwrap().clone()
}

/// Among the `revoke` audit rows, one that succeeded for token `id`.
pub fn assert_revoke_row(revokes: &[Value], id: &str) {
    assert!(
        revokes
            .iter()
            .any(|e| e["token_id"] == id && e["result"] == "ok"),
        "no revoke row for {id}: {revokes:?}"
    );
}

/// The rows of `action` that succeeded and whose description contains `says`.
pub async fn audited(s: &TestService, action: &str, says: &str) -> Vec<Value> {
    audit(s, action)
        .await
        .into_iter()
        .filter(|e| e["result"] == "ok")
        .filter(|e| e["description"].as_str().unwrap_or("").contains(says))
        .collect()
}

/// Asserts one refusal row of `action` with `result` (e.g. `403 FORBIDDEN`).
pub async fn refusal_recorded(s: &TestService, action: &str, result: &str) {
    let rows = audit(s, action).await;
    assert!(
        rows.iter().any(|e| e["result"] == result),
        "no {result} row for {action}: {rows:?}"
    );
}

pub async fn add_user(s: &TestService, name: &str, admin: bool) -> Value {
    let (st, v) = post(
        s,
        &s.admin,
        "/access/api/v2/users",
        json!({"username": name, "email": format!("{name}@example.com"), "admin": admin}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    v
}

/// Project `project` with fleet `fleet`, made through the API.
pub async fn project_with_fleet(s: &TestService, project: &str, fleet: &str) {
    let (st, v) = post(
        s,
        &s.admin,
        "/access/api/v1/projects",
        json!({"project_key": project}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let (st, v) = post(
        s,
        &s.admin,
        &format!("/api/v2/{project}/fleets"),
        json!({"name": fleet}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
}
