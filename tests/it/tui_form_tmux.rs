//! Issue 18 items 3 and 5 on the real binary in tmux at 80×24, `TERM=linux` and `LC_ALL=C`
//! (ASCII glyphs), against `tokentab serve --max-expiry 30d`: the expiry help names the formats
//! and "at most 30 d", `+60d` is flagged on the field before Generate (and Generate refuses it),
//! the device picker and the permission rows go by device names, the rows have headings.

use crate::common;
use crate::common::service::harness;

use std::os::unix::fs::PermissionsExt;

use common::tab::*;
use common::tmux::TmuxSession;

use crate::tui_form::panel_words;

/// The tab signed in to `url` with `token`, its environment the Linux console in the C locale
/// (for the binary alone: tmux keeps the test's locale, so capture-pane reads what was drawn).
fn start(home: &Home, url: &str, token: &str) -> TmuxSession {
    let cfg_dir = home.path().join("config").join("tokentab");
    std::fs::create_dir_all(&cfg_dir).expect("config dir");
    let token_file = home.path().join("serve.token");
    std::fs::write(&token_file, format!("{token}\n")).expect("token file");
    std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    std::fs::write(
        cfg_dir.join("config.toml"),
        format!(
            "default_profile = \"team\"\n[profiles.team]\nurl = \"{url}\"\ntoken_file = \"{}\"\n",
            token_file.display(),
        ),
    )
    .expect("config file");
    start_with_env(home, 80, 24, CONSOLE, &["--clipboard", "off"])
}

#[test]
fn expiry_help_early_flag_and_device_names_at_80x24_on_the_console() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let served = rt.block_on(harness().seeded().spawn_binary(&["--max-expiry", "30d"]));
    // A lab device, by name and id.
    let (name, uuid) = rt.block_on(async {
        let v: serde_json::Value = served
            .http
            .get(served.url("/api/v2/demo/devices?group_name=lab&limit=5"))
            .bearer_auth(&served.admin)
            .send()
            .await
            .expect("devices")
            .json()
            .await
            .expect("json");
        let d = &v["devices"][2];
        (
            d["device_name"].as_str().expect("name").to_owned(),
            d["device_uuid"].as_str().expect("uuid").to_owned(),
        )
    });
    let short: String = uuid.chars().take(6).collect();
    let shown = format!("{name} ({short}...)");

    let home = Home::new();
    let t = start(&home, &served.serve.url, &served.admin);
    t.wait_for("the table", WAIT, crate::common::tab::table_loaded);

    // Item 3: the help under the focused field, the limit in days; a fresh form starts at the
    // server's default.
    t.keys(&["n"]);
    t.wait_text("New token", WAIT);
    t.type_text("kiosk reader");
    t.keys(&["Tab"]);
    let help = t.wait_text("at most 30 d", WAIT);
    let words = panel_words(&help, 80);
    assert!(
        words.contains("formats: +30d, +12h, +90min, +6w, +1y, YYYY-MM-DD or never"),
        "{help}"
    );
    assert!(
        words.contains("this server allows at most 30 d; default 30 d"),
        "{help}"
    );
    assert!(words.contains("[+30d_"), "the server's default: {help}");
    // +60d: flagged on the field as typed, before Generate.
    t.keys(&["End", "BSpace", "BSpace", "BSpace", "BSpace"]);
    t.type_text("+60d");
    let flagged = t.wait_text("longer than this server", WAIT);
    assert!(
        panel_words(&flagged, 80).contains("! longer than this server allows (at most 30 d)"),
        "{flagged}"
    );
    // Generate refuses it with the same words, and nothing was created.
    t.keys(&["C-s"]);
    let refused = t.wait_text("fix the fields", WAIT);
    assert!(
        panel_words(&refused, 80).contains("(at most 30 d)"),
        "{refused}"
    );
    assert!(!refused.contains("Your new access token"), "{refused}");
    t.keys(&["BSpace", "BSpace", "BSpace", "BSpace"]);
    t.type_text("+30d");
    t.wait_text("(in 30 d)", WAIT);

    // Item 5: a Device Details (Custom) token, its device picked by name.
    t.keys(&["Tab", "Space"]);
    let custom = t.wait_text("(*) Custom", WAIT);
    assert!(custom.contains("Device Details Token"), "{custom}");
    assert!(
        custom.contains("Permission action type  Device"),
        "{custom}"
    );
    t.keys(&["Tab", "Tab", "Right", "Right"]);
    t.wait_text("< Device", WAIT);
    t.keys(&["Tab", "Enter"]);
    t.wait_text("Choose a project", WAIT);
    t.type_text("demo");
    t.wait_for("demo alone", WAIT, |s| s.contains("1 found"));
    t.keys(&["Enter"]);
    t.wait_text("[ demo v]", WAIT);
    // The choice moves on to the Device field.
    t.keys(&["Enter"]);
    t.wait_text("Choose a device in demo", WAIT);
    t.type_text(&uuid);
    let picker = t.wait_for("the device alone", WAIT, |s| {
        s.contains("1 found") && s.contains(&shown)
    });
    // The entry: name, short id, fleet — not the whole id (only the search line has it).
    let entry = picker
        .lines()
        .find(|l| l.contains(&shown))
        .expect("the entry");
    assert!(entry.contains("| fleet lab"), "{picker}");
    assert!(!entry.contains(&uuid), "names, not ids: {picker}");
    t.keys(&["Enter"]);
    t.wait_for("the picker closed", WAIT, |s| {
        !s.contains("Choose a device")
    });
    // On to Permission type (Read, the default), then Add.
    t.keys(&["Tab", "Enter"]);
    let rows = t.wait_text("Permissions (1)", WAIT);
    let words = panel_words(&rows, 80);
    assert!(
        words.contains("Target entity | Target Read Write Delete"),
        "{rows}"
    );
    assert!(words.contains(&format!("Device | {shown} [x]")), "{rows}");
    assert!(!rows.contains("R--"), "{rows}");

    t.keys(&["C-c"]);
    t.wait_for("the program exited", WAIT, |_| t.pane_dead());
    rt.block_on(served.serve.stop());
}
