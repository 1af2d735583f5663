//! Bulk revoke (issue 20, item 3) over HTTP, on SQLite and on the PostgreSQL pass:
//! `POST /tokentab/api/v1/tokens/revoke` by scope target, user, filter or ids.
//!
//! The property: on the demo database with random tokens added, the tokens a scope target
//! picks are exactly those a plain scan of the live tokens' scope strings finds (written out
//! here without the model's parser), admin-scoped ones kept and listed; a revoke takes exactly
//! the dry run's set. And a revoke acknowledged by one `serve` process is 401 at the next
//! request on another.

use std::collections::BTreeSet;

use proptest::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::service::nodes::{Node, two_processes};
use crate::common::service::{TestService, harness, message};

const BULK: &str = "/tokentab/api/v1/tokens/revoke";
const TOKENS: &str = "/access/api/v1/tokens";

async fn bulk(svc: &TestService, token: &str, body: Value) -> (StatusCode, Value) {
    svc.call(Method::POST, Some(token), BULK, Some(body)).await
}

fn ids(v: &Value, key: &str) -> BTreeSet<String> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} in {v}"))
        .iter()
        .map(|t| t["token_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every live (listed, not expired) token as (id, scope).
async fn live(svc: &TestService) -> Vec<(String, String)> {
    let (st, v) = svc.get(&svc.admin, &format!("{TOKENS}?limit=10000")).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let now = chrono::Utc::now().timestamp();
    v["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["expiry"].as_i64().is_none_or(|e| e > now))
        .map(|t| {
            (
                t["token_id"].as_str().unwrap().to_owned(),
                t["scope"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// A target as the test knows it: kind, project, name, and the fleet's devices or the
/// device's fleet.
#[derive(Debug, Clone)]
struct Target {
    kind: &'static str,
    project: String,
    name: String,
    /// A fleet's devices.
    devices: Vec<String>,
    /// A device's fleet.
    fleet: String,
}

impl Target {
    fn selector(&self) -> String {
        match self.kind {
            "project" => format!("project:{}", self.project),
            "fleet" => format!("fleet:{}/{}", self.project, self.name),
            _ => format!("device:{}/{}", self.project, self.name),
        }
    }

    /// The plain scan: does one `connect:KIND:TARGET:ACTIONS` item overlap this target?
    fn item_hits(&self, item: &str, exact: bool) -> bool {
        let parts: Vec<&str> = item.split(':').collect();
        let [_, kind, target, _] = parts[..] else {
            return false;
        };
        let (project, name) = target.split_once('/').unwrap_or((target, target));
        if project != self.project {
            return false;
        }
        let names_it = kind == self.kind && name == self.name;
        if exact {
            return names_it;
        }
        names_it
            || kind == "project"
            || self.kind == "project"
            || (self.kind == "fleet" && kind == "device" && self.devices.iter().any(|d| d == name))
            || (self.kind == "device" && kind == "fleet" && name == self.fleet)
    }

    /// (picked, kept as admin-scoped) by a plain scan of the scope strings.
    fn scan(
        &self,
        tokens: &[(String, String)],
        exact: bool,
    ) -> (BTreeSet<String>, BTreeSet<String>) {
        let mut picked = BTreeSet::new();
        let mut kept = BTreeSet::new();
        for (id, scope) in tokens {
            let items: Vec<&str> = scope.split_whitespace().collect();
            if items.contains(&"applied-permissions/admin") {
                if !exact {
                    kept.insert(id.clone());
                }
            } else if items
                .iter()
                .any(|i| i.starts_with("connect:") && self.item_hits(i, exact))
            {
                picked.insert(id.clone());
            }
        }
        (picked, kept)
    }
}

const FLEETS: [(&str, &str); 4] = [
    ("demo", "edge-eu"),
    ("demo", "edge-us"),
    ("demo", "lab"),
    ("retail", "signage"),
];

/// One scope item: (kind 0 project | 1 fleet | 2 device | 3 admin | 4 user, fleet, device
/// index, actions).
fn any_item() -> impl Strategy<Value = (u8, usize, usize, &'static str)> {
    (
        0u8..5,
        0..FLEETS.len(),
        0usize..4,
        proptest::sample::select(vec!["r", "rw", "rwd", "d"]),
    )
}

fn scope_text(items: &[(u8, usize, usize, &'static str)], devices: &[Vec<String>]) -> String {
    let mut out: Vec<String> = Vec::new();
    for &(kind, f, d, acts) in items {
        let (p, fleet) = FLEETS[f];
        let item = match kind {
            0 => format!("connect:project:{p}:{acts}"),
            1 => format!("connect:fleet:{p}/{fleet}:{acts}"),
            2 => format!("connect:device:{p}/{}:{acts}", devices[f][d]),
            3 => "applied-permissions/admin".into(),
            _ => "applied-permissions/user".into(),
        };
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out.join(" ")
}

#[test]
fn bulk_revoke_by_scope_picks_exactly_what_a_plain_scan_of_scopes_finds() {
    let served = harness().seeded().start_blocking();
    let svc = &served.svc;
    let rt = &served.rt;
    let devices: Vec<Vec<String>> = FLEETS
        .iter()
        .map(|(p, f)| rt.block_on(svc.devices(p, f))[..4].to_vec())
        .collect();
    let config = ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let case = std::sync::atomic::AtomicU32::new(0);
    proptest!(config, |(
        tokens in proptest::collection::vec(proptest::collection::vec(any_item(), 1..4), 0..5),
        pick in (0u8..3, 0..FLEETS.len(), 0usize..4),
        exact in any::<bool>(),
    )| {
        let n = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        rt.block_on(async {
            for items in &tokens {
                let scope = scope_text(items, &devices);
                let body = if scope == "applied-permissions/user" {
                    json!({"username": "alice", "description": "prop"})
                } else {
                    json!({"scope": scope, "description": "prop"})
                };
                svc.mint(None, body).await;
            }
            let (kind, f, d) = pick;
            let (project, fleet) = FLEETS[f];
            let target = match kind {
                0 => Target { kind: "project", project: project.into(), name: project.into(), devices: vec![], fleet: String::new() },
                1 => Target { kind: "fleet", project: project.into(), name: fleet.into(), devices: svc.devices(project, fleet).await, fleet: String::new() },
                _ => Target { kind: "device", project: project.into(), name: devices[f][d].clone(), devices: vec![], fleet: fleet.into() },
            };
            let before = live(svc).await;
            let (want, want_kept) = target.scan(&before, exact);
            let dry_run = n % 3 != 0;
            let (st, v) = bulk(svc, &svc.admin, json!({"scope": target.selector(), "exact": exact, "dry_run": dry_run})).await;
            if want.is_empty() {
                assert_eq!(st, StatusCode::NOT_FOUND, "{target:?} {v}");
                assert!(message(&v).contains("no live token matches"), "{v}");
                return;
            }
            assert_eq!(st, StatusCode::OK, "{v}");
            assert_eq!(ids(&v, "tokens"), want, "{target:?} exact={exact}");
            assert_eq!(ids(&v, "kept"), want_kept, "{target:?} exact={exact}");
            assert_eq!(v["matched"], want.len());
            let after: BTreeSet<String> = live(svc).await.into_iter().map(|(id, _)| id).collect();
            if dry_run {
                assert_eq!(v["revoked"], 0);
                assert!(want.is_subset(&after), "a dry run revoked nothing");
            } else {
                assert_eq!(v["revoked"], want.len());
                assert!(want.is_disjoint(&after), "every picked token is gone");
                let all: BTreeSet<String> = before.into_iter().map(|(id, _)| id).collect();
                let gone: BTreeSet<String> = all.difference(&after).cloned().collect();
                assert_eq!(gone, want, "nothing else went");
            }
        });
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_revoke_on_one_process_is_401_at_the_next_request_on_another() {
    let (_procs, [a, b], admin) = two_processes(&[]).await;
    let device = b_device(&b, &admin).await;
    let mut secrets = Vec::new();
    for scope in [
        "connect:fleet:demo/edge-eu:r",
        "connect:project:demo:r",
        "connect:fleet:demo/lab:rw connect:fleet:demo/edge-eu:r",
    ] {
        let (secret, _) = a
            .mint(&admin, json!({"scope": scope, "description": "bulk"}))
            .await;
        secrets.push(secret);
    }
    let (other, _) = a
        .mint(
            &admin,
            json!({"scope": "connect:fleet:demo/edge-us:r", "description": "stays"}),
        )
        .await;
    for s in secrets.iter().chain([&other]) {
        let (st, v) = b
            .get(s, "/api/v2/demo/devices?group_name=edge-us&limit=1")
            .await;
        assert!(
            st == StatusCode::OK || st == StatusCode::FORBIDDEN,
            "warm: {st} {v}"
        );
        let (st, v) = b.get(s, &format!("{TOKENS}/me")).await;
        assert_eq!(st, StatusCode::OK, "warm /me: {v}");
    }
    let (st, v) = a
        .call(
            Method::POST,
            &admin,
            BULK,
            Some(json!({"scope": "fleet:demo/edge-eu", "dry_run": false})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert!(v["revoked"].as_u64().unwrap() >= 3, "{v}");
    for s in &secrets {
        let (st, v) = b.get(s, &format!("{TOKENS}/me")).await;
        assert_eq!(
            st,
            StatusCode::UNAUTHORIZED,
            "revoked on a, next request on b: {v}"
        );
    }
    let (st, v) = b
        .get(&other, &format!("/api/v2/demo/devices/{device}"))
        .await;
    assert_ne!(
        st,
        StatusCode::UNAUTHORIZED,
        "a token of another fleet stays: {v}"
    );
    let (st, v) = b.get(&admin, &format!("{TOKENS}/me")).await;
    assert_eq!(st, StatusCode::OK, "the admin token is kept: {v}");
}

async fn b_device(b: &Node, admin: &str) -> String {
    let (st, v) = b
        .get(admin, "/api/v2/demo/devices?group_name=edge-us&limit=1")
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["devices"][0]["device_uuid"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_revoke_is_a_dry_run_unless_told_and_audits_each_token() {
    let svc = harness().seeded().start().await;
    let (_, a) = svc
        .mint(
            None,
            json!({"scope": "connect:fleet:demo/lab:r", "description": "lab one"}),
        )
        .await;
    let (_, b) = svc
        .mint(
            None,
            json!({"scope": "connect:fleet:demo/lab:rw", "description": "lab two"}),
        )
        .await;
    let (st, v) = bulk(
        &svc,
        &svc.admin,
        json!({"scope": "fleet:demo/lab", "exact": true}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["dry_run"], true);
    // The two, and the seed's dana token that names demo/lab with a device.
    let picked = ids(&v, "tokens");
    assert_eq!(picked.len(), 3, "{v}");
    assert!(picked.contains(&a) && picked.contains(&b), "{v}");
    assert_eq!(v["revoked"], 0);
    assert!(
        v["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["description"] == "lab one"),
        "{v}"
    );
    assert!(
        svc.all_token_ids(&svc.admin).await.contains(&a),
        "a dry run revokes nothing"
    );

    let (st, v) = bulk(
        &svc,
        &svc.admin,
        json!({"scope": "fleet:demo/lab", "exact": true, "dry_run": false}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["revoked"], 3);
    let (st, audit) = svc
        .get(&svc.admin, "/tokentab/api/v1/audit?action=revoke")
        .await;
    assert_eq!(st, StatusCode::OK, "{audit}");
    let audited: BTreeSet<String> = audit["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{audit}"))
        .iter()
        .filter_map(|e| e["token_id"].as_str().map(str::to_owned))
        .collect();
    assert!(
        audited.contains(&a) && audited.contains(&b),
        "one row per token: {audit}"
    );

    // Nothing left to take: said so, never a success for nothing.
    let (st, v) = bulk(
        &svc,
        &svc.admin,
        json!({"scope": "fleet:demo/lab", "exact": true, "dry_run": false}),
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
    assert!(
        message(&v).contains("no live token matches scope fleet:demo/lab (exact)"),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_scoped_tokens_and_the_callers_own_are_kept_unless_asked() {
    let svc = harness().seeded().start().await;
    let (other_admin, other_id) = svc
        .mint(
            None,
            json!({"scope": "applied-permissions/admin", "description": "second admin"}),
        )
        .await;
    let (st, v) = bulk(&svc, &svc.admin, json!({"user": "admin", "dry_run": false})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let kept = ids(&v, "kept");
    assert!(kept.contains(&other_id), "admin-scoped kept: {v}");
    assert!(
        v["kept"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["kept_because"] == "own token"),
        "{v}"
    );
    assert!(
        v["kept"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["kept_because"] == "admin-scoped"),
        "{v}"
    );
    assert!(!ids(&v, "tokens").contains(&other_id));

    let (st, v) = bulk(
        &svc,
        &other_admin,
        json!({"user": "admin", "include_admin": true, "dry_run": false}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert!(
        ids(&v, "tokens").len() >= 2,
        "the seeded admin tokens go: {v}"
    );
    assert_eq!(
        ids(&v, "kept"),
        BTreeSet::from([other_id]),
        "the caller's own stays"
    );
    let (st, v) = svc.get(&svc.admin, &format!("{TOKENS}/me")).await;
    assert_eq!(
        st,
        StatusCode::UNAUTHORIZED,
        "include_admin took the first admin's token: {v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_revoke_has_the_rights_of_revoke_by_id() {
    let svc = harness().seeded().start().await;
    let alice = svc.user_token("alice").await;
    let (_, bob_id) = svc
        .mint(None, json!({"username": "bob", "description": "bob's"}))
        .await;
    // alice may take only her own tokens: bob's is as if it did not exist.
    let (st, v) = bulk(&svc, &alice, json!({"user": "bob", "dry_run": false})).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
    assert!(svc.all_token_ids(&svc.admin).await.contains(&bob_id));
    let (st, v) = bulk(&svc, &alice, json!({"filter": "prop", "dry_run": true})).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
    let (_, mine) = svc
        .mint(Some(&alice), json!({"description": "alice spare"}))
        .await;
    let (st, v) = bulk(&svc, &alice, json!({"filter": "spare", "dry_run": false})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(ids(&v, "tokens"), BTreeSet::from([mine]));
    // A custom token can revoke only itself.
    let custom = svc.scoped("connect:project:demo:rwd").await;
    let (st, v) = bulk(&svc, &custom, json!({"scope": "project:demo"})).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_selectors_are_refused_with_a_clear_message() {
    let svc = harness().seeded().start().await;
    for (body, says) in [
        (json!({}), "say what to revoke"),
        (json!({"dry_run": false}), "say what to revoke"),
        (json!({"scope": "fleet:demo"}), "should be project:"),
        (json!({"scope": "galaxy:demo/x"}), "should be project:"),
        (
            json!({"user": "alice", "exact": true}),
            "exact applies to scope",
        ),
        (json!({"filter": "status:soon"}), "filter: status:soon?"),
        (json!({"filter": "x\u{1b}[2J"}), "filter"),
        (json!({"token_ids": ["a b"]}), "not a token id"),
        (
            json!({"scope": "project:demo", "everything": true}),
            "unknown field",
        ),
    ] {
        let (st, v) = bulk(&svc, &svc.admin, body.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{body}: {v}");
        assert!(message(&v).contains(says), "{body}: {v}");
        assert!(!message(&v).contains('\u{1b}'), "{v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_takes_the_tabs_rule_unused_and_free_text() {
    let svc = harness().seeded().start().await;
    let (_, fresh) = svc
        .mint(
            None,
            json!({"username": "carol", "description": "fresh ci"}),
        )
        .await;
    // The seed's one never-expiring token of carol's, not the fresh one (it expires).
    let (st, v) = bulk(
        &svc,
        &svc.admin,
        json!({"filter": "user:carol status:never"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["matched"], 1, "{v}");
    assert_eq!(v["tokens"][0]["username"], "carol", "{v}");
    assert!(
        v["tokens"][0]["description"]
            .as_str()
            .unwrap()
            .contains("line C kiosk"),
        "{v}"
    );
    let (st, v) = bulk(&svc, &svc.admin, json!({"filter": "FRESH CI"})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(ids(&v, "tokens"), BTreeSet::from([fresh]));
}
