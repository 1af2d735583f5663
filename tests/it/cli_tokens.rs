//! The real `tokentab tokens …` binary against a scripted server: stdout, stderr, exit codes.

use crate::common;

use std::path::Path;
use std::process::Output;

use common::fault_server::{FaultServer, Reply};
use serde_json::json;

const TOKENS: &str = "/access/api/v1/tokens";
const TOKEN: &str = "cli-test-token-Zq9";

async fn run(url: Option<&str>, token: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tokentab"));
    cmd.env_remove("TOKENTAB_URL")
        .env_remove("TOKENTAB_TOKEN")
        .env("NO_COLOR", "1")
        .arg("tokens")
        .args(args);
    if let Some(u) = url {
        cmd.arg("--url").arg(u);
    }
    if let Some(t) = token {
        cmd.env("TOKENTAB_TOKEN", t);
    }
    cmd.output().await.expect("run tokentab")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn never_leaks_token(o: &Output) {
    assert!(!text(&o.stdout).contains(TOKEN));
    assert!(!text(&o.stderr).contains(TOKEN));
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn list_body() -> serde_json::Value {
    let n = now();
    json!({"tokens":[
        {"token_id":"tid-aaaa","subject":"jfac@01fm/users/alice","issuer":"jfac@01fm",
         "issued_at": n - 86_400, "expiry": n + 3 * 86_400 + 3_600, "description":"ci deploy",
         "scope":"applied-permissions/user"},
        {"token_id":"tid-bbbb","subject":"jfac@01fm/users/bob","issuer":"jfac@01fm",
         "issued_at": n - 86_400, "expiry": n - 60, "description":"\u{1b}[31mred\u{1b}[0m \u{202e}evil",
         "scope":"connect:fleet:demo/edge:rw connect:device:demo/d-1:r"},
        {"token_id":"tid-cccc","subject":"admin","issuer":"jfac@01fm",
         "issued_at": n - 86_400, "description":"forever"}
    ]})
}

#[tokio::test(flavor = "multi_thread")]
async fn list_prints_a_sanitised_aligned_table() {
    let s = FaultServer::start().await;
    s.on("GET", TOKENS, vec![Reply::json_value(200, &list_body())]);
    let o = run(Some(&s.url()), Some(TOKEN), &["list"]).await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].starts_with("Description"));
    for h in ["Subject name", "Token ID", "Issued", "Expiry", "Scope"] {
        assert!(lines[0].contains(h), "{}", lines[0]);
    }
    // Display columns (the replacement character is one column, three bytes).
    let column = |line: &str, needle: &str| line.find(needle).map(|i| line[..i].chars().count());
    let col = column(lines[0], "Token ID");
    for (line, id) in lines[1..].iter().zip(["tid-aaaa", "tid-bbbb", "tid-cccc"]) {
        assert_eq!(column(line, id), col, "aligned: {out}");
    }
    assert!(lines[1].contains("alice") && lines[1].contains("in 3 d") && lines[1].contains("User"));
    assert!(lines[2].contains("expired") && lines[2].contains("Custom"));
    assert!(lines[3].contains("never") && lines[3].contains("admin"));
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{202e}'),
        "{out:?}"
    );
    let auth = s.requests()[0].header("authorization").map(str::to_owned);
    assert_eq!(auth.as_deref(), Some(&*format!("Bearer {TOKEN}")));
    never_leaks_token(&o);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_json_and_filters() {
    let s = FaultServer::start().await;
    s.on("GET", TOKENS, vec![Reply::json_value(200, &list_body())]);
    let o = run(Some(&s.url()), Some(TOKEN), &["list", "--json"]).await;
    assert!(o.status.success());
    let v: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).expect("json array");
    assert_eq!(v.len(), 3);
    assert_eq!(v[0]["subject"], "jfac@01fm/users/alice");

    let o = run(
        Some(&s.url()),
        Some(TOKEN),
        &["list", "--json", "--expiring", "7d"],
    )
    .await;
    let v: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).expect("json array");
    let ids: Vec<_> = v
        .iter()
        .map(|t| t["token_id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ids, ["tid-aaaa"], "only the one expiring within 7 days");

    let o = run(
        Some(&s.url()),
        Some(TOKEN),
        &["list", "--json", "--description", "for*", "--user", "admin"],
    )
    .await;
    let v: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).expect("json array");
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["token_id"], "tid-cccc");
    let last = s.requests().pop().expect("request");
    assert!(last.query.contains("username=admin"), "{}", last.query);

    let o = run(Some(&s.url()), Some(TOKEN), &["list", "--expiring", "soon"]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).starts_with("tokentab: --expiring"));
}

#[tokio::test(flavor = "multi_thread")]
async fn api_errors_exit_1_and_usage_errors_exit_2() {
    let s = FaultServer::start().await;
    s.on(
        "GET",
        TOKENS,
        vec![Reply::json(
            401,
            r#"{"errors":[{"code":"UNAUTHORIZED","message":"Bad token"}]}"#,
        )],
    );
    let o = run(Some(&s.url()), Some(TOKEN), &["list"]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let err = text(&o.stderr);
    assert!(
        err.starts_with("tokentab: the server rejected the token"),
        "{err}"
    );
    assert!(err.contains("Bad token"));
    never_leaks_token(&o);

    // No token at all: usage.
    let o = run(Some(&s.url()), None, &["list"]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("TOKENTAB_TOKEN"));

    // clap usage errors.
    let o = run(Some(&s.url()), Some(TOKEN), &["revoke"]).await;
    assert_eq!(o.status.code(), Some(2));
    let o = run(Some(&s.url()), Some(TOKEN), &["list", "--bogus"]).await;
    assert_eq!(o.status.code(), Some(2));
    let o = run(Some(&s.url()), Some(TOKEN), &["revoke", ".."]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(s.requests().iter().all(|r| r.method != "DELETE"));

    // Nothing listening: network error, exit 1.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let o = run(
        Some(&format!("http://{addr}")),
        Some(TOKEN),
        &["revoke", "x"],
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("cannot reach the server"),
        "{}",
        text(&o.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_prints_only_the_secret_on_stdout() {
    let s = FaultServer::start().await;
    let secret = "SECRET-abcdefghijklmnopqrstuvwxyz-0123456789";
    s.on(
        "POST",
        TOKENS,
        vec![Reply::json_value(
            200,
            &json!({"token_id":"new-id-1","access_token":secret,"expires_in":7_776_000,
                    "scope":"applied-permissions/user","token_type":"Bearer"}),
        )],
    );
    let o = run(
        Some(&s.url()),
        Some(TOKEN),
        &["create", "-d", "ci deploy", "--user", "alice"],
    )
    .await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), format!("{secret}\n"));
    let err = text(&o.stderr);
    assert!(err.contains("new-id-1"), "{err}");
    assert!(!err.contains(secret));
    never_leaks_token(&o);
    let body: serde_json::Value =
        serde_json::from_slice(&s.requests()[0].body).expect("request json");
    assert_eq!(body["description"], "ci deploy");
    assert_eq!(body["username"], "alice");
    assert_eq!(body["scope"], "applied-permissions/user");
    let exp = body["expires_in"].as_u64().expect("expires_in");
    assert!((89 * 86_400..=90 * 86_400).contains(&exp), "{exp}");

    // --json: everything on stdout.
    let o = run(
        Some(&s.url()),
        Some(TOKEN),
        &[
            "create",
            "-d",
            "edge",
            "--scope",
            "connect:fleet:demo/edge-eu:rw",
            "-e",
            "never",
            "--json",
        ],
    )
    .await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["access_token"], secret);
    assert_eq!(v["token_id"], "new-id-1");
    let body: serde_json::Value =
        serde_json::from_slice(&s.requests()[1].body).expect("request json");
    assert_eq!(body["scope"], "connect:fleet:demo/edge-eu:rw");
    assert_eq!(body["audience"], "jfcon@*");
    assert_eq!(body["expires_in"], 0);
    assert!(body.get("username").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn create_usage_errors_send_nothing_and_api_errors_exit_1() {
    let s = FaultServer::start().await;
    s.on(
        "POST",
        TOKENS,
        vec![Reply::json(
            403,
            r#"{"errors":[{"code":"FORBIDDEN","message":"Not an admin"}]}"#,
        )],
    );
    for args in [
        &["create", "-d", "x", "-e", "yesterday"][..],
        &["create", "-d", "x", "--scope", "connect:nope"][..],
        &["create", "-d", "", "-e", "+1d"][..],
        &[
            "create",
            "-d",
            "x",
            "--user",
            "a",
            "--scope",
            "applied-permissions/admin",
        ][..],
    ] {
        let o = run(Some(&s.url()), Some(TOKEN), args).await;
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert!(o.stdout.is_empty());
    }
    assert_eq!(s.count("POST", TOKENS), 0);
    let o = run(Some(&s.url()), Some(TOKEN), &["create", "-d", "x"]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let err = text(&o.stderr);
    assert!(
        err.starts_with("tokentab: your token lacks the right"),
        "{err}"
    );
    assert!(err.contains("Not an admin"));
    assert_eq!(s.count("POST", TOKENS), 1, "never retried");
}

#[tokio::test(flavor = "multi_thread")]
async fn revoke_several() {
    let s = FaultServer::start().await;
    s.on("DELETE", &format!("{TOKENS}/a1"), vec![Reply::empty(200)]);
    s.on("DELETE", &format!("{TOKENS}/b2"), vec![Reply::empty(204)]);
    s.on(
        "DELETE",
        &format!("{TOKENS}/c3"),
        vec![Reply::json(
            400,
            r#"{"code":"BAD_REQUEST","message":"Token not revocable","detail":"…"}"#,
        )],
    );
    let o = run(Some(&s.url()), Some(TOKEN), &["revoke", "a1"]).await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "revoked a1\n");
    // b2 was not revoked (the server's 204): said on stderr, and not a success.
    let o = run(Some(&s.url()), Some(TOKEN), &["revoke", "a1", "b2"]).await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "revoked a1\n");
    assert!(
        text(&o.stderr).contains("b2: not revoked: unknown, already revoked or not yours"),
        "{}",
        text(&o.stderr)
    );
    let o = run(
        Some(&s.url()),
        Some(TOKEN),
        &["revoke", "a1", "c3", "--json"],
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v[0]["result"], "revoked");
    assert_eq!(v[1]["result"], "error");
    assert!(text(&o.stderr).contains("Token not revocable"));
    assert_eq!(s.count("DELETE", &format!("{TOKENS}/c3")), 1);
}

fn write_token_file(dir: &Path, mode: u32) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(format!("token-{mode:o}"));
    std::fs::write(&p, format!("{TOKEN}\n")).expect("write");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    p
}

#[tokio::test(flavor = "multi_thread")]
async fn token_file_permissions() {
    let s = FaultServer::start().await;
    s.on("GET", TOKENS, vec![Reply::json(200, r#"{"tokens":[]}"#)]);
    let dir = tempfile::tempdir().expect("tempdir");
    let open = write_token_file(dir.path(), 0o644);
    let o = run(
        Some(&s.url()),
        None,
        &["list", "--token-file", open.to_str().expect("utf8")],
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("chmod 600"), "{}", text(&o.stderr));
    assert_eq!(s.count("GET", TOKENS), 0);

    // Group-readable is refused too, as ssh does for private keys.
    let group = write_token_file(dir.path(), 0o640);
    let o = run(
        Some(&s.url()),
        None,
        &["list", "--token-file", group.to_str().expect("utf8")],
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("chmod 600"), "{}", text(&o.stderr));
    assert_eq!(s.count("GET", TOKENS), 0);

    let private = write_token_file(dir.path(), 0o600);
    let o = run(
        Some(&s.url()),
        Some("ignored-env-token"),
        &["list", "--token-file", private.to_str().expect("utf8")],
    )
    .await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(o.stderr.is_empty(), "{}", text(&o.stderr));
    let last = s.requests().pop().expect("request");
    assert_eq!(
        last.header("authorization"),
        Some(&*format!("Bearer {TOKEN}")),
        "the file beats the environment"
    );
    never_leaks_token(&o);
}

#[tokio::test(flavor = "multi_thread")]
async fn url_from_the_environment() {
    let s = FaultServer::start().await;
    s.on("GET", TOKENS, vec![Reply::json(200, r#"{"tokens":[]}"#)]);
    let o = tokio::process::Command::new(env!("CARGO_BIN_EXE_tokentab"))
        .args(["tokens", "list", "--json"])
        .env("TOKENTAB_URL", s.url())
        .env("TOKENTAB_TOKEN", TOKEN)
        .output()
        .await
        .expect("run");
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout).trim(), "[]");
    assert_eq!(s.count("GET", TOKENS), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_and_man_page() {
    let bin = env!("CARGO_BIN_EXE_tokentab");
    for shell in ["bash", "zsh", "fish"] {
        let o = tokio::process::Command::new(bin)
            .args(["completions", shell])
            .output()
            .await
            .expect("run");
        assert!(o.status.success());
        assert!(text(&o.stdout).contains("tokens"), "{shell}");
    }
    let o = tokio::process::Command::new(bin)
        .arg("man")
        .output()
        .await
        .expect("run");
    assert!(o.status.success());
    assert!(text(&o.stdout).contains(".TH tokentab"));
    let o = tokio::process::Command::new(bin)
        .args(["config", "show"])
        .env("TOKENTAB_URL", "http://127.0.0.1:9")
        .env("TOKENTAB_TOKEN", TOKEN)
        .output()
        .await
        .expect("run");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let shown = text(&o.stdout);
    assert!(shown.contains("http://127.0.0.1:9"), "{shown}");
    assert!(shown.contains("TOKENTAB_TOKEN"), "{shown}");
    never_leaks_token(&o);
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_with_nowhere_to_copy_is_refused_before_anything_is_created() {
    let s = FaultServer::start().await;
    let o = tokio::process::Command::new(env!("CARGO_BIN_EXE_tokentab"))
        .args([
            "--clipboard",
            "off",
            "tokens",
            "create",
            "-d",
            "x",
            "--copy",
        ])
        .args(["--url", &s.url()])
        .env("TOKENTAB_TOKEN", TOKEN)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("TMUX")
        .output()
        .await
        .expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty());
    let err = text(&o.stderr);
    assert!(
        err.contains("nowhere to copy the token (clipboard is off)")
            && err.contains("nothing was created")
            && err.contains("drop --copy")
            && err.contains("--clipboard"),
        "{err}"
    );
    assert!(!err.contains("copy it from the screen"), "{err}");
    assert_eq!(s.count("POST", TOKENS), 0, "no create was sent");
    assert_eq!(s.count("DELETE", &format!("{TOKENS}/copy-1")), 0);
}

/// Flags, extra environment, and the reason the refusal must name.
type Case = (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
    &'static str,
);

/// The same against the real service, for each way of having nowhere to copy: the clipboard
/// off; `auto` on the Linux console outside tmux; OSC 52 with no terminal (`setsid`). Exit 2 and
/// the service's token list unchanged.
#[tokio::test(flavor = "multi_thread")]
async fn copy_with_nowhere_to_copy_leaves_the_service_untouched() {
    let svc = common::service::harness().start().await;
    let listed = |svc: &common::service::TestService| {
        let (url, admin) = (svc.url(TOKENS), svc.admin.clone());
        async move {
            let v: serde_json::Value = common::service::client()
                .get(url)
                .bearer_auth(admin)
                .send()
                .await
                .expect("list")
                .json()
                .await
                .expect("json");
            v["tokens"].as_array().expect("tokens").len()
        }
    };
    let before = listed(&svc).await;
    let cases: [Case; 3] = [
        (&["--clipboard", "off"], &[], "clipboard is off"),
        (
            &["--clipboard", "auto"],
            &[("TERM", "linux")],
            "the Linux console has no clipboard",
        ),
        (
            &["--clipboard", "osc52"],
            &[("TERM", "xterm")],
            "no terminal to send OSC 52 to",
        ),
    ];
    for (flags, env, why) in cases {
        let o = tokio::process::Command::new("setsid")
            .arg("-w")
            .arg(env!("CARGO_BIN_EXE_tokentab"))
            .args(flags)
            .args(["tokens", "create", "-d", "nowhere to copy", "--copy"])
            .args(["--url", &svc.handle.url()])
            .env("TOKENTAB_TOKEN", &svc.admin)
            .env_remove("TOKENTAB_URL")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("TMUX")
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .expect("run");
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{flags:?}: {err}");
        assert!(o.stdout.is_empty(), "{flags:?}");
        assert!(
            err.contains(why) && err.contains("nothing was created"),
            "{err}"
        );
        assert_eq!(listed(&svc).await, before, "{flags:?}: a token was created");
    }
}
