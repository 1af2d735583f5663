//! The paths a person takes that only the real binary shows end to end (issue 9): the secret
//! view's one copy into tmux's named buffer (tmux with its default settings), the timed clear, the
//! clear on quit; the native clipboard under a real X server (Xvfb), where a value someone else
//! copied in between is left alone; a bulk revoke with one real failure; the row menu's Revoke and
//! Copy token ID; a token for another user chosen in the user picker; a JFrog CLI config (plain
//! and encrypted) driving `tokens list` and the tab against the service.
//!
//! Needs tmux, Xvfb and xclip: a test fails with the install line without them.

use crate::common;
use crate::common::service::harness;

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;

use common::screen::{secret_on, url_on, username};
use common::service::blocking::Served;
use common::tab::*;
use common::tmux::TmuxSession;
use common::xvfb::Xvfb;

/// The tab in a 150x40 tmux window: `tokentab --data-dir <home> ARGS` with the home's
/// environment plus `env`.
fn tab(home: &Home, args: &[&str], env: &[(&str, &str)]) -> TmuxSession {
    launch(home, 150, 40, args, None, env)
}

/// The tab on its embedded service, its table shown, and HTTP to that service.
fn embedded(args: &[&str]) -> (Home, TmuxSession, Http) {
    let home = Home::new();
    let t = tab(&home, args, &[]);
    let table = wait_table(&t);
    let http = Http::new(url_on(&table), &home.data());
    (home, t, http)
}

/// Waits until `cond` holds (polling); panics naming `what` after [`WAIT`].
fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Opens the form, types `desc`, generates a User token and returns the secret view.
fn create_user_token(t: &TmuxSession, desc: &str) -> String {
    t.type_text("n");
    t.wait_text("New token", WAIT);
    t.type_text(desc);
    t.keys(&["C-s"]);
    t.wait_text("Your new access token", WAIT)
}

/// The tokentab buffers the tmux server holds.
fn tokentab_buffers(t: &TmuxSession) -> Vec<String> {
    t.buffer_names()
        .into_iter()
        .filter(|n| n.starts_with("tokentab-"))
        .collect()
}

#[test]
fn the_secret_view_copies_once_into_the_tmux_buffer_and_the_timed_clear_removes_it() {
    let home = Home::new();
    // A private tmux server that reads no config: tmux's default settings (OSC 52 from panes
    // dropped), so the copy must go to a named buffer.
    let t = tab(
        &home,
        &["--clipboard", "auto", "--clipboard-clear", "3"],
        &[],
    );
    assert_eq!(t.server_option("set-clipboard"), "external");
    wait_table(&t);
    create_user_token(&t, "copied once token");
    let view = t.wait_text("copied to a tmux buffer", WAIT);
    let secret = secret_on(&view);
    let names = tokentab_buffers(&t);
    assert_eq!(names.len(), 1, "one copy, one buffer: {names:?}");
    assert_eq!(
        t.buffer(&names[0]).as_deref(),
        Some(secret.as_str()),
        "the named buffer holds exactly the token"
    );
    assert_eq!(t.all_buffers().len(), 1, "no other buffer was made");

    // The timed clear (3 s) deletes the buffer, and the tab says so.
    wait_until("the timed clear to delete the buffer", || {
        t.buffer(&names[0]).is_none()
    });
    t.wait_text("clipboard cleared", WAIT);
    // Frames drawn since the clear copied nothing again.
    assert_eq!(tokentab_buffers(&t), Vec::<String>::new(), "copied again");
    assert!(t.all_buffers().iter().all(|b| !b.contains(&secret)));
    t.keys(&["Enter"]);
    t.wait_text("it cannot be shown again", WAIT);
    assert!(
        tokentab_buffers(&t).is_empty(),
        "closing the view copies nothing"
    );
    t.type_text("q");
    assert_eq!(wait_exit(&t), 0);
}

#[test]
fn quitting_clears_the_tmux_buffer_at_once() {
    let home = Home::new();
    // A clear deadline far away: only the quit can remove the buffer in this test's lifetime.
    let t = tab(
        &home,
        &["--clipboard", "auto", "--clipboard-clear", "3600"],
        &[],
    );
    wait_table(&t);
    create_user_token(&t, "cleared on quit token");
    let view = t.wait_text("copied to a tmux buffer", WAIT);
    let secret = secret_on(&view);
    let names = tokentab_buffers(&t);
    assert_eq!(names.len(), 1, "{names:?}");
    assert_eq!(t.buffer(&names[0]).as_deref(), Some(secret.as_str()));
    t.keys(&["Enter"]);
    t.wait_text("it cannot be shown again", WAIT);
    assert_eq!(
        t.buffer(&names[0]).as_deref(),
        Some(secret.as_str()),
        "closing the view keeps the copy until the deadline or the quit"
    );
    t.type_text("q");
    assert_eq!(wait_exit(&t), 0);
    // Checked right after the exit, no waiting: the quit itself cleared it.
    assert_eq!(t.buffer(&names[0]), None, "the buffer outlived the quit");
    assert!(t.all_buffers().iter().all(|b| !b.contains(&secret)));
}

#[test]
fn native_clipboard_under_x_timed_clear_and_a_value_copied_since_is_left_alone() {
    const OTHER: &str = "something the user copied since";
    let x = Xvfb::start();
    let home = Home::new();
    let display = x.display.clone();
    let t = tab(
        &home,
        &["--clipboard", "native", "--clipboard-clear", "3"],
        &[("DISPLAY", display.as_str())],
    );
    wait_table(&t);

    // First token: on the X clipboard (read by another X client), then gone at the deadline.
    create_user_token(&t, "native clear token");
    let view = t.wait_text("copied to the system clipboard", WAIT);
    let first = secret_on(&view);
    assert_eq!(x.read_clipboard(None).as_deref(), Some(first.as_str()));
    wait_until("the timed clear of the X clipboard", || {
        x.read_clipboard(None).unwrap_or_default().is_empty()
    });
    t.keys(&["Enter"]);
    t.wait_text("it cannot be shown again", WAIT);

    // Second token: someone copies something else before the deadline; the clear leaves it.
    create_user_token(&t, "native left alone token");
    t.wait_text("copied to the system clipboard", WAIT);
    let second = secret_on(&t.screen());
    assert_ne!(first, second);
    assert_eq!(x.read_clipboard(None).as_deref(), Some(second.as_str()));
    x.copy_from_elsewhere(OTHER);
    t.wait_text("left alone", WAIT);
    assert_eq!(x.read_clipboard(None).as_deref(), Some(OTHER));
    t.keys(&["Enter"]);
    t.type_text("q");
    assert_eq!(wait_exit(&t), 0);
    assert_eq!(
        x.read_clipboard(None).as_deref(),
        Some(OTHER),
        "quitting left the other value alone too"
    );
}

#[test]
fn bulk_revoke_of_three_with_one_refused_shows_each_result_and_the_others_stop_working() {
    let s = harness().seeded().start_blocking();
    let minted: Vec<(String, String)> = ["zq bulk one", "zq bulk two", "zq bulk three"]
        .iter()
        .map(|d| s.mint(json!({"username": "alice", "description": d})))
        .collect();
    // The server refuses one of them for real: a proxy in front of the service answers 403 to
    // that token's DELETE (as a platform does for a token the caller may not revoke); every
    // other request reaches the service unchanged.
    let refused = &minted[1].1;
    let proxy = s.proxy_failing(
        "DELETE",
        &format!("/access/api/v1/tokens/{refused}"),
        403,
        r#"{"errors":[{"code":"FORBIDDEN","message":"not allowed to revoke this token"}]}"#,
    );
    let home = Home::new();
    let token_file = s.admin_token_file().display().to_string();
    let t = tab(
        &home,
        &[
            "--url",
            &proxy,
            "--token-file",
            &token_file,
            "--clipboard",
            "off",
        ],
        &[],
    );
    wait_table(&t);
    t.type_text("/zq bulk");
    t.wait_text("(3 of ", WAIT);
    t.keys(&["Enter"]);
    // Space marks the row and moves to the next.
    t.keys(&["Space", "Space", "Space"]);
    t.wait_text("3 marked", WAIT);
    t.type_text("d");
    t.wait_text("Revoke 3 tokens?", WAIT);
    t.keys(&["Right"]);
    t.wait_text("[ Revoke ]", WAIT);
    t.keys(&["Enter"]);
    let done = t.wait_text("[ Close ]", WAIT);
    // One result line per token: the two revoked by id, the refused one with the server's words
    // (its line is cut before the id at this width).
    for i in [0, 2] {
        let (_, id) = &minted[i];
        assert!(
            done.lines()
                .any(|l| l.contains("✓ revoked") && l.contains(id.as_str())),
            "token {i} revoked:\n{done}"
        );
    }
    let refusals: Vec<&str> = done.lines().filter(|l| l.contains('✕')).collect();
    assert_eq!(refusals.len(), 1, "{done}");
    assert!(
        refusals[0].contains("403 FORBIDDEN: not allowed to revoke this token"),
        "the refused one says why: {}",
        refusals[0]
    );
    // The refused row stays in the table; the revoked ones left it.
    assert!(done.contains("(1 of "), "{done}");
    let rows: Vec<&str> = done.lines().filter(|l| l.contains("● active")).collect();
    assert_eq!(rows.len(), 1, "{done}");
    assert!(rows[0].contains("zq bulk two"), "{done}");
    // Over HTTP, straight to the service: the two revoked ones are dead, the refused one lives.
    for (i, (secret, _)) in minted.iter().enumerate() {
        let (status, v) = s.get(secret, "/access/api/v1/tokens/me");
        let want = if i == 1 {
            StatusCode::OK
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(status, want, "token {i}: {v}");
    }
    t.keys(&["Enter"]);
    t.type_text("q");
    assert_eq!(wait_exit(&t), 0);
}

#[test]
fn the_row_menu_copies_the_token_id_and_revokes() {
    let (_home, t, http) = embedded(&["--clipboard", "auto"]);
    let (status, made) = http.call(
        Method::POST,
        &http.admin,
        "/access/api/v1/tokens",
        Some(json!({"username": "bob", "description": "zq menu target"})),
    );
    assert_eq!(status, StatusCode::OK, "{made}");
    let secret = made["access_token"].as_str().expect("secret").to_owned();
    let id = made["token_id"].as_str().expect("id").to_owned();
    t.type_text("r");
    t.wait_text("zq menu target", WAIT);
    t.type_text("/zq menu");
    t.wait_text("(1 of ", WAIT);
    t.keys(&["Enter"]);

    // Copy token ID: the tmux buffer holds exactly the id.
    t.keys(&["Enter"]);
    t.wait_text("Copy token ID", WAIT);
    t.keys(&["Down", "Enter"]);
    t.wait_for("the menu closed", WAIT, |s| !s.contains("Copy token ID"));
    wait_until("the token id in a tmux buffer", || {
        tokentab_buffers(&t).len() == 1
    });
    let names = tokentab_buffers(&t);
    assert_eq!(t.buffer(&names[0]).as_deref(), Some(id.as_str()));

    // Revoke from the menu (its first item): the dialog, then the token stops working.
    t.keys(&["Enter"]);
    t.wait_text("Copy token ID", WAIT);
    t.keys(&["Enter"]);
    let dialog = t.wait_text("Revoke token?", WAIT);
    assert!(dialog.contains("\"zq menu target\""), "{dialog}");
    t.keys(&["Right"]);
    t.wait_text("[ Revoke ]", WAIT);
    t.keys(&["Enter"]);
    t.wait_text("revoked \"zq menu target\"", WAIT);
    let (status, v) = http.get(&secret, "/access/api/v1/tokens/me");
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");
    assert!(http.tokens().iter().all(|t| t["token_id"] != id.as_str()));
    t.type_text("q");
    assert_eq!(wait_exit(&t), 0);
}

#[test]
fn choosing_another_user_in_the_picker_makes_a_token_for_that_user() {
    let (_home, t, http) = embedded(&["--clipboard", "off"]);
    t.wait_text("· admin ·", WAIT);
    t.type_text("n");
    t.wait_text("[ admin ▾]", WAIT);
    t.type_text("zq token for bob");
    // Description -> Expiration -> Token scope -> User.
    t.keys(&["Tab", "Tab", "Tab", "Enter"]);
    t.wait_text("Choose a user", WAIT);
    pick_only(&t, "bob", "bob", "[ bob ▾]");
    t.keys(&["C-s"]);
    let view = t.wait_text("Your new access token", WAIT);
    let secret = secret_on(&view);
    let (status, me) = http.get(&secret, "/access/api/v1/tokens/me");
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(
        username(me["subject"].as_str().unwrap_or("")),
        "bob",
        "{me}"
    );
    assert_eq!(me["description"].as_str(), Some("zq token for bob"));
    t.keys(&["Enter"]);
    t.type_text("q");
    assert_eq!(wait_exit(&t), 0);
}

/// Writes a JFrog CLI config naming the service as the default server `acme`, the admin token
/// plain or encrypted with `key`; returns the `JFROG_CLI_HOME_DIR`.
fn jfrog_home(s: &Served, key: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("{}/", s.url());
    let (token, enc) = match key {
        Some(k) => (
            tokentab::config::jfrog_cli::encrypt(s.admin(), k.as_bytes(), [7; 12])
                .expect("encrypt"),
            true,
        ),
        None => (s.admin().to_owned(), false),
    };
    let text = json!({
        "servers": [{
            "url": url,
            "artifactoryUrl": format!("{url}artifactory/"),
            "user": "admin",
            "accessToken": token,
            "serverId": "acme",
            "isDefault": true,
        }],
        "version": "6",
        "enc": enc,
    });
    std::fs::write(dir.path().join("jfrog-cli.conf.v6"), text.to_string()).expect("write");
    dir
}

fn jfrog_cli_config_drives_the_cli_and_the_tab(key: Option<&str>) {
    let s = harness().seeded().start_blocking();
    let desc = "zq reached through the jfrog cli config";
    s.mint(json!({"username": "carol", "description": desc}));
    let jf = jfrog_home(&s, key);
    let jf_dir = jf.path().display().to_string();
    let mut env = vec![("JFROG_CLI_HOME_DIR", jf_dir.as_str())];
    if let Some(k) = key {
        env.push(("JFROG_CLI_ENCRYPTION_KEY", k));
    }
    let home = Home::new();

    // `tokens list` with the server picked from the JFrog CLI config.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tokentab"))
        .args(["--server-id", "acme", "tokens", "list"])
        .envs(home.env())
        .envs(env.iter().copied())
        .output()
        .expect("run tokens list");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains(desc),
        "the service's tokens are listed:\n{stdout}"
    );
    assert!(!stdout.contains(s.admin()) && !stderr.contains(s.admin()));

    // The tab, the same way: the service's URL in the header, not the embedded one.
    let t = tab(&home, &["--server-id", "acme", "--clipboard", "off"], &env);
    let table = wait_table(&t);
    assert!(table.contains(&s.url()), "{table}");
    assert!(!table.contains("(embedded)"), "{table}");
    t.wait_text(desc, WAIT);
    t.type_text("q");
    assert_eq!(wait_exit(&t), 0);
}

#[test]
fn a_plain_jfrog_cli_config_drives_tokens_list_and_the_tab() {
    jfrog_cli_config_drives_the_cli_and_the_tab(None);
}

#[test]
fn an_encrypted_jfrog_cli_config_drives_tokens_list_and_the_tab() {
    jfrog_cli_config_drives_the_cli_and_the_tab(Some("0123456789abcdef0123456789abcdef"));
}

#[test]
fn a_masked_secret_view_shows_dots_until_revealed() {
    let (_home, t, http) = embedded(&["--clipboard", "off", "--mask-secret"]);
    create_user_token(&t, "masked token");
    // Masked: one dot per character where the token goes, and no token-like word anywhere
    // on the screen.
    let dots = "•".repeat(tokentab::model::token_format::TOKEN_LEN);
    let masked = t.wait_text(&dots, WAIT);
    let words = |s: &str| {
        s.split(|c: char| c.is_whitespace() || c == '│')
            .filter(|w| tokentab::model::token_format::is_well_formed(w))
            .count()
    };
    assert_eq!(words(&masked), 0, "{masked}");
    // Revealed on request: exactly the token, once; it authenticates.
    t.type_text("v");
    let shown = t.wait_for("the token revealed", WAIT, |s| words(s) == 1);
    let secret = secret_on(&shown);
    let (status, v) = http.get(&secret, "/access/api/v1/tokens/me");
    assert_eq!(status, StatusCode::OK, "{v}");
    // Masked again: gone from the screen.
    t.type_text("v");
    let again = t.wait_text(&dots, WAIT);
    assert!(!again.contains(&secret), "{again}");
    t.keys(&["Enter"]);
    t.type_text("q");
    assert_eq!(wait_exit(&t), 0);
}
