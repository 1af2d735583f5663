//! The copy by the usual path under a real X server: the system clipboard holds the secret,
//! the mode says so and when it will be cleared, and clears it while waiting at a prompt.

use super::pty::Pty;
use super::{MENU_PROMPT, env, line_after};
use crate::common::service::harness;
use crate::common::tab::Home;
use crate::common::xvfb::Xvfb;

#[test]
fn copied_to_the_system_clipboard_said_and_cleared_on_time() {
    let x = Xvfb::start();
    let s = harness().seeded().start_blocking();
    let home = Home::new();
    let mut e = env(&home, "xterm", None, &s.url(), s.admin());
    e.retain(|(k, _)| k != "DISPLAY");
    e.push(("DISPLAY".into(), x.display.clone()));
    let mut p = Pty::start(&["--accessible", "--clipboard-clear", "2"], &e);
    p.expect(MENU_PROMPT);
    p.send("2");
    p.expect("Description, required");
    p.send("x11 acc");
    p.expect("default +90d.");
    p.send("");
    p.expect("type ? to list users:");
    p.send("");
    p.expect("Generate this token?");
    p.send("yes");
    let shown = p.expect("Press Enter when you have saved it.");
    let secret = line_after(
        &shown,
        "This is the only time it is shown: it will not be shown again.",
    );
    assert!(
        shown.contains(
            "It was copied to the system clipboard (X11). The system clipboard (X11) will be \
             cleared in 2 seconds if it still holds the token."
        ),
        "{shown}"
    );
    assert_eq!(x.read_clipboard(None).as_deref(), Some(secret.as_str()));
    p.send("");
    p.expect(MENU_PROMPT);
    // Waiting at the menu, the clear comes and is said.
    let said = p.expect("The clipboard copy of the token: ");
    assert!(!said.contains(&secret), "{said}");
    let now = x.read_clipboard(None);
    assert!(now.as_deref() != Some(secret.as_str()), "cleared: {now:?}");
    p.send("6");
    assert!(p.wait_exit().success());
}
