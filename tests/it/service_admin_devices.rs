//! Fleets and single devices over HTTP (issue 17): add and remove fleets, register devices
//! (ids generated when absent), deletes that say how many live tokens named what went;
//! hostile and bad fields refused naming the field; audit rows.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::service::harness;
use crate::service_admin_util::{
    audit, audited, post, project_with_fleet, refusal_recorded, refused,
};

fn is_generated_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 11
        && id.starts_with("d-")
        && b[6] == b'-'
        && id[2..6]
            .chars()
            .chain(id[7..].chars())
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleets_are_added_and_removed_saying_what_named_them() {
    let s = harness().start().await;
    project_with_fleet(&s, "lab", "rpi").await;
    assert_eq!(audited(&s, "fleet_add", "rpi").await.len(), 1);
    let (_, v) = s.get(&s.admin, "/api/v2/lab/fleets").await;
    assert_eq!(v["fleets"][0]["name"], "rpi", "{v}");
    refused(
        post(&s, &s.admin, "/api/v2/lab/fleets", json!({"name": "rpi"})).await,
        StatusCode::CONFLICT,
        "rpi",
    );
    refusal_recorded(&s, "fleet_add", "409 CONFLICT").await;
    refused(
        post(&s, &s.admin, "/api/v2/nope/fleets", json!({"name": "rpi"})).await,
        StatusCode::NOT_FOUND,
        "nope",
    );
    for (body, says) in [
        (json!({}), "name: is required"),
        (json!({"name": "a b"}), "name:"),
        (json!({"name": "f".repeat(65)}), "name:"),
        (json!({"name": "x\u{202e}"}), "name:"),
        (json!({"name": "x", "color": "red"}), "color: unknown field"),
    ] {
        refused(
            post(&s, &s.admin, "/api/v2/lab/fleets", body).await,
            StatusCode::BAD_REQUEST,
            says,
        );
    }

    let (st, dev) = post(
        &s,
        &s.admin,
        "/api/v2/lab/devices",
        json!({"device_uuid": "d-0000-0001", "device_name": "pi", "fleet": "rpi"}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{dev}");
    s.mint(
        None,
        json!({"scope": "connect:fleet:lab/rpi:r", "description": "rpi reader"}),
    )
    .await;
    refused(
        s.delete(&s.admin, "/api/v2/lab/fleets/rpi").await,
        StatusCode::CONFLICT,
        "",
    );
    refusal_recorded(&s, "fleet_remove", "409 CONFLICT").await;
    let (st, v) = s
        .delete(&s.admin, "/api/v2/lab/fleets/rpi?force=true")
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        v,
        json!({"project_key": "lab", "name": "rpi", "devices_deleted": 1, "live_tokens_naming": 1})
    );
    assert_eq!(audited(&s, "fleet_remove", "rpi").await.len(), 1);
    refused(
        s.delete(&s.admin, "/api/v2/lab/fleets/rpi").await,
        StatusCode::NOT_FOUND,
        "rpi",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_are_registered_and_deleted_saying_what_named_them() {
    let s = harness().start().await;
    project_with_fleet(&s, "lab", "rpi").await;
    let (st, v) = post(
        &s,
        &s.admin,
        "/api/v2/lab/devices",
        json!({"device_name": "Pi in the hall", "fleet": "rpi", "tags": ["arm64", "hall"],
               "description": "by the door"}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let id = v["device_uuid"].as_str().unwrap().to_owned();
    assert!(is_generated_id(&id), "{id}");
    assert_eq!(v["device_name"], "Pi in the hall");
    assert_eq!(v["group"], "rpi");
    assert_eq!(v["project"], "lab");
    assert_eq!(v["tags"], json!(["arm64", "hall"]));
    let rows = audit(&s, "device_add").await;
    assert!(rows.iter().any(|e| e["result"] == "ok"), "{rows:?}");
    let (st, got) = s.get(&s.admin, &format!("/api/v2/lab/devices/{id}")).await;
    assert_eq!(st, StatusCode::OK, "{got}");
    assert_eq!(got["device_name"], "Pi in the hall");

    let explicit = json!({"device_uuid": "pi-7", "device_name": "seven", "fleet": "rpi"});
    let (st, v) = post(&s, &s.admin, "/api/v2/lab/devices", explicit.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(v["device_uuid"], "pi-7");
    refused(
        post(&s, &s.admin, "/api/v2/lab/devices", explicit).await,
        StatusCode::CONFLICT,
        "pi-7",
    );
    refused(
        post(
            &s,
            &s.admin,
            "/api/v2/lab/devices",
            json!({"device_name": "x", "fleet": "nope"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "fleet: unknown fleet \"nope\" in project \"lab\"",
    );
    refusal_recorded(&s, "device_add", "400 BAD_REQUEST").await;
    refused(
        post(
            &s,
            &s.admin,
            "/api/v2/gone/devices",
            json!({"device_name": "x", "fleet": "rpi"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "gone",
    );

    s.mint(
        None,
        json!({"scope": "connect:device:lab/pi-7:r", "description": "pi-7 reader"}),
    )
    .await;
    let (st, v) = s.delete(&s.admin, "/api/v2/lab/devices/pi-7").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v, json!({"message": "Success", "live_tokens_naming": 1}));
    let (st, v) = s
        .delete(&s.admin, &format!("/api/v2/lab/devices/{id}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["live_tokens_naming"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_and_bad_device_fields_are_400_naming_the_field() {
    let s = harness().start().await;
    project_with_fleet(&s, "lab", "rpi").await;
    let many: Vec<String> = (0..101).map(|i| format!("t{i}")).collect();
    let base = |extra: Value| {
        let mut b = json!({"device_name": "pi", "fleet": "rpi"});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    for (body, says) in [
        (
            base(json!({"device_name": "a\u{202e}b"})),
            "device_name: contains U+202E",
        ),
        (
            base(json!({"device_name": "a\u{200b}b"})),
            "device_name: contains U+200B",
        ),
        (
            base(json!({"device_name": "a\u{7}b"})),
            "device_name: contains U+0007",
        ),
        (
            base(json!({"device_name": "n".repeat(129)})),
            "device_name: is longer than 128",
        ),
        (base(json!({"device_name": "  "})), "device_name: is empty"),
        (
            base(json!({"description": "d".repeat(1025)})),
            "description: is longer than 1024",
        ),
        (
            base(json!({"description": "\u{2066}x"})),
            "description: contains U+2066",
        ),
        (base(json!({"tags": many})), "tags: 101 tags; at most 100"),
        (
            base(json!({"tags": ["t".repeat(65)]})),
            "tags: is longer than 64",
        ),
        (base(json!({"tags": ["a b"]})), "tags: \"a b\" is not valid"),
        (
            base(json!({"tags": ["x\u{feff}"]})),
            "tags: contains U+FEFF",
        ),
        (
            base(json!({"tags": "a;b"})),
            "tags: must be an array of strings",
        ),
        (base(json!({"device_uuid": "d/1"})), "device_uuid:"),
        (base(json!({"device_uuid": "x".repeat(65)})), "device_uuid:"),
        (base(json!({"fleet": "r p i"})), "fleet:"),
        (base(json!({"ip": "1.2.3.4"})), "ip: unknown field"),
        (json!({"fleet": "rpi"}), "device_name: is required"),
    ] {
        refused(
            post(&s, &s.admin, "/api/v2/lab/devices", body.clone()).await,
            StatusCode::BAD_REQUEST,
            says,
        );
    }
    let (_, v) = s.get(&s.admin, "/api/v2/lab/devices").await;
    assert_eq!(v["devices"], json!([]), "nothing was written");
}

#[tokio::test]
async fn a_device_is_renamed_with_patch_and_a_bad_name_is_refused_naming_the_field() {
    let s = harness().start().await;
    project_with_fleet(&s, "lab", "rpi").await;
    let (st, v) = post(
        &s,
        &s.admin,
        "/api/v2/lab/devices",
        json!({"device_uuid": "d-0000-0009", "device_name": "pi", "fleet": "rpi"}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let path = "/api/v2/lab/devices/d-0000-0009";
    let patch = |body: Value| s.call(reqwest::Method::PATCH, Some(&s.admin), path, Some(body));
    let (st, v) = patch(json!({"device_name": "pi bench 9"})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["device_name"], "pi bench 9");
    let (_, v) = s.get(&s.admin, path).await;
    assert_eq!(v["device_name"], "pi bench 9", "stored: {v}");
    for (body, says) in [
        (json!({"device_name": "  "}), "device_name"),
        (json!({"device_name": "pi\u{1b}[2J"}), "device_name"),
        (json!({"device_name": "x".repeat(129)}), "device_name"),
        (json!({"device_name": "pi bench 9"}), "nothing to change"),
    ] {
        refused(patch(body).await, StatusCode::BAD_REQUEST, says);
    }
    let rows = audit(&s, "device_update").await;
    assert_eq!(
        rows.iter().filter(|e| e["result"] == "ok").count(),
        1,
        "one rename recorded: {rows:?}"
    );
    s.handle.shutdown().await;
}
