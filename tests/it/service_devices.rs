//! Connect v2 endpoints, projects and users over real HTTP, and the authorization matrix.

mod patch;
use crate::common::service as svc;
use crate::common::service::harness;

use reqwest::StatusCode;
use serde_json::{Value, json};
use svc::{TestService, code, message};

fn ids(v: &Value) -> Vec<String> {
    v["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["device_uuid"].as_str().unwrap().to_owned())
        .collect()
}

/// GET, PATCH, DELETE on one device; the statuses.
async fn verbs(s: &TestService, token: &str, project: &str, dev: &str) -> [StatusCode; 3] {
    let path = format!("/api/v2/{project}/devices/{dev}");
    let (get, _) = s.get(token, &path).await;
    let (patch, _) = s
        .patch(token, &path, json!({"description": "touched"}))
        .await;
    let (delete, _) = s.delete(token, &path).await;
    [get, patch, delete]
}

#[tokio::test]
async fn authorization_matrix_kind_by_action_by_verb() {
    let s = harness().seeded().start().await;
    let eu = s.devices("demo", "edge-eu").await;
    let us = s.devices("demo", "edge-us").await;
    let retail = s.devices("retail", "signage").await;
    assert!(eu.len() >= 20 && us.len() >= 20 && !retail.is_empty());
    let ok = StatusCode::OK;
    // Some right on the device but not this one: 403. No right on it at all: 404, the same
    // answer as a device that does not exist.
    let no = StatusCode::FORBIDDEN;
    let hidden = StatusCode::NOT_FOUND;
    // A PATCH answers with the device only to a token that may read it.
    let written = StatusCode::NO_CONTENT;
    let mut case = 0;
    for kind in ["project", "fleet", "device"] {
        for (action, expect) in [
            ("r", [ok, no, no]),
            ("w", [no, written, no]),
            ("d", [no, no, ok]),
        ] {
            // Fresh devices per case: a granted DELETE removes them.
            let (dev, sibling, other) = (&eu[case], &eu[case + 1], &us[case]);
            case += 2;
            let target = match kind {
                "project" => "demo".to_owned(),
                "fleet" => "demo/edge-eu".to_owned(),
                _ => format!("demo/{dev}"),
            };
            let token = s.scoped(&format!("connect:{kind}:{target}:{action}")).await;
            // Elsewhere first (the DELETE below removes `dev`).
            let other_project = verbs(&s, &token, "retail", &retail[0]).await;
            assert_eq!(
                other_project,
                [hidden, hidden, hidden],
                "{kind}:{action} must not reach retail"
            );
            let other_fleet = verbs(&s, &token, "demo", other).await;
            let sibling_got = verbs(&s, &token, "demo", sibling).await;
            if kind == "project" {
                assert_eq!(other_fleet[..2], expect[..2], "project covers every fleet");
                assert_eq!(sibling_got[..2], expect[..2]);
            } else if kind == "fleet" {
                assert_eq!(
                    other_fleet,
                    [hidden, hidden, hidden],
                    "fleet covers its own devices only"
                );
                assert_eq!(sibling_got[..2], expect[..2]);
            } else {
                assert_eq!(other_fleet, [hidden, hidden, hidden]);
                assert_eq!(
                    sibling_got,
                    [hidden, hidden, hidden],
                    "device covers only itself"
                );
            }
            let got = verbs(&s, &token, "demo", dev).await;
            assert_eq!(got, expect, "connect:{kind}:{target}:{action}");
        }
    }
    // Combined actions: rwd on a device does all three.
    let dev = &eu[case];
    let token = s.scoped(&format!("connect:device:demo/{dev}:rwd")).await;
    assert_eq!(verbs(&s, &token, "demo", dev).await, [ok, ok, ok]);
    s.handle.shutdown().await;
}

#[tokio::test]
async fn user_scoped_tokens_act_with_the_users_rights() {
    let s = harness().seeded().start().await;
    let demo = s.devices("demo", "lab").await;
    let factory = s.devices("factory", "vision").await;
    // alice is a member of demo and retail: read there, nothing else.
    let alice = s.user_token("alice").await;
    let (st, _) = s
        .get(&alice, &format!("/api/v2/demo/devices/{}", demo[0]))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s
        .patch(
            &alice,
            &format!("/api/v2/demo/devices/{}", demo[0]),
            json!({"tags": ["x"]}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Outside her projects a device is as good as absent.
    let (st, v) = s
        .get(&alice, &format!("/api/v2/factory/devices/{}", factory[0]))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
    let (st, v) = s.get(&alice, "/access/api/v1/projects").await;
    assert_eq!(st, StatusCode::OK);
    let keys: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["project_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["demo", "retail"]);
    // dana is an admin user: everything through her identity token.
    let dana = s.user_token("dana").await;
    let (st, v) = s
        .patch(
            &dana,
            &format!("/api/v2/factory/devices/{}", factory[0]),
            json!({"tags": ["checked"]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["tags"], json!(["checked"]));
    // grace belongs to no project.
    let grace = s.user_token("grace").await;
    let (st, v) = s.get(&grace, "/access/api/v1/projects").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v, json!([]));
    let (st, v) = s.get(&grace, "/api/v2/demo/devices").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(code(&v), "FORBIDDEN");
    s.handle.shutdown().await;
}

#[tokio::test]
async fn device_list_filters_paging_and_coverage() {
    let s = harness().seeded().start().await;
    // Paging over all demo devices, 37 at a time.
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/api/v2/demo/devices?limit=37&after={a}"),
            None => "/api/v2/demo/devices?limit=37".to_owned(),
        };
        let (st, v) = s.get(&s.admin, &path).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let page = ids(&v);
        assert!(page.len() <= 37);
        all.extend(page);
        match v["after"].as_str() {
            Some(a) => after = Some(a.to_owned()),
            None => break,
        }
    }
    let (_, fleets) = s.get(&s.admin, "/api/v2/demo/fleets").await;
    let total: u64 = fleets["fleets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["device_count"].as_u64().unwrap())
        .sum();
    assert_eq!(all.len() as u64, total);
    let mut sorted = all.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, all, "ordered by id, no repeats");
    assert!(all.iter().all(|d| {
        let b = d.as_bytes();
        d.len() == 11 && d.starts_with("d-") && b[6] == b'-'
    }));

    // Default page size 100; group_name; tags (any of); search (id or name, any case).
    let (_, v) = s.get(&s.admin, "/api/v2/demo/devices").await;
    assert_eq!(ids(&v).len(), 100);
    let (_, v) = s
        .get(&s.admin, "/api/v2/demo/devices?group_name=lab&limit=1000")
        .await;
    let lab = v["devices"].as_array().unwrap();
    assert_eq!(lab.len(), 20);
    assert!(
        lab.iter()
            .all(|d| d["group"] == "lab" && d["project"] == "demo")
    );
    let (_, v) = s
        .get(
            &s.admin,
            "/api/v2/demo/devices?tags=canary&tags=raspberry-pi&limit=1000",
        )
        .await;
    let tagged = v["devices"].as_array().unwrap();
    assert!(tagged.iter().all(|d| {
        let t = d["tags"].as_array().unwrap();
        t.contains(&json!("canary")) || t.contains(&json!("raspberry-pi"))
    }));
    assert!(tagged.len() > 20, "lab devices plus canaries elsewhere");
    let (_, v) = s
        .get(
            &s.admin,
            "/api/v2/demo/devices?search=LAB-RPI-01&limit=1000",
        )
        .await;
    let names: Vec<&str> = v["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["device_name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 10, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("lab-rpi-01")));
    let probe = &all[7];
    let (_, v) = s
        .get(
            &s.admin,
            &format!(
                "/api/v2/demo/devices?search={}",
                &probe[2..8].to_uppercase()
            ),
        )
        .await;
    assert!(ids(&v).contains(probe));

    // Coverage: a fleet + device token sees exactly those.
    let us = s.devices("demo", "edge-us").await;
    let token = s
        .scoped(&format!(
            "connect:fleet:demo/lab:r connect:device:demo/{}:r connect:device:demo/{}:w",
            us[0], us[1]
        ))
        .await;
    let (st, v) = s.get(&token, "/api/v2/demo/devices?limit=1000").await;
    assert_eq!(st, StatusCode::OK);
    let seen = ids(&v);
    assert_eq!(seen.len(), 21, "20 lab devices + 1 readable device");
    assert!(seen.contains(&us[0]) && !seen.contains(&us[1]));
    let (st, _) = s.get(&token, "/api/v2/retail/devices").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = s.get(&token, "/api/v2/demo/fleets").await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "listing fleets needs read on the project"
    );
    let (st, v) = s.get(&token, "/access/api/v1/projects").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["project_key"], "demo");

    for bad in ["limit=0", "limit=1001", "limit=ten"] {
        let (st, v) = s
            .get(&s.admin, &format!("/api/v2/demo/devices?{bad}"))
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(code(&v), "BAD_REQUEST");
    }
    let (st, v) = s.get(&s.admin, "/api/v2/nosuch/devices").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(code(&v), "NOT_FOUND");
    let (st, _) = s.get(&s.admin, "/api/v2/Bad_Key/devices").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    s.handle.shutdown().await;
}

#[tokio::test]
async fn device_get_patch_delete_and_errors() {
    let s = harness().seeded().start().await;
    let lab = s.devices("demo", "lab").await;
    let path = format!("/api/v2/demo/devices/{}", lab[3]);
    let (st, v) = s.get(&s.admin, &path).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["device_uuid"], lab[3].as_str());
    assert_eq!(v["group"], "lab");
    let (st, v) = s
        .patch(
            &s.admin,
            &path,
            json!({"description": "moved to shelf 2", "tags": ["lab", "shelf-2"]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (_, v) = s.get(&s.admin, &path).await;
    assert_eq!(v["description"], "moved to shelf 2");
    assert_eq!(v["tags"], json!(["lab", "shelf-2"]));
    for bad in [
        json!({"description": "x".repeat(1025)}),
        json!({"description": "esc\u{1b}[2J"}),
        json!({"tags": [""]}),
        json!({"tags": "not-a-list"}),
    ] {
        let (st, v) = s.patch(&s.admin, &path, bad.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert_eq!(code(&v), "BAD_REQUEST");
    }
    let (st, v) = s.delete(&s.admin, &path).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    for (st, v) in [
        s.get(&s.admin, &path).await,
        s.patch(&s.admin, &path, json!({"description": "gone"}))
            .await,
        s.delete(&s.admin, &path).await,
    ] {
        assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
        assert_eq!(code(&v), "NOT_FOUND");
    }
    let (st, _) = s.get(&s.admin, "/api/v2/demo/devices/bad:id").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // In a project the token cannot reach, an unknown device and an existing one get the same
    // 404 (no existence probe).
    let retail_reader = s.scoped("connect:project:retail:r").await;
    let (st, v) = s
        .get(&retail_reader, "/api/v2/demo/devices/d-0000-0000")
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(message(&v), "unknown device \"demo/d-0000-0000\"");
    let (st, v) = s
        .get(&retail_reader, &format!("/api/v2/demo/devices/{}", lab[4]))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(message(&v), format!("unknown device \"demo/{}\"", lab[4]));
    let (st, _) = s
        .get(&retail_reader, "/api/v2/retail/devices/d-0000-0000")
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // A deleted device can no longer be named in a new token.
    let (st, v) = s
        .post_token(
            &s.admin,
            json!({"scope": format!("connect:device:demo/{}:r", lab[3])}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    s.handle.shutdown().await;
}

#[tokio::test]
async fn fleets_projects_users_and_unknown_routes() {
    let s = harness().seeded().start().await;
    let (st, v) = s.get(&s.admin, "/api/v2/retail/fleets").await;
    assert_eq!(st, StatusCode::OK);
    let names: Vec<&str> = v["fleets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["kiosks-north", "kiosks-south", "signage"]);
    assert!(
        v["fleets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["project_key"] == "retail")
    );
    let (st, _) = s.get(&s.admin, "/api/v2/nosuch/fleets").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let project_reader = s.scoped("connect:project:factory:r").await;
    let (st, _) = s.get(&project_reader, "/api/v2/factory/fleets").await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s.get(&project_reader, "/api/v2/retail/fleets").await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    let (st, v) = s.get(&s.admin, "/access/api/v1/projects").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v.as_array().unwrap().len(), 3, "a bare array: {v}");

    // Users: paging with cursor, contains filter, limit errors.
    let (st, v) = s.get(&s.admin, "/access/api/v2/users").await;
    assert_eq!(st, StatusCode::OK);
    let everyone: Vec<String> = v["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect();
    assert!(everyone.len() >= 8);
    assert!(v.get("cursor").is_none());
    let admins: Vec<&Value> = v["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["admin"] == true)
        .collect();
    assert!(admins.len() >= 2);
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/access/api/v2/users?limit=3&cursor={c}"),
            None => "/access/api/v2/users?limit=3".to_owned(),
        };
        let (_, v) = s.get(&s.admin, &path).await;
        for u in v["users"].as_array().unwrap() {
            paged.push(u["username"].as_str().unwrap().to_owned());
        }
        match v["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, everyone);
    let (_, v) = s.get(&s.admin, "/access/api/v2/users?username=an").await;
    let got: Vec<&str> = v["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(got, ["dana", "frank"]);
    let (st, v) = s.get(&s.admin, "/access/api/v2/users?limit=0").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(code(&v), "BAD_REQUEST");
    let (st, _) = s.get(&project_reader, "/access/api/v2/users").await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // Unknown routes and methods still answer in the JFrog error form.
    let (st, v) = s.get(&s.admin, "/access/api/v1/nothing").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(code(&v), "NOT_FOUND");
    let (st, v) = s
        .call(
            reqwest::Method::PUT,
            Some(&s.admin),
            "/access/api/v1/tokens",
            None,
        )
        .await;
    assert_eq!(st, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(code(&v), "METHOD_NOT_ALLOWED");
    let huge = json!({"description": "x".repeat(100_000)});
    let (st, v) = s.post_token(&s.admin, huge).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code(&v), "PAYLOAD_TOO_LARGE");
    s.handle.shutdown().await;
}
