//! No admin endpoint without a test: every route of `src/service/routes/mod.rs` is in one of
//! the tables below (a new route fails [`every_route_is_in_a_table`] until it is), and a
//! non-admin token — a user's own, or a custom token however broad — gets 403 on every admin
//! one, each refusal recorded in the audit trail.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::service::{harness, message};
use crate::service_admin_util::{audit, send_raw};

const ROUTES: &str = include_str!("../../src/service/routes/mod.rs");

/// Admin only: (method, path, body, audit action of the refusal).
const ADMIN: &[(&str, &str, &str, &str)] = &[
    (
        "POST",
        "/access/api/v2/users",
        r#"{"username":"zed"}"#,
        "user_add",
    ),
    ("GET", "/access/api/v2/users", "", ""),
    ("GET", "/access/api/v2/users/{name}", "", "user_read"),
    (
        "PATCH",
        "/access/api/v2/users/{name}",
        r#"{"admin":true}"#,
        "user_update",
    ),
    ("DELETE", "/access/api/v2/users/{name}", "", "user_remove"),
    ("GET", "/tokentab/api/v1/audit", "", ""),
    // Issue 20: `tokentab scan`'s lookup by hash, and the default lifetime's PUT.
    (
        "POST",
        "/tokentab/api/v1/tokens/lookup",
        r#"{"sha256":[]}"#,
        "",
    ),
    // Webhook deliveries (issue 20): who was told what, and a dead letter's retry.
    ("GET", "/tokentab/api/v1/webhooks/deliveries", "", ""),
    (
        "POST",
        "/tokentab/api/v1/webhooks/deliveries/{event_id}/retry",
        "",
        "",
    ),
    (
        "PUT",
        "/access/api/v1/config/token/default_expiry",
        r#"{"default_token_expiration":86400}"#,
        "default_expiry_set",
    ),
    (
        "POST",
        "/access/api/v1/projects",
        r#"{"project_key":"zed"}"#,
        "project_add",
    ),
    (
        "DELETE",
        "/access/api/v1/projects/{key}",
        "",
        "project_remove",
    ),
    (
        "GET",
        "/access/api/v1/projects/{key}/users",
        "",
        "member_read",
    ),
    (
        "PUT",
        "/access/api/v1/projects/{key}/users/{user}",
        "{}",
        "member_add",
    ),
    (
        "DELETE",
        "/access/api/v1/projects/{key}/users/{user}",
        "",
        "member_remove",
    ),
    (
        "POST",
        "/api/v2/{project}/fleets",
        r#"{"name":"zed"}"#,
        "fleet_add",
    ),
    (
        "DELETE",
        "/api/v2/{project}/fleets/{name}",
        "",
        "fleet_remove",
    ),
    (
        "POST",
        "/api/v2/{project}/devices",
        r#"{"device_name":"zed","fleet":"edge-eu"}"#,
        "device_add",
    ),
    (
        "POST",
        "/api/v2/{project}/devices/import",
        "device_name,fleet\nzed,edge-eu\n",
        "device_import",
    ),
];

/// Open to other tokens, within what their scope grants.
const SCOPED: &[(&str, &str)] = &[
    ("GET", "/access/api/v1/system/ping"),
    ("GET", "/access/api/v1/tokens"),
    ("POST", "/access/api/v1/tokens"),
    ("DELETE", "/access/api/v1/tokens/revoke"),
    ("GET", "/access/api/v1/tokens/{id}"),
    ("DELETE", "/access/api/v1/tokens/{id}"),
    // Bulk revoke (issue 20): the rights of revoke by id (service_bulk_revoke tests them).
    ("POST", "/tokentab/api/v1/tokens/revoke"),
    ("GET", "/access/api/v1/projects"),
    // The caller's own lifetime rules (the create form's help): any valid token.
    ("GET", "/access/api/v1/config/token/default_expiry"),
    ("GET", "/tokentab/api/v1/config/token/limits"),
    // Admins, or a token that may read in the project.
    ("GET", "/access/api/v1/projects/{key}"),
    ("GET", "/api/v2/{project}/fleets"),
    ("GET", "/api/v2/{project}/devices"),
    ("GET", "/api/v2/{project}/devices/{uuid}"),
    ("PATCH", "/api/v2/{project}/devices/{uuid}"),
    ("DELETE", "/api/v2/{project}/devices/{uuid}"),
];

/// Every `.route("PATH", …)` of the router with a literal path, and the methods it names.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut parts = ROUTES.split(".route(").skip(1);
    for part in &mut parts {
        let part = part.trim_start();
        let Some(rest) = part.strip_prefix('"') else {
            continue; // a constant path (the operator's /metrics, /readyz): not admin
        };
        let path = &rest[..rest.find('"').unwrap()];
        let end = [".route(", ".fallback(", ".layer(", ".merge(", "\n}"]
            .iter()
            .filter_map(|m| rest.find(m))
            .min()
            .unwrap_or(rest.len());
        let handlers = &rest[..end];
        for m in ["get", "post", "put", "patch", "delete"] {
            let named = handlers.match_indices(&format!("{m}(")).any(|(i, _)| {
                let before = i.checked_sub(1).map(|j| handlers.as_bytes()[j]);
                before.is_none_or(|b| !(b.is_ascii_alphanumeric() || b == b'_'))
            });
            if named {
                out.insert((m.to_ascii_uppercase(), path.to_owned()));
            }
        }
    }
    out
}

#[test]
fn every_route_is_in_a_table() {
    let found = routes_in_source();
    let tabled: BTreeSet<(String, String)> = ADMIN
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.to_string()))
        .chain(SCOPED.iter().map(|(m, p)| (m.to_string(), p.to_string())))
        .collect();
    assert!(
        found.len() >= 25,
        "the router's routes were not found: {found:?}"
    );
    let missing: Vec<_> = found.difference(&tabled).collect();
    assert!(
        missing.is_empty(),
        "routes in no table of this test (an admin one needs its 403 test): {missing:?}"
    );
    let stale: Vec<_> = tabled.difference(&found).collect();
    assert!(
        stale.is_empty(),
        "tabled routes the router no longer has: {stale:?}"
    );
}

fn concrete(path: &str) -> String {
    path.replace("{name}", "bob")
        .replace("{key}", "demo")
        .replace("{project}", "demo")
        .replace("{user}", "bob")
        .replace("{event_id}", "00000000-0000-4000-8000-000000000000")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_admin_gets_403_on_every_admin_endpoint() {
    let s = harness().seeded().start().await;
    let alice = s.user_token("alice").await;
    let broad = s
        .scoped("connect:project:demo:rwd connect:project:retail:rwd")
        .await;
    for (who, token) in [
        ("alice's user token", &alice),
        ("a broad custom token", &broad),
    ] {
        for (method, path, body, _) in ADMIN {
            let ct = match *body {
                "" => None,
                b if b.starts_with('{') => Some("application/json"),
                _ => Some("text/csv"),
            };
            let (st, v) = send_raw(
                &s,
                token,
                Method::from_bytes(method.as_bytes()).unwrap(),
                &concrete(path),
                ct,
                body.as_bytes().to_vec(),
            )
            .await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{who}: {method} {path}: {v}");
            assert!(
                message(&v).contains("admin"),
                "{who}: {method} {path}: says what was asked: {v}"
            );
        }
    }
    for (method, path, _, action) in ADMIN.iter().filter(|r| !r.3.is_empty()) {
        let rows = audit(&s, action).await;
        assert!(
            rows.iter()
                .any(|e| e["result"] == "403 FORBIDDEN" && e["actor"] == "alice"),
            "{method} {path}: no refusal row for alice's {action}: {rows:?}"
        );
    }
    // Nothing was changed.
    let (_, v) = s.get(&s.admin, "/access/api/v2/users/bob").await;
    assert_eq!(v["admin"], Value::Bool(false), "{v}");
    let (st, _) = s.get(&s.admin, "/access/api/v1/projects/demo").await;
    assert_eq!(st, StatusCode::OK);
    // A project may be read by a token that may read in it, not by one that may not.
    let (st, v) = s.get(&broad, "/access/api/v1/projects/demo").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, v) = s.get(&broad, "/access/api/v1/projects/factory").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
}
