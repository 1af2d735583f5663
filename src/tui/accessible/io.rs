//! Lines in, lines out: what the accessible mode reads and says, and nothing else.
//!
//! Input is read line by line from stdin on a thread of its own (a PTY in cooked mode or a
//! pipe alike); the end of input and Ctrl-C (SIGINT, SIGTERM, SIGHUP) stop the session with a
//! sentence. Output is plain lines: every line passes [`sanitize_line`] on its way out, so no
//! control character (an escape above all) can reach the terminal from a server string or a
//! typed one. The secret and the scrollback clear are the two writes that bypass [`Io::say`]
//! (see `secret.rs`).

use std::future::Future;
use std::io::{BufRead, Write};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::api::ApiError;
use crate::model::sanitize::sanitize_line;
use crate::secret::clipboard::Clipboard;

use super::words::sentence;

/// Why a session ends before the person chose Quit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// stdin ended (Ctrl-D, a closed pipe).
    Eof,
    /// Ctrl-C, SIGTERM or SIGHUP.
    Interrupted,
    /// "cancel" typed at a question of a form: back to the menu, nothing made.
    Cancelled,
}

/// `Err(Stop)` ends the session; every prompt and call returns one.
pub type Step<T> = Result<T, Stop>;

/// The session's terminal: stdin's lines, stdout, the stop signals and the clipboard timer.
pub struct Io {
    lines: mpsc::UnboundedReceiver<String>,
    stop: Option<mpsc::UnboundedReceiver<()>>,
    out: std::io::Stdout,
    /// The clipboard that holds the last secret's copy, and when to clear it.
    pub clipboard: Clipboard,
    pub clear_at: Option<Instant>,
    /// Each API call is abandoned after this long.
    pub call_timeout: Duration,
}

impl Io {
    /// Starts the stdin reader thread and the signal watcher.
    pub fn start(clipboard: Clipboard) -> Io {
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || read_lines(&tx));
        Io {
            lines,
            stop: watch_signals(),
            out: std::io::stdout(),
            clipboard,
            clear_at: None,
            call_timeout: Duration::from_secs(30),
        }
    }

    /// Says `text`, one line per `\n`, each made safe for a terminal.
    pub fn say(&mut self, text: &str) {
        let mut out = self.out.lock();
        for line in text.split('\n') {
            let _ = out.write_all(sanitize_line(line).as_bytes());
            let _ = out.write_all(b"\n");
        }
        let _ = out.flush();
    }

    /// "Error: …" as a sentence.
    pub fn error(&mut self, text: &str) {
        self.say(&format!("Error: {}", sentence(text)));
    }

    /// The terminal's raw byte stream, for the two writes that are not lines (see module doc).
    pub fn raw(&mut self) -> std::io::StdoutLock<'static> {
        self.out.lock()
    }

    /// The next line typed (without its line ending). The clipboard is cleared meanwhile when
    /// its time comes, and said so.
    pub async fn read(&mut self) -> Step<String> {
        loop {
            let clear_at = self.clear_at;
            tokio::select! {
                biased;
                () = stopped(&mut self.stop) => return Err(Stop::Interrupted),
                line = self.lines.recv() => return line.ok_or(Stop::Eof),
                () = until(clear_at) => self.clear_clipboard(),
            }
        }
    }

    /// Says `prompt` on a line of its own, then reads the answer (trimmed).
    pub async fn ask(&mut self, prompt: &str) -> Step<String> {
        self.say(prompt);
        Ok(self.read().await?.trim().to_owned())
    }

    /// [`Io::ask`] at a question of a form, where "cancel" alone leaves the form.
    pub async fn ask_form(&mut self, prompt: &str) -> Step<String> {
        let answer = self.ask(prompt).await?;
        if answer.eq_ignore_ascii_case("cancel") {
            return Err(Stop::Cancelled);
        }
        Ok(answer)
    }

    /// Runs one API call, bounded by the call timeout; Ctrl-C ends the session meanwhile.
    /// The error is the sentence to say.
    pub async fn call<T>(
        &mut self,
        fut: impl Future<Output = Result<T, ApiError>>,
    ) -> Step<Result<T, String>> {
        let limit = self.call_timeout;
        tokio::select! {
            biased;
            () = stopped(&mut self.stop) => Err(Stop::Interrupted),
            r = tokio::time::timeout(limit, fut) => Ok(match r {
                Ok(Ok(v)) => Ok(v),
                Ok(Err(e)) => Err(e.user_message()),
                Err(_) => Err(format!(
                    "the server did not answer within {} seconds",
                    limit.as_secs()
                )),
            }),
        }
    }

    /// Runs a future that is not an API call (a server switch), Ctrl-C ending the session.
    pub async fn wait<T>(&mut self, fut: impl Future<Output = T>) -> Step<T> {
        tokio::select! {
            biased;
            () = stopped(&mut self.stop) => Err(Stop::Interrupted),
            v = fut => Ok(v),
        }
    }

    /// Clears the clipboard copy if it still holds the token, and says what happened.
    pub fn clear_clipboard(&mut self) {
        self.clear_at = None;
        if !self.clipboard.holds_secret() {
            return;
        }
        let outcome = {
            let mut out = self.out.lock();
            self.clipboard.clear_if_ours(&mut out)
        };
        self.say(&format!(
            "The clipboard copy of the token: {}.",
            outcome.label()
        ));
    }
}

fn read_lines(tx: &mpsc::UnboundedSender<String>) {
    let stdin = std::io::stdin();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match stdin.lock().read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf);
                let line = line.trim_end_matches(['\n', '\r']).to_owned();
                if tx.send(line).is_err() {
                    return;
                }
            }
        }
    }
}

/// A channel that receives once on SIGINT, SIGTERM or SIGHUP; None when signals cannot be
/// watched (the session then ends only by Quit or the end of input).
fn watch_signals() -> Option<mpsc::UnboundedReceiver<()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return None;
    };
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
            if tx.send(()).is_err() {
                return;
            }
        }
    });
    Some(rx)
}

async fn stopped(rx: &mut Option<mpsc::UnboundedReceiver<()>>) {
    if let Some(rx) = rx
        && rx.recv().await.is_some()
    {
        return;
    }
    std::future::pending().await
}

async fn until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
