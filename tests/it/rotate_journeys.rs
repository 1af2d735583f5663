//! Rotate, end to end against the embedded service over HTTP: in the tab (runtime on a
//! TestBackend, keys through a channel) and with the real binary (`tokens rotate ID`). The
//! replacement must do exactly what the old token did (same scope string; checked with a device
//! in and out of scope), the old one must be 401, and the secret shows only in the secret view.
//! A forwarding proxy that refuses the DELETE gives a real failed revoke.

use crate::common;
use crate::common::service::harness;

use crossterm::event::KeyCode;
use reqwest::StatusCode;
use serde_json::{Value, json};

use common::journey::{self as harness};
use common::screen::{secret_on, token_id_on};
use common::service::blocking::Served;
use tokentab::tui::app::App;

const TOKENS: &str = "/access/api/v1/tokens";

fn token_json(s: &Served, id: &str) -> Value {
    let (status, v) = s.get(s.admin(), &format!("{TOKENS}/{id}"));
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}

fn live_ids(s: &Served) -> Vec<String> {
    let (status, v) = s.get(s.admin(), &format!("{TOKENS}?limit=1000"));
    assert_eq!(status, StatusCode::OK, "{v}");
    v["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["token_id"].as_str().unwrap().to_owned())
        .collect()
}

fn devices(s: &Served, project: &str, fleet: &str) -> Vec<String> {
    s.rt.block_on(s.svc.devices(project, fleet))
}

/// (path, expected status for a token that can do what the old one could).
type Probe = (String, StatusCode);

/// What a token with three permission rows may do: read and write one device, read a fleet,
/// read a project; nothing else.
fn custom_case(s: &Served) -> (String, Vec<Probe>) {
    let eu = devices(s, "demo", "edge-eu");
    let lab = devices(s, "demo", "lab");
    let us = devices(s, "demo", "edge-us");
    let kiosk = devices(s, "retail", "kiosks-north");
    let scope = format!(
        "connect:device:demo/{}:rw connect:fleet:demo/lab:r connect:project:retail:r",
        eu[0]
    );
    let dev = |p: &str, d: &str| format!("/api/v2/{p}/devices/{d}");
    let probes = vec![
        (dev("demo", &eu[0]), StatusCode::OK),
        (dev("demo", &lab[0]), StatusCode::OK),
        (dev("retail", &kiosk[0]), StatusCode::OK),
        // No right at all on these: the same 404 as for a device that does not exist (issue 8).
        (dev("demo", &eu[1]), StatusCode::NOT_FOUND),
        (dev("demo", &us[0]), StatusCode::NOT_FOUND),
    ];
    (scope, probes)
}

/// A User token of alice (member of demo and retail, not factory).
fn user_probes(s: &Served) -> Vec<Probe> {
    let eu = devices(s, "demo", "edge-eu");
    let vision = devices(s, "factory", "vision");
    vec![
        (format!("/api/v2/demo/devices/{}", eu[0]), StatusCode::OK),
        (
            format!("/api/v2/factory/devices/{}", vision[0]),
            StatusCode::NOT_FOUND,
        ),
    ]
}

fn probe_all(s: &Served, secret: &str, probes: &[Probe]) {
    for (path, want) in probes {
        let (got, v) = s.get(secret, path);
        assert_eq!(got, *want, "{path}: {v}");
    }
}

/// The replacement matches the old token: scope string, owner, description, lifetime length.
fn same_token(old: &Value, new: &Value) {
    assert_eq!(old["scope"], new["scope"]);
    assert_eq!(old["subject"], new["subject"]);
    assert_eq!(old["description"], new["description"]);
    let life = |t: &Value| {
        t["expiry"]
            .as_i64()
            .map(|e| e - t["issued_at"].as_i64().unwrap())
    };
    match (life(old), life(new)) {
        (Some(a), Some(b)) => assert!((a - b).abs() <= 5, "lifetimes {a} vs {b}"),
        (a, b) => assert_eq!(a, b),
    }
}

/// Rotates the token whose description is `desc` in the tab at `url`; returns the new secret,
/// the new id, the final model and the last frame.
/// Rotates the only row matching `desc`; returns once the view is closed and the filter shows
/// `listed` rows (the list is reloaded after the rotate).
fn rotate_in_tab(
    s: &Served,
    url: &str,
    desc: &str,
    expect: &str,
    listed: usize,
) -> (String, String, App, String) {
    let mut seen = (String::new(), String::new());
    let deps = harness::deps_with(url, s.admin(), harness::no_retries());
    let (app, last) = s.rt.block_on(harness::play(
        harness::embedded_app(url),
        deps,
        160,
        48,
        |mut p| {
            let seen = &mut seen;
            async move {
                p.wait("the list", |f| f.contains(" tokens ·")).await;
                p.key(KeyCode::Char('/'));
                p.text(desc);
                p.wait_text("(1 of").await;
                p.key(KeyCode::Enter);
                p.key(KeyCode::Char('R'));
                let dialog = p.wait_text("Rotate token?").await;
                assert!(dialog.contains(desc), "{dialog}");
                assert!(dialog.contains("[ Cancel ]"), "Cancel has focus:\n{dialog}");
                p.key(KeyCode::Right);
                p.wait_text("[ Rotate ]").await;
                p.key(KeyCode::Enter);
                let view = p.wait_text("Your new access token").await;
                seen.0 = secret_on(&view);
                seen.1 = token_id_on(&view);
                let note = p.wait_text(expect).await;
                assert!(
                    note.contains("Your new access token"),
                    "said in the view:\n{note}"
                );
                p.key(KeyCode::Enter);
                p.wait("the view closed", |f| !f.contains("Your new access token"))
                    .await;
                p.wait_text(&format!("({listed} of")).await;
                p.ctrl('c');
            }
        },
    ));
    (seen.0, seen.1, app, last)
}

fn no_secret_left(secret: &str, app: &App, last: &str) {
    assert!(!last.contains(secret), "secret left on screen:\n{last}");
    assert!(
        !format!("{app:?}").contains(secret),
        "secret in the model's Debug"
    );
}

#[test]
fn tab_rotates_a_user_token_with_its_lifetime_and_revokes_the_old_one() {
    let s = harness().seeded().start_blocking();
    let desc = "rotate-me user alice";
    let (old_secret, old_id) =
        s.mint(json!({"username": "alice", "description": desc, "expires_in": 30 * 86_400}));
    let old = token_json(&s, &old_id);
    let probes = user_probes(&s);
    probe_all(&s, &old_secret, &probes);

    let (secret, new_id, app, last) = rotate_in_tab(&s, &s.url(), desc, "revoked", 1);
    assert_ne!(new_id, old_id);
    same_token(&old, &token_json(&s, &new_id));
    probe_all(&s, &secret, &probes);
    let (status, _) = s.get(&old_secret, "/access/api/v1/tokens/me");
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old token is revoked");
    assert!(!live_ids(&s).contains(&old_id));
    let said = app
        .status
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(said.contains(&old_id) && said.contains(&new_id), "{said}");
    no_secret_left(&secret, &app, &last);
}

#[test]
fn tab_rotates_a_custom_token_with_three_permission_rows() {
    let s = harness().seeded().start_blocking();
    let (scope, probes) = custom_case(&s);
    let desc = "rotate-me custom three rows";
    let (old_secret, old_id) = s.mint(json!({
        "scope": scope, "description": desc, "expires_in": 0, "audience": "jfcon@*"
    }));
    let old = token_json(&s, &old_id);
    assert_eq!(old["scope"], scope.as_str());
    probe_all(&s, &old_secret, &probes);

    let (secret, new_id, app, last) = rotate_in_tab(&s, &s.url(), desc, "revoked", 1);
    let new = token_json(&s, &new_id);
    same_token(&old, &new);
    assert!(new["expiry"].is_null(), "never stays never: {new}");
    probe_all(&s, &secret, &probes);
    let (status, _) = s.get(&old_secret, &probes[0].0);
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    no_secret_left(&secret, &app, &last);
}

#[test]
fn tab_rotate_with_the_revoke_refused_keeps_both_and_says_so() {
    let s = harness().seeded().start_blocking();
    let desc = "rotate-me revoke refused";
    let (old_secret, old_id) =
        s.mint(json!({"username": "bob", "description": desc, "expires_in": 86_400}));
    let proxy = s.proxy_failing(
        "DELETE",
        &format!("{TOKENS}/{old_id}"),
        500,
        r#"{"errors":[{"code":"INTERNAL","message":"revoke is broken today"}]}"#,
    );
    let (secret, new_id, app, last) = rotate_in_tab(&s, &proxy, desc, "revoking the old token", 2);
    let ids = live_ids(&s);
    assert!(ids.contains(&old_id) && ids.contains(&new_id), "both live");
    let (status, _) = s.get(&old_secret, "/access/api/v1/tokens/me");
    assert_eq!(status, StatusCode::OK, "the old token still works");
    let said = app
        .status
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(
        said.contains("failed") && said.contains(&old_id) && said.contains(&new_id),
        "{said}"
    );
    // Both rows stay in the table.
    assert!(app.table.rows.find(&old_id).is_some(), "old row kept");
    assert!(app.table.rows.find(&new_id).is_some(), "new row listed");
    no_secret_left(&secret, &app, &last);
}

// ---------------------------------------------------------------- CLI

fn cli(url: &str, token_file: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tokentab"))
        .env_remove("TOKENTAB_URL")
        .env_remove("TOKENTAB_TOKEN")
        .env("NO_COLOR", "1")
        .arg("tokens")
        .args(args)
        .arg("--url")
        .arg(url)
        .arg("--token-file")
        .arg(token_file)
        .output()
        .expect("run tokentab")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn cli_rotate_prints_the_new_secret_alone_and_revokes_the_old() {
    let s = harness().seeded().start_blocking();
    let (scope, probes) = custom_case(&s);
    let (old_secret, old_id) = s.mint(json!({
        "scope": scope, "description": "cli custom", "expires_in": 10 * 86_400, "audience": "jfcon@*"
    }));
    let old = token_json(&s, &old_id);
    let o = cli(&s.url(), &s.admin_token_file(), &["rotate", &old_id]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "the secret alone: {out}");
    let secret = lines[0];
    assert!(!text(&o.stderr).contains(secret), "secret on stderr");
    let (status, me) = s.get(secret, "/access/api/v1/tokens/me");
    assert_eq!(status, StatusCode::OK, "{me}");
    let new_id = me["token_id"].as_str().unwrap().to_owned();
    assert!(text(&o.stderr).contains(&new_id) && text(&o.stderr).contains(&old_id));
    same_token(&old, &token_json(&s, &new_id));
    probe_all(&s, secret, &probes);
    let (status, _) = s.get(&old_secret, &probes[0].0);
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A User token, with --json.
    let (_, user_id) =
        s.mint(json!({"username": "alice", "description": "cli user", "expires_in": 3600}));
    let o = cli(
        &s.url(),
        &s.admin_token_file(),
        &["rotate", &user_id, "--json"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let j: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(j["old_token_id"], user_id.as_str());
    assert_eq!(j["old_token"], "revoked");
    assert_eq!(j["scope"], "applied-permissions/user");
    let new_secret = j["access_token"].as_str().unwrap();
    probe_all(&s, new_secret, &user_probes(&s));
}

#[test]
fn cli_rotate_with_the_revoke_refused_prints_the_secret_and_fails() {
    let s = harness().seeded().start_blocking();
    let (_, old_id) =
        s.mint(json!({"username": "bob", "description": "cli refused", "expires_in": 3600}));
    let proxy = s.proxy_failing(
        "DELETE",
        &format!("{TOKENS}/{old_id}"),
        403,
        r#"{"errors":[{"code":"FORBIDDEN","message":"not today"}]}"#,
    );
    let o = cli(&proxy, &s.admin_token_file(), &["rotate", &old_id]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let secret = text(&o.stdout).trim().to_owned();
    let (status, _) = s.get(&secret, "/access/api/v1/tokens/me");
    assert_eq!(status, StatusCode::OK, "the printed secret works");
    let err = text(&o.stderr);
    assert!(err.contains("failed") && err.contains(&old_id), "{err}");
    assert!(live_ids(&s).contains(&old_id));
    // Unknown id: an API error, nothing created.
    let before = live_ids(&s).len();
    let o = cli(
        &s.url(),
        &s.admin_token_file(),
        &["rotate", "no-such-token"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty());
    assert_eq!(live_ids(&s).len(), before);
}

// ---------------------------------------------------------------- JFrog shapes

/// A JFrog Platform as its docs describe it: the token's record has no scope; create answers
/// with the secret; revoke by id answers 200.
#[test]
fn cli_rotate_against_jfrog_shapes_needs_as_user_token_and_then_makes_a_user_token() {
    use common::fault_server::{FaultServer, Reply};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let s = rt.block_on(FaultServer::start());
    let now = chrono::Utc::now().timestamp();
    let record = json!({"token_id": "tid-j1", "subject": "jfac@01fm/users/alice",
        "issuer": "jfac@01fm", "issued_at": now - 10 * 86_400, "expiry": now + 20 * 86_400,
        "description": "jf CLI on laptop", "refreshable": false});
    let path = format!("{TOKENS}/tid-j1");
    let secret = "Zk9xQ2dWb0JmT3lqS2hQZ1F4UjVtWnBvZ2RzQ0xOVmE";
    let created = json!({"token_id": "tid-j2", "access_token": secret, "expires_in": 30 * 86_400,
        "scope": "applied-permissions/user", "token_type": "Bearer"});
    s.on(
        "GET",
        &path,
        vec![
            Reply::json_value(200, &record),
            Reply::json_value(200, &record),
        ],
    );
    s.on("POST", TOKENS, vec![Reply::json_value(200, &created)]);
    s.on("DELETE", &path, vec![Reply::text(200, "OK")]);
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "jfrog-admin-token-value").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();

    let o = cli(&s.url(), &token_file, &["rotate", "tid-j1"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("--as-user-token"),
        "{}",
        text(&o.stderr)
    );
    assert!(o.stdout.is_empty());
    assert_eq!(s.count("POST", TOKENS), 0, "nothing created on a guess");

    let o = cli(
        &s.url(),
        &token_file,
        &["rotate", "tid-j1", "--as-user-token"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), format!("{secret}\n"));
    let post = s
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("a create");
    let body: Value = serde_json::from_slice(&post.body).expect("JSON body");
    assert_eq!(body["scope"], "applied-permissions/user");
    assert_eq!(body["username"], "alice");
    assert_eq!(body["description"], "jf CLI on laptop");
    assert_eq!(body["expires_in"], 30 * 86_400);
    assert!(body.get("audience").is_none());
    assert_eq!(s.count("DELETE", &path), 1, "the old one revoked by id");
    assert!(text(&o.stderr).contains("tid-j2") && text(&o.stderr).contains("tid-j1"));
}
