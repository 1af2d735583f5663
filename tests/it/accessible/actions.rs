//! The accessible mode's other journeys on a PTY: an admin token revoked only with its id's
//! first characters typed; rotate; a User token; switching server; turned on by the
//! environment and by the config file (and resolved flag > env > file); --mask-secret.

use std::path::PathBuf;

use reqwest::StatusCode;
use tokentab::config::{Env, Flags, Inputs, resolve};

use super::pty::Pty;
use super::{LIST_PROMPT, MENU_PROMPT, env, line_after, piped_env};
use crate::common::service::harness;
use crate::common::tab::Home;

const SECRET_LINE: &str = "This is the only time it is shown: it will not be shown again.";
const ENTER: &str = "Press Enter when you have saved it. After that it is never shown again.";

/// From the list, filters to `words` and opens row 1's actions.
fn open_first(p: &mut Pty, words: &str) -> String {
    p.send(&format!("f {words}"));
    p.expect(LIST_PROMPT);
    p.send("1");
    p.expect("Token action, 1 to 3:")
}

#[test]
fn admin_token_needs_its_prefix_and_rotate_replaces_a_token() {
    let s = harness().seeded().start_blocking();
    let (secret, admin_id) = s.mint(serde_json::json!({
        "scope": "applied-permissions/admin", "description": "break glass acc", "expires_in": 0
    }));
    let (old_secret, _) = s.mint(serde_json::json!({
        "scope": "connect:fleet:demo/lab:r", "description": "lab reader acc",
        "expires_in": 86400, "audience": "jfcon@*"
    }));
    let home = Home::new();
    let mut p = Pty::start(
        &["--accessible"],
        &env(&home, "dumb", None, &s.url(), s.admin()),
    );
    p.expect(MENU_PROMPT);
    p.send("1");
    p.expect(LIST_PROMPT);
    open_first(&mut p, "break glass acc");
    p.send("1");
    p.expect("is an admin token: it can do everything.");
    p.expect("type the first 4 characters of its id; anything else cancels:");
    p.send("zzzz");
    p.expect("Cancelled. Nothing was revoked.");
    p.expect(LIST_PROMPT);
    assert_eq!(s.get(&secret, "/access/api/v1/tokens/me").0, StatusCode::OK);
    p.send("1");
    p.expect("Token action, 1 to 3:");
    p.send("1");
    p.expect("anything else cancels:");
    p.send(&admin_id[..4].to_uppercase());
    p.expect("was revoked.");
    p.expect(LIST_PROMPT);
    assert_eq!(
        s.get(&secret, "/access/api/v1/tokens/me").0,
        StatusCode::UNAUTHORIZED
    );

    open_first(&mut p, "lab reader acc");
    p.send("2");
    p.expect("Type yes or no, default no:");
    p.send("yes");
    let shown = p.expect(ENTER);
    assert!(shown.contains("Rotated: the replacement token "), "{shown}");
    let new_secret = line_after(&shown, SECRET_LINE);
    p.send("");
    // Back in the list, loaded afresh: the replacement is there.
    let page = p.expect(LIST_PROMPT);
    assert!(page.contains("Loading tokens."), "{page}");
    p.send("b");
    p.expect(MENU_PROMPT);
    let (st, me) = s.get(&new_secret, "/access/api/v1/tokens/me");
    assert_eq!(st, StatusCode::OK, "{me}");
    assert_eq!(me["scope"], "connect:fleet:demo/lab:r", "{me}");
    assert_eq!(me["description"], "lab reader acc", "{me}");
    assert_eq!(
        s.get(&old_secret, "/access/api/v1/tokens/me").0,
        StatusCode::UNAUTHORIZED
    );

    // A User token for alice.
    p.send("2");
    p.expect("Description, required, at most 1024 characters:");
    p.send("alice laptop acc");
    p.expect("default +90d.");
    p.send("+30d");
    p.expect("Expiry: ");
    p.expect("type ? to list users:");
    p.send("?");
    let users = p.expect("type ? to list users:");
    assert!(users.contains("alice"), "{users}");
    p.send("alice");
    let summary = p.expect("Generate this token?");
    assert!(
        summary.contains("Scope: User, acting with the owner's rights."),
        "{summary}"
    );
    assert!(summary.contains("Owner: alice."), "{summary}");
    p.send("y");
    let shown = p.expect(ENTER);
    let user_secret = line_after(&shown, SECRET_LINE);
    p.send("");
    p.expect(MENU_PROMPT);
    let (st, me) = s.get(&user_secret, "/access/api/v1/tokens/me");
    assert_eq!(st, StatusCode::OK, "{me}");
    assert!(
        me["subject"]
            .as_str()
            .unwrap_or("")
            .ends_with("/users/alice"),
        "{me}"
    );
    p.send("6");
    assert!(p.wait_exit().success());
}

#[test]
fn switch_server_moves_to_another_profile() {
    let a = harness().seeded().start_blocking();
    let b = harness().start_blocking();
    let home = Home::new();
    let cfg = home.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[profiles.alpha]\nurl = \"{}\"\ntoken_env = \"TOK_A\"\n\n[profiles.beta]\nurl = \"{}\"\ntoken_env = \"TOK_B\"\n",
            a.url(),
            b.url()
        ),
    )
    .unwrap();
    let mut e = env(&home, "dumb", None, "", "");
    e.retain(|(k, _)| k != "TOKENTAB_CONFIG");
    e.push(("TOKENTAB_CONFIG".into(), cfg.display().to_string()));
    e.push(("TOK_A".into(), a.admin().into()));
    e.push(("TOK_B".into(), b.admin().into()));
    let mut p = Pty::start(&["--accessible", "--profile", "alpha"], &e);
    p.expect(&format!("Server: {}.", a.url()));
    p.expect(MENU_PROMPT);
    p.send("4");
    let list = p.expect("or b to go back:");
    let beta = list
        .lines()
        .find(|l| l.contains("beta, profile at "))
        .and_then(|l| l.split('.').next())
        .unwrap_or_else(|| panic!("beta listed:\n{list}"))
        .trim()
        .to_owned();
    assert!(
        list.contains("alpha, profile at ") && list.contains("in use now"),
        "{list}"
    );
    p.send("nine");
    p.expect("is not a server number");
    p.send(&beta);
    p.expect(&format!("Server: {}.", b.url()));
    p.expect("Signed in as admin.");
    p.expect(MENU_PROMPT);
    p.send("1");
    let page = p.expect(LIST_PROMPT);
    assert!(
        page.contains("Rows 1 to 1 of 1 tokens"),
        "the unseeded service's one token:\n{page}"
    );
    p.send("q");
    assert!(p.wait_exit().success());
}

#[test]
fn turned_on_by_flag_environment_or_config_file() {
    let inputs = |flag: bool, env: Option<&str>, file: Option<&str>| {
        let mut i = Inputs {
            flags: Flags::default(),
            env: Env::new(),
            config_path: PathBuf::from("/t/config.toml"),
            config_text: file.map(str::to_owned),
            default_data_dir: PathBuf::from("/unused"),
            ..Default::default()
        };
        i.flags.tui.accessible = flag;
        if let Some(v) = env {
            i.env.set("TOKENTAB_ACCESSIBLE", v);
        }
        i
    };
    let on = |i: &Inputs| resolve(i).map(|r| r.accessible);
    // (flag, TOKENTAB_ACCESSIBLE, config file) -> on; the environment wins over the file, the
    // flag over both.
    let cases = [
        (false, None, None, false),
        (true, None, None, true),
        (false, Some("1"), None, true),
        (false, None, Some("accessible = true\n"), true),
        (false, Some("0"), Some("accessible = true\n"), false),
        (true, Some("0"), Some("accessible = false\n"), true),
    ];
    for (flag, var, file, want) in cases {
        let got = on(&inputs(flag, var, file)).unwrap();
        assert_eq!(got, want, "flag {flag}, env {var:?}, file {file:?}");
    }
    let bad = on(&inputs(false, Some("maybe"), None))
        .unwrap_err()
        .to_string();
    assert!(bad.contains("TOKENTAB_ACCESSIBLE"), "{bad}");

    // The real binary: by the environment, and by the config file.
    let s = harness().start_blocking();
    let home = Home::new();
    let mut e = env(&home, "dumb", None, &s.url(), s.admin());
    e.push(("TOKENTAB_ACCESSIBLE".into(), "1".into()));
    let mut p = Pty::start(&[], &e);
    p.expect("tokentab, accessible mode.");
    p.expect(MENU_PROMPT);
    p.send("6");
    assert!(p.wait_exit().success());
    let cfg = home.path().join("config.toml");
    std::fs::write(&cfg, "accessible = true\n").unwrap();
    let (code, text) = piped_with_config(&s.url(), s.admin(), &cfg);
    assert_eq!(code, 0, "{text}");
    assert!(text.starts_with("tokentab, accessible mode.\n"), "{text}");
}

fn piped_with_config(url: &str, token: &str, cfg: &std::path::Path) -> (i32, String) {
    // `piped` with TOKENTAB_CONFIG pointing at `cfg` and no --accessible flag.
    super::piped_env(
        url,
        token,
        "6\n",
        &[],
        &[("TOKENTAB_CONFIG", &cfg.display().to_string())],
    )
}

#[test]
fn with_mask_secret_the_token_is_printed_only_when_asked_for() {
    let s = harness().seeded().start_blocking();
    let args = ["--accessible", "--mask-secret"];
    let marker = "This is the only time it is shown: it will not be shown again.";
    // Enter: never printed.
    let (code, text) = piped_env(
        &s.url(),
        s.admin(),
        "2\nmasked acc\n\n\nyes\n\n6\n",
        &args,
        &[],
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("Masked mode is on, so the token is not printed."),
        "{text}"
    );
    assert!(
        text.contains("The token was not printed, and it cannot be shown again."),
        "{text}"
    );
    assert!(!text.contains(marker), "{text}");
    let secret_like = |l: &str| {
        l.len() >= 40
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    assert!(!text.lines().any(secret_like), "no secret printed:\n{text}");
    // "show": printed once, and live.
    let input = "2\nmasked show acc\n\n\nyes\nshow\n\n6\n";
    let (code, text) = piped_env(&s.url(), s.admin(), input, &args, &[]);
    assert_eq!(code, 0, "{text}");
    let secret = line_after(&text, marker);
    assert_eq!(text.matches(&secret).count(), 1, "{text}");
    assert_eq!(s.get(&secret, "/access/api/v1/tokens/me").0, StatusCode::OK);
}
