//! Issue 4: at trace log level, tokens made through the tab (read off the screen in tmux) and
//! through `tokentab tokens create` leave no trace: not in the log files, the database and its
//! -wal/-shm, any file under the data, config and state dirs, the tab's stderr, its argv
//! (/proc/PID/cmdline), or stdout beyond the one intended print (`tokens create`) and the one
//! display in the secret view.

mod non_dumpable;

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::screen::{secret_on, url_on};
use common::tab::*;
use common::tmux;
use reqwest::StatusCode;

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => files_under(&p, out),
            Ok(t) if t.is_file() => out.push(p),
            _ => {}
        }
    }
}

fn count(hay: &[u8], needle: &str) -> usize {
    let n = needle.as_bytes();
    if n.is_empty() || hay.len() < n.len() {
        return 0;
    }
    hay.windows(n.len()).filter(|w| *w == n).count()
}

/// No secret in any file under `root` (the service's own admin.token may hold the admin token).
fn assert_no_file_holds(root: &Path, secrets: &[(&str, &str)], admin: &str) -> usize {
    let mut files = Vec::new();
    files_under(root, &mut files);
    for f in &files {
        let bytes = std::fs::read(f).unwrap_or_default();
        for (what, s) in secrets {
            assert_eq!(count(&bytes, s), 0, "{what} found in {}", f.display());
        }
        if f.file_name().and_then(|n| n.to_str()) != Some("admin.token") {
            assert_eq!(
                count(&bytes, admin),
                0,
                "the admin token in {}",
                f.display()
            );
        }
    }
    files.len()
}

fn create_in_tab(t: &tmux::TmuxSession, desc: &str, custom: bool) -> String {
    t.type_text("n");
    t.wait_text("New token", WAIT);
    t.type_text(desc);
    if custom {
        t.keys(&["Tab", "Tab", "Space"]);
        t.wait_text("(•) Custom", WAIT);
        // User, Target entity, Project.
        t.keys(&["Tab", "Tab", "Tab", "Enter"]);
        t.wait_text("Choose a project", WAIT);
        pick_only(t, "retail", "retail — Retail", "[ retail ▾]");
        t.keys(&["Tab", "Enter"]);
        t.wait_text("Permissions (1)", WAIT);
    }
    t.keys(&["C-s"]);
    t.wait_text("Your new access token", WAIT);
    let view = t.wait_text("copied to a tmux buffer", WAIT);
    let secret = secret_on(&view);
    let title = t.tmux(&["display-message", "-p", "-t", "t", "#{pane_title}"]);
    let title = String::from_utf8_lossy(&title.stdout);
    assert!(!title.contains(&secret), "the secret in the window title");
    t.keys(&["Enter"]);
    let closed = t.wait_text("it cannot be shown again", WAIT);
    assert!(!closed.contains(&secret), "{closed}");
    secret
}

#[test]
fn no_issued_token_is_left_anywhere_at_trace_level() {
    let home = Home::new();
    let out_dir = tempfile::tempdir().expect("tempdir");
    let stderr_file = out_dir.path().join("tab.stderr");
    let stdout_file = out_dir.path().join("tab.stdout");

    // The tab, at trace level, its stderr to a file and its terminal output captured. The
    // clipboard is on (auto: inside tmux, a named tmux buffer), so the copy path runs and the
    // OSC 52 check below can catch a copy that went to the terminal instead.
    let t = launch(
        &home,
        120,
        36,
        &["--clipboard", "auto", "--log-level", "trace"],
        Some(&stderr_file),
        &[],
    );
    t.tmux(&[
        "pipe-pane",
        "-o",
        "-t",
        "t",
        &format!("cat >> '{}'", stdout_file.display()),
    ]);
    let table = wait_table(&t);
    let http = Http::new(url_on(&table), &home.data());
    let pid = tab_pid(&t);

    let user_secret = create_in_tab(&t, "leak check user token", false);
    let custom_secret = create_in_tab(&t, "leak check custom token", true);
    assert_ne!(user_secret, custom_secret);
    for s in [&user_secret, &custom_secret] {
        let (status, v) = http.get(s, "/access/api/v1/tokens/me");
        assert_eq!(status, StatusCode::OK, "a real token: {v}");
    }

    // While the tab runs (the database's -wal and -shm exist now): argv and every file.
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).expect("cmdline");
    assert!(
        count(&cmdline, "--log-level") == 1,
        "the cmdline is the tab's"
    );
    let tab_secrets = [
        ("the tab's user token", user_secret.as_str()),
        ("the tab's custom token", custom_secret.as_str()),
    ];
    for (what, s) in &tab_secrets {
        assert_eq!(count(&cmdline, s), 0, "{what} in /proc/{pid}/cmdline");
    }
    let mut db_files = Vec::new();
    files_under(&home.data(), &mut db_files);
    assert!(
        db_files
            .iter()
            .any(|p| p.to_string_lossy().ends_with(".db-wal")),
        "the WAL is there to be searched: {db_files:?}"
    );
    assert_no_file_holds(home.path(), &tab_secrets, &http.admin);

    t.type_text("q");
    assert_eq!(wait_exit(&t), 0);
    // The copies went to tmux buffers; quitting cleared them.
    for b in t.all_buffers() {
        for (what, s) in &tab_secrets {
            assert!(!b.contains(s), "{what} left in a tmux buffer");
        }
    }

    // `tokens create` at trace level (TOKENTAB_LOG this time; its log goes to stderr).
    let cli = Command::new(env!("CARGO_BIN_EXE_tokentab"))
        .args(["--data-dir", &home.data().display().to_string()])
        .args(["tokens", "create", "-d", "leak check cli token"])
        .args(["--scope", "connect:project:demo:r"])
        .envs(home.env())
        .env("TOKENTAB_LOG", "trace")
        .output()
        .expect("run tokens create");
    let cli_err = String::from_utf8_lossy(&cli.stderr).into_owned();
    assert!(cli.status.success(), "{cli_err}");
    let printed = String::from_utf8(cli.stdout).expect("utf-8 stdout");
    let cli_secret = printed.trim_end_matches('\n').to_owned();
    assert_eq!(printed, format!("{cli_secret}\n"), "the secret alone, once");
    assert_eq!(
        tokentab::model::token_format::shape(&cli_secret),
        tokentab::model::token_format::Shape::Current,
        "{printed:?}"
    );
    assert!(cli_err.contains("TRACE"), "trace logging ran: {cli_err}");
    assert_eq!(
        count(cli_err.as_bytes(), &cli_secret),
        0,
        "secret in stderr"
    );
    assert_eq!(
        count(cli_err.as_bytes(), &http.admin),
        0,
        "admin token in stderr"
    );

    let all = [
        tab_secrets[0],
        tab_secrets[1],
        ("the cli token", cli_secret.as_str()),
    ];

    // The tab's log file exists and logged at trace level.
    let log = home
        .path()
        .join("state")
        .join("tokentab")
        .join("tokentab.log");
    let log_text = std::fs::read_to_string(&log).expect("the tab's log file");
    assert!(
        log_text.contains("TRACE"),
        "trace level in {}",
        log.display()
    );

    // Every file under the private home: data (db, -wal, -shm), config, state (log), cache.
    let n = assert_no_file_holds(home.path(), &all, &http.admin);
    assert!(
        n >= 3,
        "the database, admin.token and the log at least ({n})"
    );

    // The tab's own output: nothing on stderr; on the terminal each of its tokens at most once
    // (the secret view draws it once; later frames only redraw changed cells).
    // The shell opened the file for the tab's stderr before starting it: missing means the
    // capture never happened, which must not pass as "clean".
    let err = std::fs::read(&stderr_file).expect("the tab's stderr file");
    for (what, s) in &all {
        assert_eq!(count(&err, s), 0, "{what} on the tab's stderr");
    }
    assert_eq!(
        count(&err, &http.admin),
        0,
        "admin token on the tab's stderr"
    );
    let out = std::fs::read(&stdout_file).expect("captured terminal output");
    assert!(
        count(&out, "Access Tokens") >= 1,
        "the capture holds the tab's output"
    );
    for (what, s) in &tab_secrets {
        assert!(
            count(&out, s) <= 1,
            "{what} written to the terminal more than once"
        );
    }
    assert_eq!(count(&out, &cli_secret), 0);
    assert_eq!(count(&out, &http.admin), 0, "admin token on the terminal");
    // No copy of the secrets in an OSC sequence (clipboard, title): base64 of each is absent.
    use base64::Engine as _;
    for (what, s) in &all {
        let b64 = base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
        assert_eq!(
            count(&out, &b64),
            0,
            "{what} base64-encoded on the terminal"
        );
    }

    // The tokens were real: the service started again on the same files still knows them all.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let handle = tokentab::service::spawn(tokentab::service::ServiceConfig {
            listen: "127.0.0.1:0".parse().expect("addr"),
            db_path: home.data().join("tokentab.db"),
            data_dir: home.data(),
            seed: false,
            max_expiry: None,
            max_user_expiry: Some(tokentab::service::DEFAULT_MAX_USER_EXPIRY),
            max_tokens_per_user: tokentab::service::DEFAULT_MAX_TOKENS_PER_USER,
        })
        .await
        .expect("service");
        let client = reqwest::Client::new();
        for (what, s) in &all {
            let r = client
                .get(format!("{}/access/api/v1/tokens/me", handle.url()))
                .bearer_auth(s)
                .send()
                .await
                .expect("send");
            assert_eq!(r.status(), StatusCode::OK, "{what} authenticates");
        }
        handle.shutdown().await;
    });
}
