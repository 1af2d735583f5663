//! Projects and membership over HTTP (issue 17): add, read, remove (refused while in use
//! unless forced), members put / list / remove; refusals naming the field; audit rows.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::service::harness;
use crate::service_admin_util::{
    add_user, audited, post, project_with_fleet, put, refusal_recorded, refused,
};

const PROJECTS: &str = "/access/api/v1/projects";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projects_are_added_read_and_removed() {
    let s = harness().start().await;
    let (st, v) = post(
        &s,
        &s.admin,
        PROJECTS,
        json!({"project_key": "lab", "description": "the lab",
               "admin_privileges": {"manage_members": true}, "storage_quota_bytes": -1}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(
        v,
        json!({"project_key": "lab", "display_name": "lab", "description": "the lab"})
    );
    assert_eq!(audited(&s, "project_add", "lab").await.len(), 1);
    let (st, got) = s.get(&s.admin, &format!("{PROJECTS}/lab")).await;
    assert_eq!(st, StatusCode::OK, "{got}");
    assert_eq!(got, v);
    refused(
        post(&s, &s.admin, PROJECTS, json!({"project_key": "lab"})).await,
        StatusCode::CONFLICT,
        "lab",
    );
    refusal_recorded(&s, "project_add", "409 CONFLICT").await;
    refused(
        s.get(&s.admin, &format!("{PROJECTS}/nope")).await,
        StatusCode::NOT_FOUND,
        "nope",
    );

    // In use: a device in it refuses the delete until forced.
    project_with_fleet(&s, "demo", "rpi").await;
    let (st, v) = post(
        &s,
        &s.admin,
        "/api/v2/demo/devices",
        json!({"device_name": "pi", "fleet": "rpi"}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let (_token, _) = s
        .mint(
            None,
            json!({"scope": "connect:project:demo:r", "description": "demo reader"}),
        )
        .await;
    refused(
        s.delete(&s.admin, &format!("{PROJECTS}/demo")).await,
        StatusCode::CONFLICT,
        "project \"demo\" is in use",
    );
    refusal_recorded(&s, "project_remove", "409 CONFLICT").await;
    let (st, v) = s
        .delete(&s.admin, &format!("{PROJECTS}/demo?force=true"))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["project_key"], "demo");
    assert_eq!(v["devices_deleted"], 1, "{v}");
    assert_eq!(v["fleets_deleted"], 1, "{v}");
    assert_eq!(v["tokens_revoked"], 1, "{v}");
    assert_eq!(audited(&s, "project_remove", "demo").await.len(), 1);
    let (st, v) = s.delete(&s.admin, &format!("{PROJECTS}/lab")).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    refused(
        s.delete(&s.admin, &format!("{PROJECTS}/lab")).await,
        StatusCode::NOT_FOUND,
        "lab",
    );
    let (_, list) = s.get(&s.admin, PROJECTS).await;
    assert_eq!(list, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_project_fields_are_400_naming_the_field() {
    let s = harness().start().await;
    for (body, says) in [
        (json!({}), "project_key: is required"),
        (json!({"project_key": "A"}), "project_key:"),
        (json!({"project_key": "x"}), "project_key:"),
        (json!({"project_key": "1ab"}), "project_key:"),
        (json!({"project_key": "a".repeat(33)}), "project_key:"),
        (
            json!({"project_key": "lab", "display_name": "x".repeat(129)}),
            "display_name: is longer than 128",
        ),
        (
            json!({"project_key": "lab", "display_name": "a\u{202e}b"}),
            "display_name: contains U+202E",
        ),
        (
            json!({"project_key": "lab", "description": "a\u{200b}b"}),
            "description: contains U+200B",
        ),
        (
            json!({"project_key": "lab", "description": "d".repeat(1025)}),
            "description: is longer than 1024",
        ),
        (
            json!({"project_key": "lab", "owner": "me"}),
            "owner: unknown field",
        ),
        (json!({"project_key": "lab", "password": "x"}), "password:"),
    ] {
        refused(
            post(&s, &s.admin, PROJECTS, body).await,
            StatusCode::BAD_REQUEST,
            says,
        );
    }
    let (_, list) = s.get(&s.admin, PROJECTS).await;
    assert_eq!(list, json!([]), "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_are_put_listed_and_removed() {
    let s = harness().start().await;
    project_with_fleet(&s, "lab", "rpi").await;
    add_user(&s, "alice", false).await;
    let alice = format!("{PROJECTS}/lab/users/alice");
    // The body is optional.
    let (st, v) = crate::service_admin_util::send_raw(
        &s,
        &s.admin,
        reqwest::Method::PUT,
        &alice,
        None,
        Vec::new(),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v, json!({"name": "alice", "roles": []}));
    assert_eq!(audited(&s, "member_add", "alice").await.len(), 1);
    let (st, v) = put(
        &s,
        &s.admin,
        &alice,
        json!({"name": "alice", "roles": ["Developer"]}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v, json!({"name": "alice", "roles": ["Developer"]}));
    assert_eq!(audited(&s, "member_update", "alice").await.len(), 1);
    let (st, v) = s.get(&s.admin, &format!("{PROJECTS}/lab/users")).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        v,
        json!({"members": [{"name": "alice", "roles": ["Developer"]}]})
    );

    let too_many: Vec<String> = (0..17).map(|i| format!("r{i}")).collect();
    for (body, says) in [
        (
            json!({"name": "bob"}),
            "name: \"bob\" is not the user in the path",
        ),
        (json!({"roles": too_many}), "roles: 17 roles; at most 16"),
        (json!({"roles": ["a b"]}), "roles:"),
        (json!({"roles": ["r".repeat(65)]}), "roles:"),
        (
            json!({"roles": "admin"}),
            "roles: must be an array of strings",
        ),
        (json!({"permissions": []}), "permissions: unknown field"),
    ] {
        refused(
            put(&s, &s.admin, &alice, body).await,
            StatusCode::BAD_REQUEST,
            says,
        );
    }
    for path in [
        format!("{PROJECTS}/nope/users/alice"),
        format!("{PROJECTS}/lab/users/nobody"),
    ] {
        refused(
            put(&s, &s.admin, &path, json!({})).await,
            StatusCode::NOT_FOUND,
            "",
        );
    }
    refusal_recorded(&s, "member_add", "404 NOT_FOUND").await;
    refused(
        s.get(&s.admin, &format!("{PROJECTS}/nope/users")).await,
        StatusCode::NOT_FOUND,
        "nope",
    );

    let (st, v) = s.delete(&s.admin, &alice).await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{v}");
    assert_eq!(audited(&s, "member_remove", "alice").await.len(), 1);
    refused(
        s.delete(&s.admin, &alice).await,
        StatusCode::NOT_FOUND,
        "alice is not a member of project lab",
    );
    let (_, v) = s.get(&s.admin, &format!("{PROJECTS}/lab/users")).await;
    assert_eq!(v, json!({"members": []}));
}
