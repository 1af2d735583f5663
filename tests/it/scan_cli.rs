//! Issue 20 item 2: the real `tokentab scan` against a real service (harness: both backends).
//! A tree with live, revoked, foreign-checksum and look-alike strings → exactly the live ones
//! reported; `--revoke --yes` → 401 at the next request; exit codes; stdin; `--git` finds a
//! token only in history; a non-admin token is refused; no output carries more than the first
//! 8 characters of any planted secret.

use crate::cli_admin::AdminCli;
use crate::common::service::{TestService, harness};

use std::path::Path;
use std::process::{Output, Stdio};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokentab::model::token_format::{self, Shape};

const ME: &str = "/access/api/v1/tokens/me";

/// `tokentab scan <args> --url … --token-file <tf>`, with `stdin` when given.
async fn scan(cli: &AdminCli, tf: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    cli.spawn("scan", tf, args, stdin).await
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Exit `code`; no output holds more than 8 characters of any of `secrets`.
fn exits(o: &Output, code: i32, secrets: &[&str]) -> (String, String) {
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(code), "stdout: {out}\nstderr: {err}");
    for s in secrets {
        assert!(
            !out.contains(&s[..9]) && !err.contains(&s[..9]),
            "more than 8 characters of a secret printed:\n{out}\n{err}"
        );
    }
    (out, err)
}

fn look_alike(secret: &str) -> String {
    let mut b = secret.as_bytes().to_vec();
    b[25] = if b[25] == b'Z' { b'Y' } else { b'Z' };
    let s = String::from_utf8(b).unwrap();
    assert_eq!(token_format::shape(&s), Shape::BadChecksum);
    s
}

struct Planted {
    live: Vec<(String, String)>,
    all: Vec<String>,
}

/// Two live tokens, one revoked, one of a valid checksum this server never made, one
/// look-alike, spread over a tree.
async fn plant(s: &TestService, root: &Path) -> Planted {
    let (live1, id1) = s
        .mint(
            None,
            json!({"username": "alice", "description": "ci deploy"}),
        )
        .await;
    let (live2, id2) = s
        .mint(None, json!({"username": "bob", "description": "edge"}))
        .await;
    let (revoked, rid) = s.mint(None, json!({"username": "alice"})).await;
    let (st, v) = s
        .delete(&s.admin, &format!("/access/api/v1/tokens/{rid}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let foreign = token_format::encode(&[0x42; 32]);
    let fake = look_alike(&live1);
    std::fs::create_dir_all(root.join("app/conf")).unwrap();
    std::fs::write(
        root.join("app/conf/deploy.env"),
        format!("# deploy\nTOKENTAB_TOKEN={live1}\n"),
    )
    .unwrap();
    std::fs::write(
        root.join("notes.md"),
        format!("old: `{revoked}`\nexample: {fake}\nother server: {foreign}\n"),
    )
    .unwrap();
    std::fs::write(
        root.join("app/run.sh"),
        format!("curl -H 'Authorization: Bearer {live2}'\n"),
    )
    .unwrap();
    Planted {
        all: vec![live1.clone(), live2.clone(), revoked, foreign, fake],
        live: vec![(live1, id1), (live2, id2)],
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn exactly_the_live_tokens_are_reported_and_revoke_makes_them_401() {
    let s = harness().seeded().start().await;
    let cli = AdminCli::new(&s.handle.url());
    let tf = cli.token_file("admin.token", &s.admin);
    let root = cli.dir.path().join("tree");
    let p = plant(&s, &root).await;
    let secrets: Vec<&str> = p.all.iter().map(String::as_str).collect();
    let tree = root.to_str().unwrap();

    // JSON: exactly the two live ones, located, with id and owner.
    let o = scan(&cli, &tf, &[tree, "--json"], None).await;
    let (out, err) = exits(&o, 1, &secrets);
    let v: Value = serde_json::from_str(&out).unwrap();
    let found = v["findings"].as_array().unwrap();
    let mut got: Vec<(String, String, String)> = found
        .iter()
        .map(|f| {
            assert_eq!(f["status"], "live", "{f}");
            (
                f["location"].as_str().unwrap().to_owned(),
                f["token_id"].as_str().unwrap().to_owned(),
                f["owner"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                format!("{tree}/app/conf/deploy.env:2"),
                p.live[0].1.clone(),
                "alice".to_owned()
            ),
            (
                format!("{tree}/app/run.sh:1"),
                p.live[1].1.clone(),
                "bob".to_owned()
            ),
        ]
    );
    assert_eq!(found[0]["secret_prefix"].as_str().unwrap().len(), 8);
    assert!(
        err.contains("2 live, 1 revoked, 1 unknown, 1 bad checksum"),
        "{err}"
    );

    // --all lists the others too, each with its status.
    let o = scan(&cli, &tf, &[tree, "--all"], None).await;
    let (out, _) = exits(&o, 1, &secrets);
    for status in ["live", "revoked", "unknown", "bad_checksum"] {
        assert!(out.contains(status), "{status} in {out}");
    }
    assert!(
        out.contains("notes.md:2") && out.contains("ci deploy"),
        "{out}"
    );

    // --revoke without --yes and without a terminal: refused, nothing revoked.
    let o = scan(&cli, &tf, &[tree, "--revoke"], None).await;
    let (_, err) = exits(&o, 2, &secrets);
    assert!(err.contains("--yes"), "{err}");
    let (st, _) = s.get(&p.live[0].0, ME).await;
    assert_eq!(st, StatusCode::OK);

    // --revoke --yes: both revoked; their next request is 401; a scan then finds none (0).
    let o = scan(&cli, &tf, &[tree, "--revoke", "--yes"], None).await;
    let (out, _) = exits(&o, 1, &secrets);
    assert_eq!(out.matches("live (revoked)").count(), 2, "{out}");
    for (secret, _) in &p.live {
        let (st, v) = s.get(secret, ME).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{v}");
    }
    let o = scan(&cli, &tf, &[tree], None).await;
    let (out, err) = exits(&o, 0, &secrets);
    assert_eq!(out, "", "nothing live: {err}");
    assert!(err.contains("0 live, 3 revoked"), "{err}");
    s.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stdin_usage_errors_and_a_non_admin_token() {
    let s = harness().seeded().start().await;
    let cli = AdminCli::new(&s.handle.url());
    let tf = cli.token_file("admin.token", &s.admin);
    let (live, id) = s
        .mint(None, json!({"username": "alice", "description": "pasted"}))
        .await;
    let log = format!("step 3\nexport T={live}\n");
    let o = scan(&cli, &tf, &["-"], Some(log.as_bytes())).await;
    let (out, _) = exits(&o, 1, &[&live]);
    let line = out.lines().nth(1).unwrap_or_default();
    assert!(line.starts_with("-:2 ") && line.contains(&id), "{out}");
    assert!(line.contains(&live[..8]), "{out}");
    // Nothing there: 0.
    let o = scan(&cli, &tf, &["-"], Some(b"nothing to see\n")).await;
    exits(&o, 0, &[&live]);
    // A path that is not there: 2.
    let missing = cli.dir.path().join("missing");
    let o = scan(&cli, &tf, &[missing.to_str().unwrap()], None).await;
    let (_, err) = exits(&o, 2, &[&live]);
    assert!(err.contains("missing"), "{err}");
    // A non-admin token: a clear refusal, 2.
    let user = cli.token_file("alice.token", &s.user_token("alice").await);
    let o = scan(&cli, &user, &["-"], Some(log.as_bytes())).await;
    let (out, err) = exits(&o, 2, &[&live]);
    assert_eq!(out, "");
    assert!(err.contains("needs an admin token"), "{err}");
    // Offline: the checksum alone says "a token" (exit 1, unchecked).
    let o = scan(&cli, &tf, &["-", "--offline"], Some(log.as_bytes())).await;
    let (out, _) = exits(&o, 1, &[&live]);
    assert!(out.contains("unchecked"), "{out}");
    s.handle.shutdown().await;
}

fn git(dir: &Path, args: &[&str]) {
    let st = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("git");
    assert!(st.success(), "git {args:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn git_finds_a_token_only_in_history() {
    let s = harness().seeded().start().await;
    let cli = AdminCli::new(&s.handle.url());
    let tf = cli.token_file("admin.token", &s.admin);
    let (live, id) = s.mint(None, json!({"username": "alice"})).await;
    let repo = cli.dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    std::fs::write(repo.join("ci.yml"), format!("steps:\n  token: {live}\n")).unwrap();
    git(&repo, &["add", "ci.yml"]);
    git(&repo, &["commit", "-q", "-m", "add"]);
    std::fs::write(repo.join("ci.yml"), "steps:\n  token: ${TOKEN}\n").unwrap();
    git(&repo, &["commit", "-q", "-am", "remove"]);
    let r = repo.to_str().unwrap();
    let o = scan(&cli, &tf, &[r], None).await;
    exits(&o, 0, &[&live]);
    let o = scan(&cli, &tf, &[r, "--git", "--json"], None).await;
    let (out, _) = exits(&o, 1, &[&live]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let found = v["findings"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{v}");
    let loc = found[0]["location"].as_str().unwrap();
    assert!(
        loc.ends_with(":ci.yml:2") && loc.len() == 12 + ":ci.yml:2".len(),
        "{loc}"
    );
    assert_eq!(found[0]["token_id"], id.as_str());
    s.handle.shutdown().await;
}

#[tokio::test]
async fn the_lookup_is_admin_only_bounded_and_takes_hashes_only() {
    use reqwest::Method;
    let s = harness().seeded().start().await;
    const LOOKUP: &str = "/tokentab/api/v1/tokens/lookup";
    let (live, id) = s
        .mint(None, json!({"username": "alice", "description": "d"}))
        .await;
    let hex = |secret: &str| -> String {
        tokentab::service::hash_secret(secret)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let (st, v) = s
        .call(
            Method::POST,
            Some(&s.admin),
            LOOKUP,
            Some(json!({"sha256": [hex(&live), "0".repeat(64)]})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["tokens"][0]["status"], "live");
    assert_eq!(v["tokens"][0]["token_id"], id.as_str());
    assert_eq!(v["tokens"][0]["username"], "alice");
    assert_eq!(
        v["tokens"][1],
        json!({"sha256": "0".repeat(64), "status": "unknown"})
    );
    // A secret instead of a hash, too many hashes, a non-admin: refused.
    let (st, v) = s
        .call(
            Method::POST,
            Some(&s.admin),
            LOOKUP,
            Some(json!({"sha256": [live]})),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    let many: Vec<String> = (0..101).map(|_| "a".repeat(64)).collect();
    let (st, v) = s
        .call(
            Method::POST,
            Some(&s.admin),
            LOOKUP,
            Some(json!({"sha256": many})),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    let alice = s.user_token("alice").await;
    let (st, v) = s
        .call(
            Method::POST,
            Some(&alice),
            LOOKUP,
            Some(json!({"sha256": [hex(&live)]})),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    s.handle.shutdown().await;
}

/// `tokentab scan FILE --revoke` in a terminal (tmux): the question on the terminal, "no"
/// revokes nothing, "revoke" revokes every live token found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_asks_on_the_terminal() {
    use crate::common::tmux::TmuxSession;
    use std::time::Duration;
    let s = harness().seeded().start().await;
    let cli = AdminCli::new(&s.handle.url());
    let tf = cli.token_file("admin.token", &s.admin);
    let (a, _) = s
        .mint(None, json!({"username": "alice", "description": "a"}))
        .await;
    let (b, _) = s
        .mint(None, json!({"username": "bob", "description": "b"}))
        .await;
    let file = cli.file("leak.txt", &format!("{a}\nand {b}\n"));
    let script = format!(
        "'{}' scan '{}' --revoke --url '{}' --token-file '{}'; echo \"exit=$?\"",
        env!("CARGO_BIN_EXE_tokentab"),
        file.display(),
        cli.url,
        tf.display()
    );
    let session = |answer: &'static str, script: String| {
        tokio::task::spawn_blocking(move || {
            let t = TmuxSession::start(&["bash", "-c", &script], 160, 30, &[("NO_COLOR", "1")]);
            t.wait_text("Type \"revoke\"", Duration::from_secs(60));
            t.type_text(answer);
            t.keys(&["Enter"]);
            t.wait_text("exit=", Duration::from_secs(60))
        })
    };
    let screen = session("no", script.clone()).await.unwrap();
    assert!(screen.contains("revoke 2 live token(s)?"), "{screen}");
    assert!(
        screen.contains("nothing revoked") && screen.contains("exit=1"),
        "{screen}"
    );
    for secret in [&a, &b] {
        assert!(!screen.contains(&secret[..9]), "{screen}");
        assert_eq!(s.get(secret, ME).await.0, StatusCode::OK);
    }
    let screen = session("revoke", script).await.unwrap();
    assert!(
        screen.contains("live (revoked)") && screen.contains("exit=1"),
        "{screen}"
    );
    for secret in [&a, &b] {
        assert!(!screen.contains(&secret[..9]), "{screen}");
        assert_eq!(s.get(secret, ME).await.0, StatusCode::UNAUTHORIZED);
    }
    s.handle.shutdown().await;
}

/// Against a JFrog Platform (no lookup endpoint: 404) scan says so, still reports what the
/// checksum alone tells (exit 1), and what it sent was a hash, never the secret.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_without_the_lookup_is_said_and_the_offline_results_printed() {
    use crate::common::fault_server::FaultServer;
    let server = FaultServer::start().await;
    let cli = AdminCli::new(&server.url());
    let tf = cli.token_file("jfrog.token", &token_format::encode(&[9; 32]));
    let leaked = token_format::encode(&[0x33; 32]);
    let fake = look_alike(&leaked);
    let o = scan(
        &cli,
        &tf,
        &["-"],
        Some(format!("{leaked}\n{fake}\n").as_bytes()),
    )
    .await;
    let (out, err) = exits(&o, 1, &[&leaked, &fake]);
    assert!(
        err.contains("no token lookup") && err.contains("JFrog Platform"),
        "{err}"
    );
    assert!(err.contains("1 bad checksum, 1 unchecked"), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "the header and the token: {out}");
    assert!(
        lines[1].starts_with("-:1 ") && lines[1].contains("unchecked"),
        "{out}"
    );
    let asked = server.requests();
    assert_eq!(asked.len(), 1, "{asked:?}");
    let body = String::from_utf8_lossy(&asked[0].body);
    assert!(!body.contains("tkt_"), "{body}");
    let hash: String = tokentab::service::hash_secret(&leaked)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(body, format!("{{\"sha256\":[\"{hash}\"]}}"));
}

/// A file name that would drive a terminal reaches it escaped (descriptions are refused such
/// characters by the service itself).
#[tokio::test(flavor = "multi_thread")]
async fn hostile_names_and_descriptions_never_reach_the_terminal_raw() {
    let s = harness().seeded().start().await;
    let cli = AdminCli::new(&s.handle.url());
    let tf = cli.token_file("admin.token", &s.admin);
    let (live, _) = s
        .mint(None, json!({"username": "alice", "description": "d"}))
        .await;
    let dir = cli.dir.path().join("tree");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("x\u{1b}]52;c;QUFB\u{7}\u{202e}.txt"),
        format!("{live}\n"),
    )
    .unwrap();
    for json in [false, true] {
        let mut args = vec![dir.to_str().unwrap()];
        if json {
            args.push("--json");
        }
        let o = scan(&cli, &tf, &args, None).await;
        let (out, err) = exits(&o, 1, &[&live]);
        for text in [&out, &err] {
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{202e}'),
                "{text:?}"
            );
        }
        assert!(out.contains("52;c;QUFB"), "the name, escaped: {out}");
    }
    s.handle.shutdown().await;
}
