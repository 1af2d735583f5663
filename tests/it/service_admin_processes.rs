//! Users changed through the API on one process are honoured by another at its very next
//! request (issue 17): two `tokentab serve` processes on one SQLite file, or on the PostgreSQL
//! pass two replicas on one schema. alice disabled on A → her tokens 401 on B; enabled → 200;
//! removed → her tokens revoked, each with its audit row; the last admin protected.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::service::message;
use crate::common::service::nodes::{Node, two_processes};
use crate::service_admin_util::assert_revoke_row;

const USERS: &str = "/access/api/v2/users";
const ME: &str = "/access/api/v1/tokens/me";

/// PATCHes `user`'s status on `node`.
async fn set_status(node: &Node, admin: &str, user: &str, status: &str) -> (StatusCode, Value) {
    node.call(
        Method::PATCH,
        admin,
        &format!("{USERS}/{user}"),
        Some(json!({ "status": status })),
    )
    .await
}

/// The audit rows of `action`, read on `node`.
async fn audit_on(node: &Node, admin: &str, action: &str) -> Vec<Value> {
    let (st, v) = node
        .get(admin, &format!("/tokentab/api/v1/audit?action={action}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["entries"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_disabled_enabled_or_removed_on_one_process_is_honoured_by_the_other_at_once() {
    let (_keep, [a, b], admin) = two_processes(&["--no-seed"]).await;
    let (st, v) = a
        .call(
            Method::POST,
            &admin,
            USERS,
            Some(json!({"username": "alice"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let mut tokens = Vec::new();
    for i in 0..2 {
        tokens.push(
            a.mint(
                &admin,
                json!({"username": "alice", "description": format!("alice {i}")}),
            )
            .await,
        );
    }
    let alice = tokens[0].0.clone();
    // Hot in B's cache.
    for _ in 0..3 {
        let (st, v) = b.call(Method::GET, &alice, ME, None).await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }

    let (st, v) = set_status(&a, &admin, "alice", "disabled").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    for node in [&b, &a] {
        let (st, v) = node.call(Method::GET, &alice, ME, None).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{v}");
        assert!(message(&v).contains("disabled"), "{v}");
    }
    let (st, v) = b
        .call(Method::GET, &admin, "/access/api/v1/tokens", None)
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let listed = v["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["token_id"] == tokens[0].1.as_str())
        .cloned()
        .unwrap_or_default();
    assert_eq!(listed["user_status"], "disabled", "{listed}");

    let (st, v) = set_status(&a, &admin, "alice", "enabled").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    for node in [&b, &a] {
        let (st, v) = node.call(Method::GET, &alice, ME, None).await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }

    // The last enabled admin, on either process.
    for node in [&a, &b] {
        let (st, v) = set_status(node, &admin, "admin", "disabled").await;
        assert_eq!(st, StatusCode::CONFLICT, "{v}");
        assert_eq!(
            message(&v),
            "admin is the last enabled admin: make another user admin first"
        );
        let (st, _) = node
            .call(Method::DELETE, &admin, &format!("{USERS}/admin"), None)
            .await;
        assert_eq!(st, StatusCode::CONFLICT);
    }

    let (st, v) = a
        .call(Method::DELETE, &admin, &format!("{USERS}/alice"), None)
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v, json!({"username": "alice", "tokens_revoked": 2}));
    for (secret, _) in &tokens {
        let (st, v) = b.call(Method::GET, secret, ME, None).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{v}");
    }
    let revokes = audit_on(&b, &admin, "revoke").await;
    for (_, id) in &tokens {
        assert_revoke_row(&revokes, id);
    }
    let removes = audit_on(&b, &admin, "user_remove").await;
    let removed = removes.iter().filter(|e| e["result"] == "ok").count();
    assert_eq!(removed, 1, "{removes:?}");
}
