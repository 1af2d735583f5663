//! Issue 21: the accessible mode, driven through a real pseudo-terminal (and a pipe) on the
//! real binary against the real service over HTTP: list -> create a Custom fleet token ->
//! revoke, with the whole output checked byte by byte; the same under `LC_ALL=C TERM=dumb`;
//! bad input at every prompt; the end of input; a refused token and an unreachable server.

mod actions;
mod clipboard;
mod pty;
mod server;
mod tmux;

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::common::service::harness;
use crate::common::tab::Home;
use pty::{Pty, find};

/// What the mode writes after the secret's Enter where TERM allows it (and nowhere else):
/// cursor home, erase the screen, erase the scrollback.
const CLEAR: &[u8] = b"\x1b[H\x1b[2J\x1b[3J";

const MENU_PROMPT: &str = "Choice, 1 to 6:";
const LIST_PROMPT: &str =
    "List command: a row number, n, p, f and filter words, r, b, or ? for help:";
const GOODBYE: &str = "Goodbye.";

fn env(
    home: &Home,
    term: &str,
    lc_all: Option<&str>,
    url: &str,
    token: &str,
) -> Vec<(String, String)> {
    let mut e = home.env();
    e.retain(|(k, _)| k != "TOKENTAB_URL" && k != "TOKENTAB_TOKEN");
    e.push(("TERM".into(), term.into()));
    e.push(("TOKENTAB_URL".into(), url.into()));
    e.push(("TOKENTAB_TOKEN".into(), token.into()));
    if let Some(l) = lc_all {
        e.push(("LC_ALL".into(), l.into()));
    }
    e
}

/// The line after `marker` (the secret follows the line that says it is shown once).
fn line_after(text: &str, marker: &str) -> String {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} in:\n{text}"));
    text[at..]
        .lines()
        .nth(1)
        .unwrap_or_else(|| panic!("a line after {marker:?}"))
        .trim_end_matches('\r')
        .to_owned()
}

/// The whole output has no escape or other control byte but line feeds (a carriage return
/// only right before a line feed: the PTY's own `\n` -> `\r\n`), and no box-drawing or
/// braille character.
fn assert_plain(bytes: &[u8], what: &str) {
    let text = String::from_utf8_lossy(bytes);
    for (i, &b) in bytes.iter().enumerate() {
        let ok = b == b'\n'
            || (b == b'\r' && bytes.get(i + 1) == Some(&b'\n'))
            || b >= 0x20 && b != 0x7f;
        assert!(ok, "{what}: control byte {b:#04x} at {i}:\n{text}");
    }
    for c in text.chars() {
        assert!(
            !('\u{2500}'..='\u{257F}').contains(&c) && !('\u{2800}'..='\u{28FF}').contains(&c),
            "{what}: box or braille character {c:?}:\n{text}"
        );
        assert!(!c.is_control() || c == '\n' || c == '\r', "{what}: {c:?}");
    }
}

/// The journey: list, create a Custom token for fleet demo/edge-eu (read, write), use it,
/// revoke it from the list. Returns the output and the secret.
fn journey(term: &str, lc_all: Option<&str>) -> (Vec<u8>, String) {
    let s = harness().seeded().start_blocking();
    let home = Home::new();
    let url = s.url();
    let mut p = Pty::start(
        &["--accessible", "--clipboard", "auto"],
        &env(&home, term, lc_all, &url, s.admin()),
    );
    p.expect("Signed in as admin.");
    p.expect(MENU_PROMPT);
    p.send("1");
    let page = p.expect(LIST_PROMPT);
    assert!(page.contains("Page 1 of 2. Rows 1 to 20 of "), "{page}");
    assert!(page.contains("\r\n1. "), "{page}");
    p.send("b");
    p.expect(MENU_PROMPT);
    p.send("3");
    p.expect("Description, required, at most 1024 characters:");
    p.send("edge readers, accessible");
    p.expect("default +90d.");
    p.send("");
    p.expect("Owner: the user the token belongs to; default admin");
    p.send("");
    p.expect("Target entity: type project, fleet or device, default project:");
    p.send("fleet");
    p.expect("Project; one of demo, factory, retail:");
    p.send("demo");
    p.expect("Fleet in project demo; one of edge-eu, edge-us, lab:");
    p.send("edge-eu");
    p.expect("default read:");
    p.send("read write");
    p.expect("Added permission row 1: fleet edge-eu in project demo: read and write.");
    p.expect("Add another permission row? Type yes or no, default no:");
    p.send("no");
    let summary =
        p.expect("Generate this token? Type yes to generate or no to cancel, default no:");
    assert!(
        summary.contains("Description: edge readers, accessible."),
        "{summary}"
    );
    assert!(
        summary.contains("Permission row 1: fleet edge-eu in project demo: read and write."),
        "{summary}"
    );
    p.send("yes");
    let shown = p.expect("Press Enter when you have saved it. After that it is never shown again.");
    let secret = line_after(
        &shown,
        "This is the only time it is shown: it will not be shown again.",
    );
    assert!(
        shown.contains("It was not copied:"),
        "where the copy went is said: {shown}"
    );

    // A live token: it reads the fleet's devices.
    let path = "/api/v2/demo/devices?group_name=edge-eu&limit=5";
    let (st, body) = s.get(&secret, path);
    assert_eq!(st, StatusCode::OK, "{body}");
    let id = shown
        .split("Token ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .expect("the new token's id")
        .to_owned();

    p.send("");
    p.expect(MENU_PROMPT);
    p.send("1");
    p.expect(LIST_PROMPT);
    p.send("f edge readers, accessible");
    let found = p.expect(LIST_PROMPT);
    assert!(
        found.contains("1. edge readers, accessible. User admin. Status active")
            && found.contains("Scope Custom, fleet edge-eu in project demo: read and write. Id "),
        "{found}"
    );
    p.send("1");
    let details = p.expect("Token action, 1 to 3:");
    assert!(
        details.contains(&format!("Details of token {id}.")),
        "{details}"
    );
    assert!(
        details.contains("Permission 1: fleet edge-eu in project demo: read and write."),
        "{details}"
    );
    p.send("1");
    p.expect("It stops working at once. Type yes or no, default no:");
    p.send("yes");
    p.expect("was revoked.");
    p.expect(LIST_PROMPT);
    let (st, _) = s.get(&secret, path);
    assert_eq!(st, StatusCode::UNAUTHORIZED, "the revoked token is refused");
    p.send("b");
    p.expect(MENU_PROMPT);
    p.send("6");
    p.expect(GOODBYE);
    assert!(p.wait_exit().success());
    (p.bytes(), secret)
}

#[test]
fn journey_on_a_terminal_is_plain_lines_and_one_clear() {
    let (bytes, secret) = journey("xterm-256color", None);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    assert_eq!(
        text.matches(&secret).count(),
        1,
        "the secret appears once:\n{text}"
    );
    // The one sequence: right after the Enter that follows the secret.
    let enter = "Press Enter when you have saved it. After that it is never shown again.\r\n\r\n";
    let at = find(&bytes, enter.as_bytes()).expect("the prompt and its Enter") + enter.len();
    assert_eq!(
        &bytes[at..at + CLEAR.len()],
        CLEAR,
        "the clear follows the Enter:\n{text}"
    );
    let mut rest = bytes[..at].to_vec();
    rest.extend_from_slice(&bytes[at + CLEAR.len()..]);
    assert_plain(&rest, "xterm");
    assert!(
        text.contains(
            "The screen and its scrollback were cleared, so the token is no longer shown."
        ),
        "{text}"
    );
}

#[test]
fn journey_under_dumb_terminal_and_c_locale_sends_no_escape_at_all() {
    let (bytes, secret) = journey("dumb", Some("C"));
    let text = String::from_utf8_lossy(&bytes).into_owned();
    assert_eq!(
        text.matches(&secret).count(),
        1,
        "the secret appears once:\n{text}"
    );
    assert!(!bytes.contains(&0x1b), "no escape byte at all:\n{text}");
    assert_plain(&bytes, "TERM=dumb");
    assert!(
        text.contains("This terminal (TERM=dumb) cannot clear its scrollback, so the token line is still in it: clear your scrollback now."),
        "{text}"
    );
}

/// Runs the binary with `input` on a pipe; returns (exit code, stdout + stderr).
fn piped(url: &str, token: &str, input: &str) -> (i32, String) {
    piped_env(url, token, input, &["--accessible"], &[])
}

/// As [`piped`] with `args` and `extra` variables (which win).
fn piped_env(
    url: &str,
    token: &str,
    input: &str,
    args: &[&str],
    extra: &[(&str, &str)],
) -> (i32, String) {
    let home = Home::new();
    let mut vars = env(&home, "dumb", None, url, token);
    for (k, v) in extra {
        vars.retain(|(name, _)| name != k);
        vars.push(((*k).to_owned(), (*v).to_owned()));
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_tokentab"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(vars)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tokentab");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input.as_bytes()).expect("input");
    drop(stdin);
    let out = child.wait_with_output().expect("output");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    assert!(
        !text.contains('\r'),
        "the program itself writes no carriage return:\n{text}"
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn bad_input_at_every_prompt_is_said_and_asked_again_and_nothing_is_lost() {
    let s = harness().seeded().start_blocking();
    let input = [
        "7",             // menu
        "\u{1b}[31mred", // menu: an escape typed comes back made safe
        "1",
        "zz",
        "99",
        "f status:bogus",
        "b", // list
        "3",
        "",               // description: required
        "tidy\u{1b}[31m", // description: an escape typed
        "kept description",
        "soon",
        "+0d",
        "", // expiry: two bad, then the default
        "Not A User!",
        "", // owner
        "planet",
        "fleet", // entity
        "nope",
        "demo", // project
        "nope",
        "lab", // fleet
        "x",
        "rd", // permissions
        "maybe",
        "no", // another row
        "maybe",
        "yes", // generate
        "",    // Enter after the secret
        "6",
    ]
    .join("\n")
        + "\n";
    let (code, text) = piped(&s.url(), s.admin(), &input);
    assert_eq!(code, 0, "{text}");
    for said in [
        "Error: \"7\" is not a menu choice; type a number from 1 to 6.",
        "Error: \"\u{fffd}[31mred\" is not a menu choice; type a number from 1 to 6.",
        "Error: \"zz\" is not a list command.",
        "Error: There is no row 99; the rows are numbered 1 to ",
        "Error: The filter does not read: status:bogus? use expiring, expired, active, never or disabled.",
        "Error: A description is required; please type one.",
        "Error: The description contains U+001B (control character); please type another.",
        "Error: \"planet\" is not a target entity; type project, fleet or device.",
        "Error: There is no project named nope; please type one of the names listed.",
        "Error: There is no fleet in project demo named nope; please type one of the names listed.",
        "Error: Please answer yes or no.",
    ] {
        assert!(text.contains(said), "{said:?} in:\n{text}");
    }
    assert!(text.matches("Error: ").count() >= 14, "{text}");
    // Nothing lost: the summary holds every good answer.
    for kept in [
        "Description: kept description.",
        "Owner: admin.",
        "Permission row 1: fleet lab in project demo: read and delete.",
    ] {
        assert!(text.contains(kept), "{kept:?} in:\n{text}");
    }
    assert!(
        text.contains("Token ") && text.contains(" was created: Custom, owner admin."),
        "{text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "the typed escape never comes back raw:\n{text}"
    );
}

#[test]
fn end_of_input_closes_with_a_sentence() {
    let s = harness().seeded().start_blocking();
    // On a terminal: Ctrl-D at the menu.
    let home = Home::new();
    let mut p = Pty::start(
        &["--accessible"],
        &env(&home, "dumb", None, &s.url(), s.admin()),
    );
    p.expect(MENU_PROMPT);
    p.send_eof();
    p.expect("Input ended, so tokentab is closing. Goodbye.");
    assert!(p.wait_exit().success());
    // Ctrl-C at a question: a sentence, and the shell's code for an interrupt.
    let mut p = Pty::start(
        &["--accessible"],
        &env(&home, "dumb", None, &s.url(), s.admin()),
    );
    p.expect(MENU_PROMPT);
    p.send("3");
    p.expect("Description, required");
    p.send_raw(b"\x03");
    p.expect("Interrupted, so tokentab is closing. Goodbye.");
    assert_eq!(p.wait_exit().code(), Some(130));
    // On a pipe, in the middle of a create: nothing is created.
    let before = s.get(s.admin(), "/access/api/v1/tokens?limit=1000").1["tokens"]
        .as_array()
        .map_or(0, Vec::len);
    let (code, text) = piped(&s.url(), s.admin(), "3\nhalf a token\n");
    assert_eq!(code, 0, "{text}");
    assert!(
        text.trim_end()
            .ends_with("Input ended, so tokentab is closing. Goodbye."),
        "{text}"
    );
    let after = s.get(s.admin(), "/access/api/v1/tokens?limit=1000").1["tokens"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(before, after, "nothing was created");
    // "cancel" at a question of the form: back to the menu, nothing created.
    let (code, text) = piped(&s.url(), s.admin(), "3\nhalf a token\ncancel\n6\n");
    assert_eq!(code, 0, "{text}");
    let cancelled = text
        .find("Cancelled. Nothing was created.")
        .unwrap_or_else(|| panic!("{text}"));
    assert!(text[cancelled..].contains("Main menu."), "{text}");
    assert!(text.trim_end().ends_with("Goodbye."), "{text}");
    let after = s.get(s.admin(), "/access/api/v1/tokens?limit=1000").1["tokens"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(before, after, "nothing was created");
}

#[test]
fn refused_token_and_unreachable_server_read_as_errors() {
    let s = harness().seeded().start_blocking();
    let (code, text) = piped(&s.url(), "not-a-valid-token", "1\nb\n6\n");
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("Error: The server rejected the token (expired, revoked or unknown)"),
        "{text}"
    );
    assert!(
        text.contains("Error: The tokens could not be loaded: the server rejected the token"),
        "{text}"
    );
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, text) = piped(&format!("http://127.0.0.1:{port}"), "t", "1\n6\n");
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("Error: The tokens could not be loaded: cannot reach the server"),
        "{text}"
    );
    // Before the session: a token file that cannot be read.
    let (code, text) = piped_env(
        &s.url(),
        "",
        "6\n",
        &["--accessible", "--token-file", "/nonexistent/token"],
        &[],
    );
    assert_eq!(code, 2, "{text}");
    assert!(
        text.starts_with("Error: ") && text.trim_end().ends_with('.'),
        "{text}"
    );
    // Read-only: nothing to create.
    let (code, text) = piped_env(
        &s.url(),
        s.admin(),
        "2\n6\n",
        &["--accessible", "--readonly"],
        &[],
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("Read-only: creating, revoking and rotating are off."),
        "{text}"
    );
    assert!(
        text.contains("Error: This session is read-only; tokens cannot be created here."),
        "{text}"
    );
}
