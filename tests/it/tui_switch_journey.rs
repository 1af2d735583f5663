//! Switching servers with `P` against two real token services (two temp dirs, real HTTP), through
//! the real composition root's connector: a config file with two profiles and their token files,
//! a profile with a wrong token, and the embedded service started on demand.

use crate::common;
use crate::common::service::harness;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossterm::event::KeyCode;
use reqwest::StatusCode;
use serde_json::{Value, json};

use common::journey::{self as harness, Person};
use common::service::TestService;
use tokentab::commands::connect::connect;
use tokentab::commands::switch::ProfileConnector;
use tokentab::config::{self, Inputs};
use tokentab::tui::app::{App, AppConfig};

fn token_file(dir: &Path, name: &str, token: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("{token}\n")).expect("write token file");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    path
}

async fn descriptions(svc: &TestService) -> Vec<(String, String)> {
    let (status, v) = svc
        .get(&svc.admin, "/access/api/v1/tokens?limit=1000")
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .map(|t: &Value| {
            (
                t["description"].as_str().unwrap_or("").to_owned(),
                t["token_id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// Opens the server list, moves to the entry `downs` below the top and chooses it.
async fn switch(p: &mut Person, downs: usize) {
    p.key(KeyCode::Char('P'));
    p.wait_text("Switch server").await;
    p.key(KeyCode::Home);
    for _ in 0..downs {
        p.key(KeyCode::Down);
    }
    p.key(KeyCode::Enter);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switch_with_p_create_and_revoke_on_the_second_then_back() {
    let alpha = harness().start().await;
    let bravo = harness().start().await;
    alpha
        .mint(
            None,
            json!({"username": "admin", "description": "alpha marker"}),
        )
        .await;
    bravo
        .mint(
            None,
            json!({"username": "admin", "description": "bravo marker"}),
        )
        .await;
    let alpha_before = descriptions(&alpha).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let fa = token_file(dir.path(), "alpha.token", &alpha.admin);
    let fb = token_file(dir.path(), "bravo.token", &bravo.admin);
    let fw = token_file(dir.path(), "wrong.token", "not-a-token-this-server-knows");
    let text = format!(
        "default_profile = \"alpha\"\n\
         [profiles.alpha]\nurl = \"{}\"\ntoken_file = \"{}\"\n\
         [profiles.bravo]\nurl = \"{}\"\ntoken_file = \"{}\"\nbanner_color = \"magenta\"\n\
         [profiles.wrong]\nurl = \"{}\"\ntoken_file = \"{}\"\n",
        alpha.handle.url(),
        fa.display(),
        bravo.handle.url(),
        fb.display(),
        bravo.handle.url(),
        fw.display(),
    );
    let inputs = Inputs {
        config_path: dir.path().join("config.toml"),
        config_text: Some(text),
        default_data_dir: dir.path().join("embedded"),
        ..Inputs::default()
    };
    let resolved = config::resolve(&inputs).expect("config resolves");
    let mut conn = connect(&resolved).await.expect("connects to alpha");
    let connector = Arc::new(ProfileConnector::new(inputs, &resolved, &mut conn));

    let mut app = App::new(
        AppConfig {
            server_label: conn.label.clone(),
            profile: resolved.profile.clone(),
            clipboard_clear_secs: 30,
            ..AppConfig::default()
        },
        chrono::Utc::now(),
    );
    app.servers.entries = connector.entries();
    app.servers.current = config::switch::current_key(&resolved);
    let names: Vec<&str> = app
        .servers
        .entries
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["alpha", "bravo", "wrong", "embedded"]);
    let mut deps = harness::deps_with(&alpha.handle.url(), &alpha.admin, harness::no_retries());
    deps.connector = Some(connector.clone());

    let desc = "made on bravo";
    let (alpha_ref, bravo_ref) = (&alpha, &bravo);
    let (app, last) = harness::play(app, deps, 100, 30, |mut p| async move {
        p.wait_text("alpha marker").await;

        // A wrong token: the first list answers 401; the tab stays on alpha and says why.
        switch(&mut p, 2).await;
        let failed = p.wait_text("cannot switch to wrong").await;
        assert!(failed.contains("alpha marker"), "{failed}");

        // Alpha -> bravo: bravo's tokens only.
        switch(&mut p, 1).await;
        // Bravo's table and who is signed in there (the form's User field comes from that
        // answer; on PostgreSQL the list can answer first).
        let on_bravo = p
            .wait("bravo's table and the signed-in user", |f| {
                f.contains("bravo marker")
                    && f.contains("switched to bravo")
                    && f.contains("· admin ·")
            })
            .await;
        assert!(!on_bravo.contains("alpha marker"), "{on_bravo}");
        assert!(
            on_bravo.contains("[bravo]"),
            "the header names it:\n{on_bravo}"
        );

        // Create on bravo.
        p.key(KeyCode::Char('n'));
        p.wait_text("New token").await;
        p.text(desc);
        p.ctrl('s');
        p.wait_text("Your new access token").await;
        p.key(KeyCode::Esc);
        p.wait_text("it cannot be shown again").await;
        p.wait(&format!("{desc} in the table"), |f| f.contains(desc))
            .await;
        let on_b = descriptions(bravo_ref).await;
        let id = on_b
            .iter()
            .find(|(d, _)| d == desc)
            .map(|(_, id)| id.clone())
            .unwrap_or_else(|| panic!("bravo has the new token: {on_b:?}"));
        assert!(
            !descriptions(alpha_ref).await.iter().any(|(d, _)| d == desc),
            "alpha never saw it"
        );

        // Revoke it (the new row is selected).
        p.key(KeyCode::Char('d'));
        p.wait_text("Revoke token?").await;
        p.key(KeyCode::Right);
        p.wait_text("[ Revoke ]").await;
        p.key(KeyCode::Enter);
        p.wait_text(&format!("revoked \"{desc}\"")).await;
        p.key(KeyCode::Esc);
        let (status, v) = bravo_ref
            .get(&bravo_ref.admin, &format!("/access/api/v1/tokens/{id}"))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "revoked on bravo: {v}");

        // The embedded service, started on demand.
        switch(&mut p, 3).await;
        p.wait("the embedded service", |f| {
            f.contains("switched to embedded") && !f.contains("bravo marker")
        })
        .await;

        // Back to alpha: alpha's tokens again.
        switch(&mut p, 0).await;
        let back = p
            .wait("alpha's table", |f| {
                f.contains("alpha marker") && f.contains("switched to alpha")
            })
            .await;
        assert!(
            !back.contains("bravo marker") && !back.contains(desc),
            "{back}"
        );
        p.key(KeyCode::Char('q'));
    })
    .await;
    assert_eq!(app.servers.current.as_deref(), Some("profile:alpha"));
    assert_eq!(app.theme.banner, None, "alpha has no banner colour");
    assert!(last.contains("alpha marker"), "{last}");
    // Alpha saw neither the create nor the revoke.
    assert_eq!(descriptions(&alpha).await, alpha_before);
    connector.close().await;
    conn.close().await;
}
