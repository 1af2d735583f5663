//! Device PATCH: the device in the answer only for a token that may read it, JSON only, unknown
//! fields refused by name, and nothing-to-change refused and not recorded as a change.

use crate::common::service::harness;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::service::{TestService, code, message};

/// A PATCH with a raw body and content type: the status and the body text.
async fn raw_patch(
    s: &TestService,
    token: &str,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> (StatusCode, String) {
    let mut req = s
        .http
        .request(Method::PATCH, s.url(path))
        .bearer_auth(token)
        .body(body.to_owned());
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let resp = req.send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

/// The `device_update` rows of `device` in the audit trail: (result, actor token id).
async fn update_rows(s: &TestService, device: &str) -> Vec<(String, String)> {
    let (st, v) = s
        .get(
            &s.admin,
            "/tokentab/api/v1/audit?action=device_update&limit=1000",
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["device"] == format!("demo/{device}"))
        .map(|e| {
            (
                e["result"].as_str().unwrap().to_owned(),
                e["actor_token_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn patch_shows_the_device_only_to_readers_and_refuses_what_changes_nothing() {
    let s = harness().seeded().start().await;
    let eu = s.devices("demo", "edge-eu").await;
    let dev = &eu[0];
    let path = format!("/api/v2/demo/devices/{dev}");
    let (writer, writer_id) = s
        .mint(
            None,
            json!({"scope": "connect:fleet:demo/edge-eu:w", "description": "w only"}),
        )
        .await;
    let (reader_writer, rw_id) = s
        .mint(
            None,
            json!({"scope": "connect:fleet:demo/edge-eu:rw", "description": "rw"}),
        )
        .await;
    let (_, before) = s.get(&s.admin, &path).await;
    let name = before["device_name"].as_str().unwrap().to_owned();

    // Write-only: the change is made, the answer holds nothing of the device; GET stays 403.
    let (st, body) = raw_patch(
        &s,
        &writer,
        &path,
        Some("application/json"),
        r#"{"description":"written blind"}"#,
    )
    .await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        body, "",
        "a write-only grant is told nothing about the device"
    );
    let (st, v) = s.get(&writer, &path).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    let (_, now) = s.get(&s.admin, &path).await;
    assert_eq!(now["description"], "written blind");
    // Read and write: the record, as before.
    let (st, v) = s
        .patch(&reader_writer, &path, json!({"tags": ["edge", "seen"]}))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["device_name"], name.as_str());
    assert_eq!(v["tags"], json!(["edge", "seen"]));

    // Refused: nothing to change (empty object, empty body, same values), not JSON, unknown
    // field named.
    let refusals: [(&str, Option<&str>, &str, StatusCode, &str); 9] = [
        (
            &writer,
            Some("application/json"),
            "{}",
            StatusCode::BAD_REQUEST,
            "nothing to change",
        ),
        (
            &writer,
            Some("application/json"),
            "",
            StatusCode::BAD_REQUEST,
            "nothing to change",
        ),
        (
            &writer,
            Some("application/json"),
            r#"{"description":null}"#,
            StatusCode::BAD_REQUEST,
            "nothing to change",
        ),
        (
            &writer,
            Some("application/json"),
            r#"{"description":"written blind"}"#,
            StatusCode::BAD_REQUEST,
            "nothing to change",
        ),
        (
            &reader_writer,
            Some("application/json"),
            r#"{"description":"written blind","tags":["edge","seen"]}"#,
            StatusCode::BAD_REQUEST,
            "nothing to change",
        ),
        (
            &writer,
            Some("text/plain"),
            r#"{"description":"as text"}"#,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "text/plain",
        ),
        (
            &writer,
            None,
            r#"{"description":"untyped"}"#,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/json",
        ),
        (
            &writer,
            Some("application/x-www-form-urlencoded"),
            "description=form",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/json",
        ),
        (
            &writer,
            Some("application/json"),
            // A device changes fleet only by an admin's import: `fleet` is not a PATCH field.
            r#"{"description":"x","fleet":"evil"}"#,
            StatusCode::BAD_REQUEST,
            "fleet",
        ),
    ];
    for (token, ct, body, want, says) in refusals {
        let (st, text) = raw_patch(&s, token, &path, ct, body).await;
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(st, want, "{ct:?} {body}: {text}");
        let code_want = if want == StatusCode::BAD_REQUEST {
            "BAD_REQUEST"
        } else {
            "UNSUPPORTED_MEDIA_TYPE"
        };
        assert_eq!(code(&v), code_want, "JFrog's error array: {text}");
        assert!(message(&v).contains(says), "{body}: {text}");
    }
    let (_, after) = s.get(&s.admin, &path).await;
    assert_eq!(
        after["description"], "written blind",
        "nothing refused was written"
    );
    assert_eq!(after["tags"], json!(["edge", "seen"]));
    assert_eq!(after["device_name"], name.as_str());

    // A token with no right on the device cannot use "nothing to change" as a probe: 404 first.
    let outsider = s.scoped("connect:project:retail:rw").await;
    let (st, v) = s
        .patch(&outsider, &path, json!({"description": "written blind"}))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");

    // The trail: exactly the two changes as changes; the refused ones are not.
    let rows = update_rows(&s, dev).await;
    let changes: Vec<&str> = rows
        .iter()
        .filter(|(result, _)| result == "ok")
        .map(|(_, actor)| actor.as_str())
        .collect();
    assert_eq!(
        changes,
        [rw_id.as_str(), writer_id.as_str()],
        "newest first: {rows:?}"
    );
    assert!(
        rows.iter().all(|(result, _)| result == "ok"
            || result.starts_with("400")
            || result.starts_with("404")),
        "{rows:?}"
    );
    s.handle.shutdown().await;
}
