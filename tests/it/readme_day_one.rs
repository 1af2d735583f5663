//! The README's "Day one with a team", run as written: its `serve` line started (on a free port,
//! in a temp dir; on the PostgreSQL pass on a fresh schema), then its command block run by bash
//! with the real binary first on PATH. Then the state it promises is checked over HTTP, and the
//! tab (tmux, 80×24) makes the same Custom fleet token for alice from the imported fleet.

use std::path::Path;
use std::process::Output;

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::service::child::{self as serve_child, ServeChild};
use crate::common::tab::{
    Home, WAIT, assert_token_of, launch, make_custom_fleet_token, wait_exit, wait_table,
};
use crate::common::tools::require_tmux;

const README: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));

/// The section's first two `sh` blocks: the service's terminal, then the admin's.
fn blocks() -> (String, String) {
    let start = README
        .find("## Day one with a team")
        .expect("the README's day-one section");
    let section = &README[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let mut blocks = section.split("```sh\n").skip(1).map(|b| {
        b[..b.find("\n```").expect("a closed code block")]
            .trim()
            .to_owned()
    });
    let serve = blocks.next().expect("the serve block");
    let admin = blocks.next().expect("the admin block");
    (serve, admin)
}

/// `tokentab serve …` as written, with the README's port replaced by a free one and its
/// relative data dir put under `dir`.
async fn start_serve(line: &str, dir: &Path) -> ServeChild {
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(&words[..2], ["tokentab", "serve"], "{line}");
    let mut args: Vec<String> = Vec::new();
    let mut it = words[2..].iter();
    while let Some(w) = it.next() {
        args.push((*w).to_owned());
        match *w {
            "--listen" => {
                assert_eq!(it.next(), Some(&"127.0.0.1:8082"), "{line}");
                args.push("127.0.0.1:0".into());
            }
            "--data-dir" => {
                let rel = it.next().expect("a data dir");
                args.push(dir.join(rel).display().to_string());
            }
            _ => {}
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    serve_child::start(&args, None).await
}

/// Runs the admin block with bash in `dir`, the real binary first on PATH, a private home.
fn run_block(script: &str, dir: &Path, home: &Home) -> Output {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_tokentab"))
        .parent()
        .expect("the binary's dir");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = std::process::Command::new("bash");
    cmd.arg("-c").arg(script).current_dir(dir).env("PATH", path);
    for (k, v) in home.env() {
        cmd.env(k, v);
    }
    cmd.output().expect("run bash")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

async fn get(http: &reqwest::Client, url: &str, token: &str) -> (StatusCode, Value) {
    let resp = http.get(url).bearer_auth(token).send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_readme_day_one_walkthrough_runs_as_written_then_the_tab_makes_alice_a_fleet_token() {
    let (serve_block, admin_block) = blocks();
    let dir = tempfile::tempdir().unwrap();
    let serve = start_serve(&serve_block, dir.path()).await;
    assert!(
        admin_block.contains("http://127.0.0.1:8082"),
        "{admin_block}"
    );
    let script = admin_block.replace("http://127.0.0.1:8082", &serve.url);
    let home = Home::new();
    let out = run_block(&script, dir.path(), &home);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "the README's block failed ({:?})\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    // The disabled user's fleet token was refused at once, and said why.
    assert!(stdout.contains("refused at once"), "{stdout}\n{stderr}");
    assert!(stderr.contains("disabled"), "{stderr}");
    // Her fleet token listed the three imported devices before that.
    for name in ["rpi-01", "rpi-02", "rpi-03"] {
        assert!(stdout.contains(name), "{name} listed:\n{stdout}");
    }
    // Nothing secret reached the output but the two secrets the block captured in variables.
    assert!(!stdout.contains("eyJ") && !stderr.contains("eyJ"));

    // The state the walkthrough promises, seen over HTTP with the admin token.
    let admin = std::fs::read_to_string(dir.path().join("team/admin.token"))
        .unwrap()
        .trim()
        .to_owned();
    let http = crate::common::service::client();
    let url = |p: &str| format!("{}{p}", serve.url);
    let (status, alice) = get(&http, &url("/access/api/v2/users/alice"), &admin).await;
    assert_eq!(status, StatusCode::OK, "{alice}");
    assert_eq!(alice["status"], "enabled");
    assert_eq!(alice["email"], "alice@example.com");
    let (_, members) = get(&http, &url("/access/api/v1/projects/lab/users"), &admin).await;
    assert_eq!(members["members"][0]["name"], "alice", "{members}");
    let (_, devices) = get(&http, &url("/api/v2/lab/devices?group_name=rpi"), &admin).await;
    assert_eq!(devices["devices"].as_array().unwrap().len(), 3, "{devices}");
    let (_, tokens) = get(&http, &url("/access/api/v1/tokens?username=alice"), &admin).await;
    let tokens = tokens["tokens"].as_array().unwrap().clone();
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    let (_, audit) = get(&http, &url("/tokentab/api/v1/audit?limit=100"), &admin).await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{audit}"))
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in [
        "user_add",
        "project_add",
        "member_add",
        "fleet_add",
        "device_import",
        "user_disable",
        "user_enable",
    ] {
        assert!(actions.contains(&a), "audit has {a}: {actions:?}");
    }

    tab_makes_a_fleet_token_for_alice(&serve.url, &admin, &http).await;
    serve.stop().await;
}

/// The tab at 80×24, as the README says: `n`, Custom, User alice, Fleet lab/rpi, Read, Generate
/// → a token of alice's naming exactly that fleet, which reads the imported devices.
async fn tab_makes_a_fleet_token_for_alice(url: &str, admin: &str, http: &reqwest::Client) {
    require_tmux();
    let home = Home::new();
    let t = launch(
        &home,
        80,
        24,
        &["--url", url, "--clipboard", "off"],
        None,
        &[("TOKENTAB_TOKEN", admin)],
    );
    wait_table(&t);
    let (secret, token_id) = make_custom_fleet_token(
        &t,
        "alice rpi from the tab",
        "alice",
        ("lab", "lab — Device lab"),
        ("rpi", "rpi (3 devices)"),
    );

    let (status, info) = get(
        http,
        &format!("{url}/access/api/v1/tokens/{token_id}"),
        admin,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_token_of(&info, "alice", "connect:fleet:lab/rpi:r");
    let (status, devices) = get(http, &format!("{url}/api/v2/lab/devices"), &secret).await;
    assert_eq!(status, StatusCode::OK, "{devices}");
    assert_eq!(devices["devices"].as_array().unwrap().len(), 3, "{devices}");

    t.keys(&["Escape"]);
    t.wait_text("it cannot be shown again", WAIT);
    t.type_text("q");
    assert_eq!(wait_exit(&t), 0);
}
