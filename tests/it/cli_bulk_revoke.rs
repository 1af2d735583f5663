//! `tokentab tokens revoke --scope|--user|--filter` (issue 20, item 3), the real binary: against
//! the real service a dry run by default and `--yes` to do it, `--json`, exit codes; against a
//! JFrog-shaped server without the bulk endpoint, picked from the listing and revoked one by
//! one, said so.

use std::process::Output;

use reqwest::StatusCode;
use serde_json::json;

use crate::common::fault_server::{FaultServer, Reply};
use crate::common::service::harness;

const TOKENS: &str = "/access/api/v1/tokens";

async fn run(url: &str, token: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_tokentab"))
        .env_remove("TOKENTAB_URL")
        .env("TOKENTAB_TOKEN", token)
        .env("NO_COLOR", "1")
        .args(["tokens", "revoke"])
        .args(args)
        .arg("--url")
        .arg(url)
        .output()
        .await
        .expect("run tokentab")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_by_fleet_is_a_dry_run_until_yes() {
    let svc = harness().seeded().start().await;
    let url = svc.url("");
    let (secret, id) = svc
        .mint(
            None,
            json!({"scope": "connect:fleet:demo/edge-eu:r", "description": "eu reader"}),
        )
        .await;
    let dry = run(&url, &svc.admin, &["--scope", "fleet:demo/edge-eu"]).await;
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    let out = text(&dry.stdout);
    assert!(out.starts_with("would revoke "), "{out}");
    assert!(out.contains(&id), "{out}");
    // The seed's project-wide demo token reaches the fleet too.
    assert!(out.contains("connect:project:demo:r"), "{out}");
    assert!(
        out.contains("admin-scoped tokens (they reach everything; --include-admin"),
        "{out}"
    );
    assert!(
        out.contains("dry run: nothing was revoked; add --yes"),
        "{out}"
    );
    let (st, _) = svc.get(&secret, &format!("{TOKENS}/me")).await;
    assert_eq!(st, StatusCode::OK, "the dry run revoked nothing");

    let exact = run(
        &url,
        &svc.admin,
        &["--scope", "fleet:demo/edge-eu", "--exact", "--json"],
    )
    .await;
    assert!(exact.status.success(), "{}", text(&exact.stderr));
    let v: serde_json::Value = serde_json::from_slice(&exact.stdout).expect("json");
    assert_eq!(v["dry_run"], true);
    let ids: Vec<&str> = v["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["token_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&id.as_str()), "{v}");
    assert!(
        !v["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["scope"] == "connect:project:demo:r"),
        "exact: not the project-wide one: {v}"
    );

    let yes = run(
        &url,
        &svc.admin,
        &["--scope", "fleet:demo/edge-eu", "--yes"],
    )
    .await;
    assert!(yes.status.success(), "{}", text(&yes.stderr));
    let out = text(&yes.stdout);
    assert!(out.starts_with("revoked "), "{out}");
    assert!(!out.contains("dry run"), "{out}");
    let (st, _) = svc.get(&secret, &format!("{TOKENS}/me")).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "--yes revoked it");
    let (st, _) = svc.get(&svc.admin, &format!("{TOKENS}/me")).await;
    assert_eq!(st, StatusCode::OK, "the admin's own token is kept");

    // Nothing left: exit 1, said so.
    let again = run(
        &url,
        &svc.admin,
        &["--scope", "fleet:demo/edge-eu", "--exact", "--yes"],
    )
    .await;
    assert_eq!(again.status.code(), Some(1), "{}", text(&again.stderr));
    assert!(
        text(&again.stderr).contains("no live token matches"),
        "{}",
        text(&again.stderr)
    );

    // `revoke ID…` still works.
    let (_, other) = svc
        .mint(None, json!({"username": "bob", "description": "by id"}))
        .await;
    let by_id = run(&url, &svc.admin, &[other.as_str()]).await;
    assert!(by_id.status.success(), "{}", text(&by_id.stderr));
    assert_eq!(text(&by_id.stdout), format!("revoked {other}\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_and_filter_selectors_and_usage_errors() {
    let svc = harness().seeded().start().await;
    let url = svc.url("");
    let o = run(
        &url,
        &svc.admin,
        &[
            "--user",
            "carol",
            "--filter",
            "status:never",
            "--yes",
            "--json",
        ],
    )
    .await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(
        (v["matched"].as_u64(), v["revoked"].as_u64()),
        (Some(1), Some(1)),
        "{v}"
    );
    for (args, says) in [
        (vec!["--scope", "fleet:demo"], "--scope: scope target"),
        (vec!["--filter", "status:soon"], "--filter: status:soon?"),
        (vec!["--exact"], "--scope"),
        (vec!["abc", "--user", "bob"], "cannot be used with"),
    ] {
        let o = run(&url, &svc.admin, &args).await;
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains(says),
            "{args:?}: {}",
            text(&o.stderr)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_without_the_bulk_endpoint_gets_revokes_one_by_one() {
    let s = FaultServer::start().await;
    let n = chrono::Utc::now().timestamp();
    let list = json!({"tokens": [
        {"token_id": "t-alice-1", "subject": "jfac@x/users/alice", "issued_at": n - 9_000_000, "description": "old \u{1b}[31mci"},
        {"token_id": "t-alice-2", "subject": "jfac@x/users/alice", "issued_at": n - 60, "description": "new ci"},
        {"token_id": "t-bob-1", "subject": "jfac@x/users/bob", "issued_at": n - 9_000_000, "description": "old bob"},
    ]});
    s.on("GET", TOKENS, vec![Reply::json_value(200, &list)]);
    s.on(
        "GET",
        &format!("{TOKENS}/me"),
        vec![Reply::json_value(200, &json!({"token_id": "t-me"}))],
    );
    s.on(
        "DELETE",
        &format!("{TOKENS}/t-alice-1"),
        vec![Reply::empty(200)],
    );
    let dry = run(
        &s.url(),
        "jfrog-token-Zq9",
        &["--filter", "unused:90d user:alice"],
    )
    .await;
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(
        text(&dry.stderr)
            .contains("no bulk revoke: picking from its token list, revoking one by one")
    );
    assert!(
        text(&dry.stdout).contains("would revoke 1 token:"),
        "{}",
        text(&dry.stdout)
    );
    assert!(
        !text(&dry.stdout).contains('\u{1b}'),
        "sanitised: {}",
        text(&dry.stdout)
    );
    assert_eq!(s.count("DELETE", &format!("{TOKENS}/t-alice-1")), 0);
    let yes = run(
        &s.url(),
        "jfrog-token-Zq9",
        &["--filter", "unused:90d user:alice", "--yes"],
    )
    .await;
    assert!(yes.status.success(), "{}", text(&yes.stderr));
    assert!(
        text(&yes.stdout).contains("revoked 1 token:"),
        "{}",
        text(&yes.stdout)
    );
    assert_eq!(s.count("DELETE", &format!("{TOKENS}/t-alice-1")), 1);
    assert_eq!(s.count("DELETE", &format!("{TOKENS}/t-alice-2")), 0);
    assert_eq!(s.count("DELETE", &format!("{TOKENS}/t-bob-1")), 0);
    let scope = run(
        &s.url(),
        "jfrog-token-Zq9",
        &["--scope", "fleet:demo/edge-eu"],
    )
    .await;
    assert_eq!(scope.status.code(), Some(2), "{}", text(&scope.stderr));
    assert!(
        text(&scope.stderr).contains("--scope needs a tokentab service"),
        "{}",
        text(&scope.stderr)
    );
}
