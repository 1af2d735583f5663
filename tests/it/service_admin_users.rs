//! Users over HTTP (issue 17): add, read, change, disable, remove; every refusal's status and
//! the field it names; the audit rows; the last enabled admin protected.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::service::{TestService, harness};
use crate::service_admin_util::{
    add_user, assert_revoke_row, audited, post, refusal_recorded, refused,
};

const USERS: &str = "/access/api/v2/users";

/// The usernames of a users list, in its order.
fn usernames(list: &Value) -> Vec<&str> {
    list["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect()
}

/// PATCH disabling `path`'s user, PATCH demoting it, DELETE of it: each refused 409 saying
/// `says`.
async fn disable_demote_remove_refused(s: &TestService, path: &str, says: &str) {
    for body in [json!({"status": "disabled"}), json!({"admin": false})] {
        refused(
            s.patch(&s.admin, path, body).await,
            StatusCode::CONFLICT,
            says,
        );
    }
    refused(s.delete(&s.admin, path).await, StatusCode::CONFLICT, says);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_added_read_changed_and_removed() {
    let s = harness().start().await;
    // JFrog clients send these three: accepted, ignored.
    let (st, v) = post(
        &s,
        &s.admin,
        USERS,
        json!({"username": "alice", "email": "alice@example.com", "admin": false,
               "internal_password_disabled": true, "profile_updatable": false,
               "disable_ui_access": true}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(
        v,
        json!({"username": "alice", "email": "alice@example.com", "admin": false,
               "status": "enabled", "realm": "internal"})
    );
    assert_eq!(audited(&s, "user_add", "alice").await.len(), 1);

    let (st, got) = s.get(&s.admin, &format!("{USERS}/alice")).await;
    assert_eq!(st, StatusCode::OK, "{got}");
    assert_eq!(got, v);
    let (st, list) = s.get(&s.admin, &format!("{USERS}?status=enabled")).await;
    assert_eq!(st, StatusCode::OK, "{list}");
    assert!(usernames(&list).contains(&"alice"), "{list}");

    let (st, v) = s
        .patch(
            &s.admin,
            &format!("{USERS}/alice"),
            json!({"admin": true, "email": null}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["admin"], true);
    assert!(v.get("email").is_none(), "{v}");
    assert!(!audited(&s, "user_update", "alice").await.is_empty());

    let (st, v) = s
        .patch(
            &s.admin,
            &format!("{USERS}/alice"),
            json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "disabled");
    assert_eq!(audited(&s, "user_disable", "alice").await.len(), 1);
    let (_, list) = s.get(&s.admin, &format!("{USERS}?status=disabled")).await;
    assert_eq!(usernames(&list), ["alice"], "{list}");
    let (st, v) = s
        .patch(
            &s.admin,
            &format!("{USERS}/alice"),
            json!({"status": "enabled"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(audited(&s, "user_enable", "alice").await.len(), 1);

    let (st, v) = s.delete(&s.admin, &format!("{USERS}/alice")).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v, json!({"username": "alice", "tokens_revoked": 0}));
    assert_eq!(audited(&s, "user_remove", "alice").await.len(), 1);
    refused(
        s.get(&s.admin, &format!("{USERS}/alice")).await,
        StatusCode::NOT_FOUND,
        "alice",
    );
    refused(
        s.delete(&s.admin, &format!("{USERS}/alice")).await,
        StatusCode::NOT_FOUND,
        "alice",
    );
    refusal_recorded(&s, "user_remove", "404 NOT_FOUND").await;
    refused(
        s.patch(&s.admin, &format!("{USERS}/alice"), json!({"admin": true}))
            .await,
        StatusCode::NOT_FOUND,
        "alice",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_user_fields_are_400_naming_the_field() {
    let s = harness().start().await;
    add_user(&s, "alice", false).await;
    let long = "a".repeat(65);
    for (body, says) in [
        (
            json!({"username": "bob", "password": "x"}),
            "password: this service signs in with access tokens only; leave password out",
        ),
        (json!({"username": "bob", "groups": ["readers"]}), "groups:"),
        (
            json!({"username": "bob", "colour": "red"}),
            "colour: unknown field",
        ),
        (json!({"email": "bob@example.com"}), "username: is required"),
        (json!({"username": "Al ice"}), "username \"Al ice\""),
        (json!({"username": "Alice"}), "lowercase"),
        (json!({"username": long}), "longer than 64"),
        (json!({"username": "bob\u{202e}"}), "username \"bob"),
        (json!({"username": "bob\u{200b}"}), "username \"bob"),
        (json!({"username": "bob", "email": "no-at-sign"}), "email:"),
        (
            json!({"username": "bob", "email": "a b@example.com"}),
            "email:",
        ),
        (
            json!({"username": "bob", "email": "a@b@example.com"}),
            "email:",
        ),
        (
            json!({"username": "bob", "email": format!("{}@example.com", "e".repeat(250))}),
            "email: is longer than 254",
        ),
        (
            json!({"username": "bob", "email": "bob\u{1b}[31m@example.com"}),
            "email: contains U+001B",
        ),
        (
            json!({"username": "bob", "admin": "yes"}),
            "admin: must be true or false",
        ),
        (json!({"username": 7}), "username: must be a string"),
    ] {
        refused(
            post(&s, &s.admin, USERS, body.clone()).await,
            StatusCode::BAD_REQUEST,
            says,
        );
    }
    refused(
        post(&s, &s.admin, USERS, json!({"username": "alice"})).await,
        StatusCode::CONFLICT,
        "user \"alice\" already exists",
    );
    refusal_recorded(&s, "user_add", "409 CONFLICT").await;
    refusal_recorded(&s, "user_add", "400 BAD_REQUEST").await;
    let alice = format!("{USERS}/alice");
    for (body, says) in [
        (json!({"password": "x"}), "password: this service signs in"),
        (
            json!({"status": "asleep"}),
            "status: must be \"enabled\" or \"disabled\"",
        ),
        (json!({"username": "bob"}), "username: unknown field"),
        (json!({}), "nothing to change"),
        (json!({"email": 3}), "email: must be a string or null"),
    ] {
        refused(
            s.patch(&s.admin, &alice, body).await,
            StatusCode::BAD_REQUEST,
            says,
        );
    }
    refused(
        s.get(&s.admin, &format!("{USERS}/bob%20x")).await,
        StatusCode::BAD_REQUEST,
        "username",
    );
    // Nothing of the refusals was written.
    let (_, list) = s.get(&s.admin, USERS).await;
    assert_eq!(usernames(&list), ["admin", "alice"], "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_enabled_admin_cannot_be_disabled_demoted_or_removed() {
    let s = harness().start().await;
    let admin = format!("{USERS}/admin");
    let last = "admin is the last enabled admin: make another user admin first";
    disable_demote_remove_refused(&s, &admin, last).await;
    refusal_recorded(&s, "user_remove", "409 CONFLICT").await;
    // With a second enabled admin, the first may go, but not by its own token: that would lock
    // the token making the request out (the embedded service's admin.token, say).
    add_user(&s, "dana", true).await;
    let own = "admin is the user of the token making this request and cannot be";
    disable_demote_remove_refused(&s, &admin, own).await;
    let (dana, _) = s
        .mint(None, json!({"username": "dana", "description": "dana"}))
        .await;
    let (st, v) = s.patch(&dana, &admin, json!({"admin": false})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    // dana, now the last enabled admin, is told so first.
    refused(
        s.patch(
            &dana,
            &format!("{USERS}/dana"),
            json!({"status": "disabled"}),
        )
        .await,
        StatusCode::CONFLICT,
        "dana is the last enabled admin",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_users_tokens_are_revoked_each_with_its_audit_row() {
    let s = harness().start().await;
    add_user(&s, "alice", false).await;
    let mut ids = Vec::new();
    for i in 0..2 {
        let (secret, id) = s
            .mint(
                None,
                json!({"username": "alice", "description": format!("alice {i}")}),
            )
            .await;
        let (st, _) = s.get(&secret, "/access/api/v1/tokens/me").await;
        assert_eq!(st, StatusCode::OK);
        ids.push((secret, id));
    }
    let (st, v) = s.delete(&s.admin, &format!("{USERS}/alice")).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["tokens_revoked"], 2, "{v}");
    let revokes = crate::service_admin_util::audit(&s, "revoke").await;
    for (secret, id) in &ids {
        assert_revoke_row(&revokes, id);
        let (st, _) = s.get(secret, "/access/api/v1/tokens/me").await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
}
