//! Issue 18 on the real binary in tmux at 80×24: `P` in the secret view keeps the one-time
//! token (the view says how to leave), and Esc on a form with input asks before discarding it.

use crate::common;
use crate::common::service::harness;

use std::os::unix::fs::PermissionsExt;

use common::tab::*;
use serde_json::json;

#[test]
fn p_keeps_the_secret_and_esc_asks_before_discarding_at_80x24() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let alpha = rt.block_on(async {
        let a = harness().start().await;
        a.mint(
            None,
            json!({"username": "admin", "description": "alpha marker"}),
        )
        .await;
        a
    });
    let home = Home::new();
    let cfg_dir = home.path().join("config").join("tokentab");
    std::fs::create_dir_all(&cfg_dir).expect("config dir");
    let token = home.path().join("alpha.token");
    std::fs::write(&token, format!("{}\n", alpha.admin)).expect("token file");
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    std::fs::write(
        cfg_dir.join("config.toml"),
        format!(
            "default_profile = \"alpha\"\n[profiles.alpha]\nurl = \"{}\"\ntoken_file = \"{}\"\n",
            alpha.handle.url(),
            token.display(),
        ),
    )
    .expect("config file");

    // The Linux console in the C locale (ASCII glyphs), as an operator on a serial console has it.
    let console = [("TERM", "linux"), ("LC_ALL", "C"), ("TOKENTAB_GLYPHS", "")];
    let t = launch(&home, 80, 24, &["--clipboard", "off"], None, &console);
    let first = t.wait_text("alpha marker", WAIT);
    assert!(first.contains("+ Access Tokens"), "the ASCII set:\n{first}");

    // 6: a form with input asks; n keeps it, y discards it; an empty one closes at once.
    t.keys(&["n"]);
    t.wait_text("New token", WAIT);
    t.type_text("half typed");
    t.wait_text("half typed", WAIT);
    t.keys(&["Escape"]);
    t.wait_text("Discard the new token?", WAIT);
    t.keys(&["n"]);
    let kept = t.wait_for("the question gone", WAIT, |s| {
        !s.contains("Discard the new token?")
    });
    assert!(
        kept.contains("New token") && kept.contains("half typed"),
        "{kept}"
    );
    t.keys(&["Escape"]);
    t.wait_text("Discard the new token?", WAIT);
    t.keys(&["y"]);
    t.wait_for("the panel closed", WAIT, |s| !s.contains("New token"));
    t.keys(&["n"]);
    t.wait_text("New token", WAIT);
    t.keys(&["Escape"]);
    let closed = t.wait_for("the empty panel closed", WAIT, |s| !s.contains("New token"));
    assert!(!closed.contains("Discard"), "{closed}");

    // 5: P in the secret view does nothing but say how to leave; the token stays.
    t.keys(&["n"]);
    t.wait_text("New token", WAIT);
    t.type_text("secret kept");
    t.keys(&["C-s"]);
    t.wait_text("Your new access token", WAIT);
    t.keys(&["P"]);
    let s = t.wait_text("stays on screen", WAIT);
    assert!(s.contains("Your new access token"), "{s}");
    assert!(!s.contains("Switch server"), "{s}");
    t.keys(&["Escape"]);
    t.wait_for("the secret view closed", WAIT, |s| {
        !s.contains("Your new access token")
    });
    t.keys(&["P"]);
    t.wait_text("Switch server", WAIT);
    t.keys(&["Escape"]);
    t.wait_for("the server list closed", WAIT, |s| {
        !s.contains("Switch server")
    });
    t.keys(&["q"]);
    assert_eq!(wait_exit(&t), 0);
}
