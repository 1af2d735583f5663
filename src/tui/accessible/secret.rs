//! The one-time secret in plain lines: a line saying it is shown once, the secret alone on its
//! own line, where the copy went, then Enter. After Enter the secret is dropped (zeroized) and
//! never repeated, and the scrollback is cleared where the terminal allows.
//!
//! The one escape sequence this mode ever writes is the clear after that Enter
//! ([`CLEAR`]: cursor home, erase the screen, erase the scrollback; what `clear(1)` sends for
//! a terminal with the `E3` capability), and only when stdout is a terminal whose TERM is known
//! to take it. Erasing the scrollback alone (`CSI 3 J`) would leave the secret on the visible
//! screen. Inside tmux, `tmux clear-history` also empties the pane's history. Under TERM=dumb,
//! an unknown TERM, or a pipe, nothing is sent and a sentence says to clear it by hand.
//!
//! Copying uses the tab's clipboard paths (system clipboard, then a tmux buffer), except that
//! OSC 52 (an escape sequence written into the output) is used only when asked for by
//! `--clipboard osc52`.

use std::io::Write;
use std::os::fd::AsFd;

use chrono::Utc;
use tokio::time::{Duration, Instant};

use crate::api::CreatedToken;
use crate::model::Expiry;
use crate::model::sanitize::clean;
use crate::model::settings::ClipboardMode;
use crate::secret::clipboard::{ClipEnv, ClipPath, CopyOutcome, planned_path};

use super::Session;
use super::io::Step;
use super::words::{sentence, spoken};

/// Cursor home, erase the screen, erase the scrollback.
pub const CLEAR: &[u8] = b"\x1b[H\x1b[2J\x1b[3J";

/// Whether the scrollback can be cleared here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClearPlan {
    /// Send [`CLEAR`].
    Sequence,
    /// stdout is not a terminal.
    NotTerminal,
    /// The terminal type is not known to take it (TERM=dumb, unset, unknown).
    Unsupported(String),
}

/// Terminal types known to clear their scrollback on `CSI 3 J` (terminfo `E3`).
const E3_TERMS: &[&str] = &[
    "xterm",
    "screen",
    "tmux",
    "rxvt",
    "alacritty",
    "foot",
    "kitty",
    "wezterm",
    "vte",
    "gnome",
    "konsole",
    "linux",
    "putty",
    "st-",
    "contour",
    "ghostty",
    "iterm",
];

/// Pure: the plan for `term` (TERM) when stdout `is_tty`.
pub fn clear_plan(term: Option<&str>, is_tty: bool) -> ClearPlan {
    if !is_tty {
        return ClearPlan::NotTerminal;
    }
    let term = term.unwrap_or("").trim();
    if E3_TERMS.iter().any(|t| term.starts_with(t)) {
        ClearPlan::Sequence
    } else {
        ClearPlan::Unsupported(if term.is_empty() {
            "unset".to_owned()
        } else {
            clean(term)
        })
    }
}

/// Shows `created`'s secret once; `about` says what was made.
pub async fn show(s: &mut Session, created: CreatedToken, about: &str) -> Step<()> {
    let CreatedToken { meta, secret } = created;
    let now = Utc::now();
    let expiry = Expiry::from_expires_in(now, meta.expires_in);
    let when = match expiry {
        Expiry::Never => "It never expires.".to_owned(),
        Expiry::At(_) => format!("It expires {}.", spoken(&expiry.preview(now))),
    };
    s.io.say(&format!("{} {when}", sentence(about)));
    let outcome = copy(s, &secret);
    if s.mask_secret {
        // --mask-secret (recorded consoles): printed only when asked for, as the tab's reveal.
        s.io.say(&copy_words(s, &outcome));
        let answer =
            s.io.ask(
                "Masked mode is on, so the token is not printed. Type show to print it once, or \
                 press Enter to go on without it.",
            )
            .await;
        let show = matches!(&answer, Ok(a) if a.eq_ignore_ascii_case("show"));
        if !show {
            drop(secret);
            s.io.say("The token was not printed, and it cannot be shown again.");
            start_clear_timer(s, &outcome);
            return answer.map(|_| ());
        }
    }
    s.io.say(
        "The token follows on the next line. This is the only time it is shown: it will not be \
         shown again.",
    );
    {
        // Straight to the terminal, never through a buffer that outlives this line.
        let out = s.io.raw();
        let _ = write_all_fd(out.as_fd(), secret.expose().as_bytes());
        let _ = write_all_fd(out.as_fd(), b"\n");
    }
    if !s.mask_secret {
        s.io.say(&copy_words(s, &outcome));
    }
    let read =
        s.io.ask("Press Enter when you have saved it. After that it is never shown again.")
            .await;
    drop(secret);
    clear_scrollback(s);
    start_clear_timer(s, &outcome);
    read.map(|_| ())
}

fn start_clear_timer(s: &mut Session, outcome: &CopyOutcome) {
    if outcome.clears_on_timer() && s.clipboard_clear_secs > 0 {
        s.io.clear_at = Some(Instant::now() + Duration::from_secs(s.clipboard_clear_secs));
    }
}

fn write_all_fd(fd: std::os::fd::BorrowedFd<'_>, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        match rustix::io::write(fd, bytes) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The tab's copy, minus OSC 52 unless it was asked for by name.
fn copy(s: &mut Session, secret: &crate::secret::one_time::OneTimeSecret) -> CopyOutcome {
    let env = ClipEnv::from_process();
    let paths = planned_path(s.clipboard_mode, &env);
    let osc_asked = s.clipboard_mode == ClipboardMode::Osc52;
    if !osc_asked && paths.iter().all(|p| *p == ClipPath::Osc52) && !paths.is_empty() {
        return CopyOutcome::NotCopied {
            reason: "no system clipboard or tmux was found, and the accessible mode sends the \
                     terminal clipboard sequence (OSC 52) only when asked with --clipboard osc52"
                .into(),
        };
    }
    if osc_asked {
        let mut out = s.io.raw();
        s.io.clipboard.copy(secret, &mut out)
    } else {
        s.io.clipboard.copy(secret, &mut NoEscapes)
    }
}

/// Refuses every write: OSC 52 was not asked for.
struct NoEscapes;

impl Write for NoEscapes {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other(
            "the accessible mode sends OSC 52 only with --clipboard osc52",
        ))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn copy_words(s: &Session, outcome: &CopyOutcome) -> String {
    let mut text = format!("It was {}.", outcome.label());
    if let Some(how) = outcome.how_to_use() {
        let how = if matches!(outcome, CopyOutcome::NotCopied { .. }) {
            "Select it and copy it yourself".to_owned()
        } else {
            how
        };
        text.push(' ');
        text.push_str(&sentence(&how));
    }
    if outcome.clears_on_timer() && s.clipboard_clear_secs > 0 {
        let secs = i64::try_from(s.clipboard_clear_secs).unwrap_or(i64::MAX);
        if let Some(c) = outcome.countdown(secs) {
            text.push(' ');
            text.push_str(&sentence(&spoken(&c)));
        }
    } else if let Some(c) = outcome.no_countdown(s.clipboard_clear_secs == 0) {
        text.push(' ');
        text.push_str(&sentence(&c));
    }
    text
}

fn clear_scrollback(s: &mut Session) {
    let is_tty = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let term = std::env::var("TERM").ok();
    match clear_plan(term.as_deref(), is_tty) {
        ClearPlan::Sequence => {
            {
                let mut out = s.io.raw();
                let _ = out.write_all(CLEAR).and_then(|()| out.flush());
            }
            let tmux = tmux_clear_history();
            s.io.say(&format!(
                "The screen and its scrollback were cleared{tmux}, so the token is no longer \
                 shown."
            ));
        }
        ClearPlan::NotTerminal => s.io.say(
            "The output is not a terminal, so the token line cannot be cleared from it: remove \
             it from wherever this output is kept.",
        ),
        ClearPlan::Unsupported(term) => s.io.say(&format!(
            "This terminal (TERM={term}) cannot clear its scrollback, so the token line is still \
             in it: clear your scrollback now."
        )),
    }
}

/// Inside tmux: empties the pane's history too (no bytes on the terminal). The words to add.
fn tmux_clear_history() -> &'static str {
    let (Some(tmux), Ok(pane)) = (std::env::var_os("TMUX"), std::env::var("TMUX_PANE")) else {
        return "";
    };
    let socket = tmux
        .to_string_lossy()
        .split(',')
        .next()
        .unwrap_or("")
        .to_owned();
    let mut cmd = std::process::Command::new("tmux");
    if !socket.is_empty() {
        cmd.args(["-S", &socket]);
    }
    let ok = cmd
        .args(["clear-history", "-t", &pane])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|st| st.success());
    if ok { ", and tmux's history too" } else { "" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clears_only_where_the_terminal_takes_it() {
        assert_eq!(
            clear_plan(Some("xterm-256color"), true),
            ClearPlan::Sequence
        );
        assert_eq!(clear_plan(Some("tmux-256color"), true), ClearPlan::Sequence);
        assert_eq!(clear_plan(Some("linux"), true), ClearPlan::Sequence);
        assert_eq!(
            clear_plan(Some("dumb"), true),
            ClearPlan::Unsupported("dumb".into())
        );
        assert_eq!(
            clear_plan(None, true),
            ClearPlan::Unsupported("unset".into())
        );
        assert_eq!(clear_plan(Some("xterm"), false), ClearPlan::NotTerminal);
    }
}
