//! Inside a real terminal (tmux): the secret is on screen and in the pane's history until its
//! Enter, and in neither after it; the copy went to a tmux buffer, said so, and is gone when
//! the session ends.

use crate::common::service::harness;
use crate::common::tab::{Home, WAIT};
use crate::common::tmux::TmuxSession;

fn history(t: &TmuxSession) -> String {
    let out = t.tmux(&["capture-pane", "-p", "-J", "-S", "-", "-t", "t"]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn in_tmux_the_secret_leaves_the_screen_and_the_history_after_enter() {
    let s = harness().seeded().start_blocking();
    let home = Home::new();
    let url = s.url();
    let mut vars = home.env();
    vars.retain(|(k, _)| k != "TOKENTAB_URL" && k != "TOKENTAB_TOKEN");
    vars.push(("TOKENTAB_URL".into(), url));
    vars.push(("TOKENTAB_TOKEN".into(), s.admin().into()));
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let bin = env!("CARGO_BIN_EXE_tokentab");
    let script = "\"$0\" \"$@\"; printf 'tokentab exited with %s\\n' $?; exec sleep 600";
    let t = TmuxSession::start(
        &[
            "sh",
            "-c",
            script,
            bin,
            "--accessible",
            "--clipboard",
            "tmux",
        ],
        200,
        40,
        &vars,
    );
    t.wait_text("Choice, 1 to 6:", WAIT);
    t.type_text("2");
    t.keys(&["Enter"]);
    t.wait_text("Description, required", WAIT);
    t.type_text("tmux acc");
    t.keys(&["Enter"]);
    t.wait_text("default +90d.", WAIT);
    t.keys(&["Enter"]);
    t.wait_text("type ? to list users:", WAIT);
    t.keys(&["Enter"]);
    t.wait_text("Generate this token?", WAIT);
    t.type_text("yes");
    t.keys(&["Enter"]);
    let screen = t.wait_text("Press Enter when you have saved it.", WAIT);
    let marker = "This is the only time it is shown: it will not be shown again.";
    let secret = screen
        .lines()
        .skip_while(|l| !l.contains(marker))
        .nth(1)
        .expect("the secret line")
        .trim()
        .to_owned();
    assert!(
        screen.contains("It was copied to a tmux buffer: "),
        "{screen}"
    );
    let buffer = screen
        .split("It was copied to a tmux buffer: ")
        .nth(1)
        .and_then(|r| r.split(['.', ' ', '\n']).next())
        .expect("buffer name")
        .to_owned();
    assert_eq!(t.buffer(&buffer).as_deref(), Some(secret.as_str()));
    assert!(history(&t).contains(&secret), "on screen before Enter");

    t.keys(&["Enter"]);
    t.wait_text(
        "and tmux's history too, so the token is no longer shown.",
        WAIT,
    );
    let after = history(&t);
    assert!(
        !after.contains(&secret),
        "gone from the screen and the history:\n{after}"
    );
    t.type_text("6");
    t.keys(&["Enter"]);
    t.wait_text("tokentab exited with 0", WAIT);
    assert_eq!(
        t.buffer(&buffer),
        None,
        "the tmux buffer is deleted on quit"
    );
}
