//! Issue 18, item 8: the `tokens` commands at parity with the tab, the real binary against a
//! real service with the demo data. `status` and ISO `expires_at` in `list --json`; `list
//! --status --scope` in the filter's words; case-insensitive `--description`; `revoke`'s exit
//! codes and its admin-token confirmation (on a pseudo-terminal, `script`, and without one,
//! `setsid`); a closed pipe; `audit --csv --action`; help text for every argument; the README's
//! jq example.

use crate::common;
use crate::common::service::{TestService, harness};

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_tokentab");

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `tokentab tokens ARGS` with this token, in a session of its own (no controlling terminal:
/// `/dev/tty` cannot be opened, as under cron or CI).
async fn tokens(url: &str, token: &str, args: &[&str]) -> Output {
    tokio::process::Command::new("setsid")
        .arg("-w")
        .arg(BIN)
        .arg("tokens")
        .args(args)
        .env_remove("TOKENTAB_URL")
        .env("NO_COLOR", "1")
        .env("TOKENTAB_URL", url)
        .env("TOKENTAB_TOKEN", token)
        .stdin(Stdio::null())
        .output()
        .await
        .expect("run tokentab")
}

async fn list_json(s: &TestService, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["list", "--json"];
    all.extend_from_slice(args);
    let o = tokens(&s.handle.url(), &s.admin, &all).await;
    assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("a JSON array")
}

fn ids(v: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = v
        .iter()
        .map(|t| t["token_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    ids.sort();
    ids
}

fn where_field(v: &[Value], field: &str, pred: impl Fn(&Value) -> bool) -> Vec<String> {
    let kept: Vec<Value> = v.iter().filter(|t| pred(&t[field])).cloned().collect();
    ids(&kept)
}

#[tokio::test(flavor = "multi_thread")]
async fn list_json_has_status_and_iso_expiry_and_filters_as_the_tab() {
    let s = harness().seeded().start().await;
    let all = list_json(&s, &[]).await;
    assert!(all.len() >= 30, "the demo data: {}", all.len());
    let now = chrono::Utc::now().timestamp();
    for t in &all {
        // The server's fields are all still there.
        for f in ["token_id", "subject", "issued_at", "issuer", "description"] {
            assert!(t.get(f).is_some(), "{f} missing: {t}");
        }
        let status = t["status"].as_str().expect("status");
        match t.get("expiry").and_then(Value::as_i64) {
            None => {
                assert_eq!(status, "never", "{t}");
                assert!(t["expires_at"].is_null(), "{t}");
            }
            Some(e) => {
                let iso = t["expires_at"].as_str().expect("expires_at");
                let at = chrono::DateTime::parse_from_rfc3339(iso).expect("ISO 8601");
                assert_eq!(at.timestamp(), e, "{t}");
                assert!(iso.ends_with('Z'), "{iso}");
                let want = if e <= now {
                    "expired"
                } else if e - now <= 7 * 86_400 {
                    "expiring"
                } else {
                    "active"
                };
                assert_eq!(status, want, "{t}");
            }
        }
    }
    let expired = where_field(&all, "status", |s| s == "expired");
    assert_eq!(expired.len(), 4, "the demo data has 4 expired tokens");
    assert_eq!(ids(&list_json(&s, &["--status", "expired"]).await), expired);
    let soon = where_field(&all, "status", |s| s == "expired" || s == "expiring");
    assert_eq!(
        ids(&list_json(&s, &["--status", "expiring,EXPIRED"]).await),
        soon
    );
    assert_eq!(
        ids(&list_json(&s, &["--status", "expired", "--status", "expiring"]).await),
        soon
    );
    let never = where_field(&all, "status", |s| s == "never");
    assert!(!never.is_empty());
    assert_eq!(ids(&list_json(&s, &["--status", "never"]).await), never);

    let admin = where_field(&all, "scope", |s| s == "applied-permissions/admin");
    assert_eq!(ids(&list_json(&s, &["--scope", "admin"]).await), admin);
    let fleet = where_field(&all, "scope", |s| {
        s.as_str().unwrap_or_default().contains("connect:fleet:")
    });
    assert!(!fleet.is_empty());
    assert_eq!(ids(&list_json(&s, &["--scope", "fleet"]).await), fleet);
    let both = list_json(&s, &["--scope", "admin", "--status", "expired"]).await;
    assert_eq!(both.len(), 1, "the retired nightly backup: {both:?}");
    assert_eq!(both[0]["description"], "Nightly backup job (retired)");

    // Case-insensitive, as the tab's filter; `*` still a prefix.
    let v = list_json(&s, &["--description", "PLATFORM BREAK*"]).await;
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0]["description"], "Platform break-glass (vault)");
    let v = list_json(&s, &["--description", "platform break-glass (VAULT)"]).await;
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(
        list_json(&s, &["--description", "platform"])
            .await
            .is_empty()
    );

    // The filter's own words and messages.
    let url = s.handle.url();
    let o = tokens(&url, &s.admin, &["list", "--status", "soon"]).await;
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.starts_with("tokentab: --status: status:soon? use expiring, expired"),
        "{err}"
    );
    let o = tokens(&url, &s.admin, &["list", "--scope", "galaxy"]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("use user, admin, custom, fleet"));
}

/// One row per case: the command line (`{fresh}`, `{fresh2}`, `{admin_tok}`… filled in) and the
/// exit code it must earn.
#[tokio::test(flavor = "multi_thread")]
async fn exit_code_table() {
    let s = harness().seeded().start().await;
    let url = s.handle.url();
    let (_, fresh) = s.mint(None, json!({"description": "table fresh"})).await;
    let (_, fresh2) = s.mint(None, json!({"description": "table fresh 2"})).await;
    let (_, fresh3) = s.mint(None, json!({"description": "table fresh 3"})).await;
    let (_, admin_tok) = s
        .mint(
            None,
            json!({"description": "table admin", "scope": "applied-permissions/admin"}),
        )
        .await;
    let (_, admin_tok2) = s
        .mint(
            None,
            json!({"description": "table admin 2", "scope": "applied-permissions/admin"}),
        )
        .await;
    let (alice, _) = s
        .mint(
            None,
            json!({"username": "alice", "description": "alice table"}),
        )
        .await;
    let (_, not_alices) = s.mint(None, json!({"description": "admin's own"})).await;
    let unknown = "3f2a9c1e-0000-4000-8000-000000000000";
    let long = "a".repeat(65);
    let admin: &str = &s.admin;
    let alice: &str = &alice;
    let (fresh, fresh2, fresh3) = (fresh.as_str(), fresh2.as_str(), fresh3.as_str());
    let (admin_tok, admin_tok2) = (admin_tok.as_str(), admin_tok2.as_str());
    let (not_alices, long) = (not_alices.as_str(), long.as_str());

    #[rustfmt::skip]
    let rows: Vec<(&str, Vec<&str>, i32)> = vec![
        (admin, vec!["revoke", fresh], 0),
        (admin, vec!["revoke", fresh], 1),                     // already revoked
        (admin, vec!["revoke", unknown], 1),                    // unknown
        (admin, vec!["revoke", "3f2a"], 1),                     // a short id: unknown
        (admin, vec!["revoke", fresh2, unknown], 1),           // one of two
        (alice, vec!["revoke", not_alices], 1),                // not the caller's
        (admin, vec!["revoke", "not/an/id"], 2),
        (admin, vec!["revoke", "two words"], 2),
        (admin, vec!["revoke", long], 2),
        (admin, vec!["revoke", ""], 2),
        (admin, vec!["revoke", ".."], 2),
        (admin, vec!["revoke", fresh3, "x;y"], 2),             // nothing sent
        (admin, vec!["revoke", admin_tok], 2),                 // admin token, no terminal
        (admin, vec!["revoke", fresh3, admin_tok], 2),        // nothing revoked at all
        (admin, vec!["revoke", "--yes", admin_tok2], 0),
        (admin, vec!["revoke", fresh3], 0),
        (admin, vec!["revoke"], 2),
        (admin, vec!["list", "--status", "expired"], 0),
        (admin, vec!["list", "--status", "soon"], 2),
        (admin, vec!["list", "--scope", "galaxy"], 2),
        (admin, vec!["list", "--status", ""], 2),
        (admin, vec!["list", "--readonly", "--csv"], 0),        // accepted, means nothing there
        (admin, vec!["create", "-d", "ro", "--readonly"], 2),
        (admin, vec!["revoke", "--readonly", unknown], 2),
        (admin, vec!["audit", "--csv", "--action", "revoke"], 0),
        (admin, vec!["audit", "--csv", "--json"], 2),
        (alice, vec!["audit", "--csv"], 1),                     // admins only
    ];
    let mut failures = Vec::new();
    for (token, args, want) in &rows {
        let o = tokens(&url, token, args).await;
        if o.status.code() != Some(*want) {
            failures.push(format!(
                "{args:?}: exit {:?}, want {want}; stderr: {}",
                o.status.code(),
                text(&o.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // What the rows did to the tokens.
    let live = s.all_token_ids(&s.admin).await;
    for (id, alive) in [
        (fresh, false),
        (fresh2, false),
        (fresh3, false),
        (admin_tok, true),
        (admin_tok2, false),
        (not_alices, true),
    ] {
        assert_eq!(live.iter().any(|l| l == id), alive, "{id}");
    }

    // The messages: per id, on stderr.
    let o = tokens(&url, admin, &["revoke", fresh, unknown]).await;
    let err = text(&o.stderr);
    for id in [fresh, unknown] {
        assert!(
            err.contains(&format!(
                "tokentab: {id}: not revoked: unknown, already revoked or not yours"
            )),
            "{err}"
        );
    }
    assert!(o.stdout.is_empty());
    let o = tokens(&url, admin, &["revoke", admin_tok]).await;
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("{admin_tok} is an admin token"))
            && err.contains("--yes")
            && err.contains("nothing was revoked"),
        "{err}"
    );
    let o = tokens(&url, admin, &["revoke", "not/an/id"]).await;
    assert!(
        text(&o.stderr).contains("\"not/an/id\" is not a token id"),
        "{}",
        text(&o.stderr)
    );
}

/// Runs `command` in a pseudo-terminal (`script`), answers `answer` once `prompt` shows, and
/// returns the exit code and everything the terminal showed.
fn on_a_terminal(command: &str, env: &[(&str, &str)], prompt: &str, answer: &str) -> (i32, String) {
    common::tools::require_script();
    let mut child = Command::new("script")
        .args(["-qfec", command, "/dev/null"])
        .env("SHELL", "/bin/sh")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script");
    let out = Arc::new(Mutex::new(Vec::new()));
    let mut stdout = child.stdout.take().unwrap();
    let sink = Arc::clone(&out);
    std::thread::spawn(move || {
        let mut chunk = [0u8; 1024];
        while let Ok(n) = stdout.read(&mut chunk) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    let shown = |out: &Arc<Mutex<Vec<u8>>>| text(&out.lock().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    while !shown(&out).contains(prompt) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(shown(&out).contains(prompt), "no prompt: {}", shown(&out));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{answer}\r").as_bytes()).unwrap();
    stdin.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "still running: {}", shown(&out));
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(stdin);
    std::thread::sleep(Duration::from_millis(100));
    (status.code().unwrap_or(-1), shown(&out))
}

const PROMPT: &str = "Type the first 4 characters of its id";

#[tokio::test(flavor = "multi_thread")]
async fn revoking_an_admin_token_asks_on_the_terminal_as_the_tab() {
    let s = harness().seeded().start().await;
    let url = s.handle.url();
    let (_, admin_tok) = s
        .mint(
            None,
            json!({"description": "asked admin", "scope": "applied-permissions/admin"}),
        )
        .await;
    let env = [
        ("TOKENTAB_URL", url.as_str()),
        ("TOKENTAB_TOKEN", s.admin.as_str()),
    ];
    let cmd = format!("{BIN} tokens revoke {admin_tok}");
    let first4: String = admin_tok.chars().take(4).collect();

    let (cmd2, env2) = (cmd.clone(), env.map(|(k, v)| (k, v.to_owned())));
    let (code, screen) = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env2.iter().map(|(k, v)| (*k, v.as_str())).collect();
        on_a_terminal(&cmd2, &env, PROMPT, "nope")
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "a wrong answer revokes nothing: {screen}");
    assert!(
        screen.contains("is an admin token (asked admin, "),
        "{screen}"
    );
    assert!(screen.contains("not confirmed"), "{screen}");
    assert!(s.all_token_ids(&s.admin).await.contains(&admin_tok));

    let env2 = env.map(|(k, v)| (k, v.to_owned()));
    let answer = first4.to_uppercase();
    let (code, screen) = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env2.iter().map(|(k, v)| (*k, v.as_str())).collect();
        on_a_terminal(&cmd, &env, PROMPT, &answer)
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "the first 4 characters, any case: {screen}");
    assert!(screen.contains(&format!("revoked {admin_tok}")), "{screen}");
    assert!(!s.all_token_ids(&s.admin).await.contains(&admin_tok));
}

/// The README's scripting example that revokes expired tokens, as the README writes it.
fn readme_jq_example() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let scripting = readme
        .split("## Scripting")
        .nth(1)
        .expect("a Scripting section");
    let line = scripting
        .lines()
        .find(|l| l.contains("| jq "))
        .expect("the jq example");
    line.split("  #").next().unwrap_or(line).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn readme_jq_example_revokes_exactly_the_expired_tokens() {
    common::tools::require("jq", "--version", "jq");
    let s = harness().seeded().start().await;
    let url = s.handle.url();
    let example = readme_jq_example();
    assert!(
        example.starts_with("tokentab tokens list --json | jq"),
        "{example}"
    );
    let all = list_json(&s, &[]).await;
    let expired = where_field(&all, "status", |s| s == "expired");
    assert_eq!(expired.len(), 4, "the demo data");
    let retired = all
        .iter()
        .find(|t| t["description"] == "Nightly backup job (retired)")
        .expect("the expired admin token");
    let retired_id = retired["token_id"].as_str().unwrap().to_owned();
    let bin_dir = std::path::Path::new(BIN)
        .parent()
        .unwrap()
        .display()
        .to_string();
    let path = format!("{bin_dir}:{}", std::env::var("PATH").unwrap_or_default());

    // The old example picked every never-expiring token too; check it would have.
    let old = Command::new("sh")
        .arg("-c")
        .arg("tokentab tokens list --json | jq -r '.[] | select(.expiry < now) | .token_id'")
        .env("PATH", &path)
        .env("TOKENTAB_URL", &url)
        .env("TOKENTAB_TOKEN", &s.admin)
        .output()
        .expect("sh");
    let old_ids = text(&old.stdout).lines().count();
    assert!(old_ids > expired.len(), "the bug the README had: {old_ids}");

    // Without a terminal (cron, CI): the expired admin token is not revoked without --yes, and
    // so nothing is; xargs says its command failed.
    let o = Command::new("setsid")
        .args(["-w", "sh", "-c", &example])
        .env("PATH", &path)
        .env("TOKENTAB_URL", &url)
        .env("TOKENTAB_TOKEN", &s.admin)
        .stdin(Stdio::null())
        .output()
        .expect("sh");
    assert_ne!(o.status.code(), Some(0));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("{retired_id} is an admin token")),
        "{err}"
    );
    assert_eq!(s.all_token_ids(&s.admin).await.len(), all.len(), "{err}");

    // On a terminal: asked for the admin token, answered; exactly the expired ones go.
    let first4: String = retired_id.chars().take(4).collect();
    let env = [
        ("PATH".to_owned(), path.clone()),
        ("TOKENTAB_URL".to_owned(), url.clone()),
        ("TOKENTAB_TOKEN".to_owned(), s.admin.clone()),
    ];
    let (code, screen) = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        on_a_terminal(&example, &env, PROMPT, &first4)
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{screen}");
    let live = s.all_token_ids(&s.admin).await;
    assert_eq!(live.len(), all.len() - expired.len(), "{screen}");
    for id in &expired {
        assert!(!live.contains(id), "{id} still live: {screen}");
        assert!(screen.contains(&format!("revoked {id}")), "{screen}");
    }
    for t in &all {
        if t["status"] == "never" {
            assert!(live.iter().any(|l| t["token_id"] == *l), "{t}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_pipe_ends_quietly_with_0() {
    let s = harness().seeded().start().await;
    let url = s.handle.url();
    for args in [
        "list --csv",
        "list --json",
        "list",
        "audit --csv",
        "audit --json",
    ] {
        // `true` has closed the pipe long before the list arrives; `head -1` as in the issue.
        for reader in ["true", "head -1 >/dev/null"] {
            let script =
                format!("tokentab tokens {args} | {reader}; echo \"rc=${{PIPESTATUS[0]}}\"");
            let bin_dir = std::path::Path::new(BIN)
                .parent()
                .unwrap()
                .display()
                .to_string();
            let o = tokio::process::Command::new("bash")
                .args(["-c", &script])
                .env(
                    "PATH",
                    format!("{bin_dir}:{}", std::env::var("PATH").unwrap_or_default()),
                )
                .env("TOKENTAB_URL", &url)
                .env("TOKENTAB_TOKEN", &s.admin)
                .output()
                .await
                .expect("bash");
            assert_eq!(text(&o.stdout), "rc=0\n", "{script}: {}", text(&o.stderr));
            assert_eq!(text(&o.stderr), "", "{script}");
        }
    }
}

/// A closed stdout stops `revoke`'s output, never its revokes, and its exit code stays theirs.
#[tokio::test(flavor = "multi_thread")]
async fn revoke_into_a_closed_pipe_still_revokes_every_id() {
    let s = harness().seeded().start().await;
    let url = s.handle.url();
    let (_, a) = s.mint(None, json!({"description": "pipe a"})).await;
    let (_, b) = s.mint(None, json!({"description": "pipe b"})).await;
    let bin_dir = std::path::Path::new(BIN)
        .parent()
        .unwrap()
        .display()
        .to_string();
    let path = format!("{bin_dir}:{}", std::env::var("PATH").unwrap_or_default());
    let run = |ids: String| {
        let script = format!("tokentab tokens revoke {ids} | true; echo \"rc=${{PIPESTATUS[0]}}\"");
        tokio::process::Command::new("bash")
            .args(["-c", &script])
            .env("PATH", &path)
            .env("TOKENTAB_URL", &url)
            .env("TOKENTAB_TOKEN", &s.admin)
            .output()
    };
    let o = run(format!("{a} {b}")).await.expect("bash");
    assert_eq!(text(&o.stdout), "rc=0\n", "{}", text(&o.stderr));
    let live = s.all_token_ids(&s.admin).await;
    assert!(!live.contains(&a) && !live.contains(&b));
    let o = run(format!("{a} --json")).await.expect("bash");
    assert_eq!(text(&o.stdout), "rc=1\n", "{}", text(&o.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_csv_and_action() {
    let s = harness().seeded().start().await;
    let url = s.handle.url();
    let (secret, gone) = s
        .mint(None, json!({"description": "audited, \"quoted\""}))
        .await;
    let (st, _) = s
        .delete(&s.admin, &format!("/access/api/v1/tokens/{gone}"))
        .await;
    assert!(st.is_success());

    let o = tokens(&url, &s.admin, &["audit", "--csv", "--action", "revoke"]).await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        !out.contains(&secret) && !out.contains(&s.admin),
        "never a secret"
    );
    let lines: Vec<&str> = out.split_terminator("\r\n").collect();
    assert_eq!(
        lines[0],
        "time,actor,actor_token_id,action,token_id,device,description,source,result,count"
    );
    assert!(lines.len() >= 2, "{out}");
    for l in &lines[1..] {
        let cells: Vec<&str> = l.split(',').collect();
        assert_eq!(cells[3], "revoke", "{l}");
        assert!(cells[0].ends_with('Z') && cells[0].contains('T'), "{l}");
    }
    let row = lines
        .iter()
        .find(|l| l.contains(&gone))
        .unwrap_or_else(|| panic!("no row for {gone}: {out}"));
    assert!(
        row.contains(",\"audited, \"\"quoted\"\"\","),
        "RFC 4180: {row}"
    );
    assert!(row.ends_with(",ok,1"), "{row}");

    let o = tokens(&url, &s.admin, &["audit", "--json", "--action", "create"]).await;
    let v: Vec<Value> = serde_json::from_slice(&o.stdout).expect("json");
    assert!(!v.is_empty());
    assert!(v.iter().all(|e| e["action"] == "create"), "{v:?}");
    assert!(v.iter().any(|e| e["token_id"] == *gone.as_str()));
}

#[test]
fn every_tokens_argument_has_help_and_readonly_only_where_it_acts() {
    use clap::CommandFactory;
    let cli = tokentab::cli::Cli::command();
    let tokens = cli.find_subcommand("tokens").expect("tokens");
    let mut missing = Vec::new();
    for sub in tokens.get_subcommands() {
        for arg in sub.get_arguments() {
            let id = arg.get_id().as_str();
            if arg.is_hide_set() || id == "help" || id == "version" {
                continue;
            }
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("tokens {} {id}", sub.get_name()));
            }
        }
    }
    assert!(missing.is_empty(), "no help text: {missing:?}");

    let help = |args: &[&str]| {
        let o = Command::new(BIN)
            .args(args)
            .arg("--help")
            .output()
            .expect("help");
        assert!(o.status.success());
        text(&o.stdout)
    };
    for sub in ["list", "audit"] {
        let h = help(&["tokens", sub]);
        assert!(!h.contains("--readonly"), "tokens {sub}: {h}");
    }
    for sub in ["create", "revoke", "rotate"] {
        let h = help(&["tokens", sub]);
        assert!(h.contains("--readonly"), "tokens {sub}: {h}");
    }
    let h = help(&["tokens", "list"]);
    assert!(
        h.contains("--status <S[,S…]>") && h.contains("--scope <K[,K…]>"),
        "{h}"
    );
    let h = help(&["tokens", "revoke"]);
    assert!(h.contains("--yes") && h.contains("Token ids"), "{h}");
}
