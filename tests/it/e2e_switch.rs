//! The real binary in tmux switching servers with `P`: two token services started by the test, a
//! config file with a profile for each (token files), create and revoke on the second, back to
//! the first. Proves the composition root hands the tab its server list and connector.

use crate::common;
use crate::common::service::harness;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::service::TestService;
use common::tab::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn token_file(dir: &Path, name: &str, token: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("{token}\n")).expect("write token file");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    path.display().to_string()
}

fn descriptions(rt: &tokio::runtime::Runtime, svc: &TestService) -> Vec<(String, String)> {
    let (status, v) = rt.block_on(svc.get(&svc.admin, "/access/api/v1/tokens?limit=1000"));
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

#[test]
fn p_switches_profiles_in_the_real_binary() {
    // The services run on this runtime's workers while the test drives tmux.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (alpha, bravo) = rt.block_on(async {
        let a = harness().start().await;
        let b = harness().start().await;
        a.mint(
            None,
            json!({"username": "admin", "description": "alpha marker"}),
        )
        .await;
        b.mint(
            None,
            json!({"username": "admin", "description": "bravo marker"}),
        )
        .await;
        (a, b)
    });
    let alpha_before = descriptions(&rt, &alpha);

    let home = Home::new();
    let cfg_dir = home.path().join("config").join("tokentab");
    std::fs::create_dir_all(&cfg_dir).expect("config dir");
    let fa = token_file(home.path(), "alpha.token", &alpha.admin);
    let fb = token_file(home.path(), "bravo.token", &bravo.admin);
    std::fs::write(
        cfg_dir.join("config.toml"),
        format!(
            "default_profile = \"alpha\"\n\
             [profiles.alpha]\nurl = \"{}\"\ntoken_file = \"{fa}\"\n\
             [profiles.bravo]\nurl = \"{}\"\ntoken_file = \"{fb}\"\nreadonly = false\n",
            alpha.handle.url(),
            bravo.handle.url(),
        ),
    )
    .expect("config file");

    let t = start_tab(&home, 100, 30, &[]);
    let first = t.wait_text("alpha marker", WAIT);
    assert!(first.contains("[alpha]"), "{first}");

    t.keys(&["P"]);
    let list = t.wait_text("Switch server", WAIT);
    for s in ["alpha", "bravo", "embedded", &bravo.handle.url()] {
        assert!(list.contains(s), "{s} missing:\n{list}");
    }
    t.keys(&["Down", "Enter"]);
    let on_bravo = t.wait_for("bravo's table", WAIT, |s| {
        s.contains("bravo marker") && s.contains("[bravo]")
    });
    assert!(!on_bravo.contains("alpha marker"), "{on_bravo}");

    let desc = "tmux on bravo";
    t.keys(&["n"]);
    t.wait_text("New token", WAIT);
    t.type_text(desc);
    t.keys(&["C-s"]);
    t.wait_text("Your new access token", WAIT);
    t.keys(&["Escape"]);
    t.wait_for("the new row", WAIT, |s| {
        s.contains(desc) && !s.contains("Your new access token")
    });
    let on_b = descriptions(&rt, &bravo);
    let id = on_b
        .iter()
        .find(|(d, _)| d == desc)
        .map(|(_, id)| id.clone())
        .unwrap_or_else(|| panic!("bravo has it: {on_b:?}"));
    t.keys(&["d"]);
    t.wait_text("Revoke token?", WAIT);
    t.keys(&["Right", "Enter"]);
    t.wait_text(&format!("revoked \"{desc}\""), WAIT);
    t.keys(&["Escape"]);
    let (status, v) = rt.block_on(bravo.get(&bravo.admin, &format!("/access/api/v1/tokens/{id}")));
    assert_eq!(status, StatusCode::NOT_FOUND, "revoked on bravo: {v}");

    t.keys(&["P"]);
    t.wait_text("Switch server", WAIT);
    t.keys(&["Home", "Enter"]);
    let back = t.wait_for("alpha's table", WAIT, |s| {
        s.contains("alpha marker") && s.contains("[alpha]") && !s.contains("Switch server")
    });
    assert!(!back.contains("bravo marker"), "{back}");
    assert_eq!(descriptions(&rt, &alpha), alpha_before, "alpha saw nothing");

    t.keys(&["q"]);
    assert_eq!(wait_exit(&t), 0);
    assert_restored(&t);
}
