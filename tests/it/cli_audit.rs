//! The real `tokentab tokens audit` against a real `tokentab` service (embedded, over HTTP) and
//! against a server without the endpoint (a JFrog Platform answers 404).

use crate::common;
use crate::common::service::harness;

use std::process::Output;

use common::fault_server::FaultServer;
use serde_json::{Value, json};

async fn audit(url: &str, token: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_tokentab"))
        .env_remove("TOKENTAB_URL")
        .env("NO_COLOR", "1")
        .env("TOKENTAB_TOKEN", token)
        .args(["tokens", "audit", "--url", url])
        .args(args)
        .output()
        .await
        .expect("run tokentab")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_prints_a_table_json_and_filters() {
    let s = harness().seeded().start().await;
    let url = s.handle.url();
    let (alice, alice_id) = s
        .mint(
            None,
            json!({"username": "alice", "description": "alice main"}),
        )
        .await;
    let (_, gone) = s.mint(None, json!({"description": "ci deploy"})).await;
    let (st, _) = s
        .delete(&s.admin, &format!("/access/api/v1/tokens/{gone}"))
        .await;
    assert!(st.is_success());
    let (st, _) = s
        .post_token(&s.admin, json!({"description": "hostile \u{1b}[31mred"}))
        .await;
    assert_eq!(
        st.as_u16(),
        400,
        "refused, and recorded without its description"
    );
    let (_, own) = s
        .mint(Some(&alice), json!({"description": "alice own"}))
        .await;

    let o = audit(&url, &s.admin, &[]).await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    for h in [
        "Time (UTC)",
        "Actor",
        "Action",
        "Target",
        "Description",
        "Source",
        "Result",
    ] {
        assert!(lines[0].contains(h), "{}", lines[0]);
    }
    assert!(
        !out.contains('\u{1b}'),
        "control characters reach the terminal: {out:?}"
    );
    let revoke = lines
        .iter()
        .find(|l| l.contains(" revoke ") && l.contains(&gone))
        .unwrap_or_else(|| panic!("no revoke row: {out}"));
    assert!(revoke.contains("ci deploy") && revoke.contains("127.0.0.1:") && revoke.contains("ok"));
    // Newest first: alice's own create is the first row.
    assert!(
        lines[1].contains(&own) && lines[1].contains("alice"),
        "{out}"
    );

    // --json --token
    let o = audit(&url, &s.admin, &["--json", "--token", &gone]).await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["revoke", "create"]);
    assert!(rows.iter().all(|r| r["token_id"] == gone.as_str()));

    // --actor
    let o = audit(&url, &s.admin, &["--json", "--actor", "alice"]).await;
    let rows: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["token_id"], own.as_str());
    assert_ne!(rows[0]["token_id"], alice_id.as_str());

    // --since: a week back has them all, a future date none.
    let o = audit(&url, &s.admin, &["--json", "--since", "7d"]).await;
    let rows: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(rows.len() >= 4, "{rows:?}");
    let o = audit(&url, &s.admin, &["--json", "--since", "2099-01-01"]).await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(rows.is_empty());

    // Usage error: exit 2, nothing sent.
    let o = audit(&url, &s.admin, &["--since", "last week"]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--since"), "{}", text(&o.stderr));

    // Non-admin: 403, exit 1.
    let o = audit(&url, &alice, &[]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("admin"), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty());
    assert!(!text(&o.stderr).contains(&alice) && !text(&o.stdout).contains(&s.admin));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_without_the_endpoint_is_said_plainly() {
    // The fault server answers unknown paths 404 with JFrog's error body, like a real JFrog.
    let s = FaultServer::start().await;
    let o = audit(&s.url(), "cli-test-token-Zq9", &[]).await;
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stderr).trim(),
        "tokentab: this server has no audit trail (tokentab serve only)"
    );
    assert!(o.stdout.is_empty());
    assert_eq!(s.count("GET", "/tokentab/api/v1/audit"), 1);
}
