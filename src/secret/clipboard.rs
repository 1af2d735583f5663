//! Copy once: native (arboard) -> tmux buffer -> OSC 52 -> shown for manual copy; timed clear.
//!
//! The path is chosen from the environment ([`ClipEnv`]) and the override ([`ClipboardMode`]);
//! [`planned_path`] says which paths will be tried, in order, without touching anything. A path
//! that fails falls to the next; only a path that worked is reported, and OSC 52 (which no
//! terminal acknowledges) is reported as "sent", never "copied".
//!
//! For the clear we keep no copy of the secret: only its SHA-256, the path used and the tmux
//! buffer name. What each path leaves behind that we cannot wipe is said in its module.

mod native;
pub mod osc52;
mod outcome;
mod tmux;

use std::io::Write;

use super::one_time::OneTimeSecret;
use native::{Holding, Native};
pub use outcome::{ClearOutcome, CopyOutcome, NativeKind};

/// Which path to use (`--clipboard`, config `clipboard`); a settings enum, defined in `model`.
use crate::model::settings::ClipboardMode;

/// The environment facts the choice of path depends on (read once from the process env).
#[derive(Debug, Clone, Default)]
pub struct ClipEnv {
    /// An X11 display is named (`DISPLAY`); on macOS and Windows the native clipboard is always
    /// there, so this is true.
    pub display: bool,
    pub wayland: bool,
    pub tmux: bool,
    pub screen: bool,
    pub ssh: bool,
    pub linux_console: bool,
    /// `DISPLAY` names a host (`localhost:10.0`): what `ssh -X`/`-Y` sets. Over SSH only such a
    /// display is the user's own; a local `:0` there belongs to the remote machine.
    pub x_forwarded: bool,
    /// The tmux server's socket, from `$TMUX` (`/tmp/tmux-1000/default,1234,0`); the tmux path
    /// talks to that server (`tmux -S`), `None` = tmux's default server.
    pub tmux_socket: Option<String>,
}

impl ClipEnv {
    pub fn from_process() -> Self {
        ClipEnv::from_vars(|k| std::env::var(k).ok())
    }

    /// The same from any variable lookup (tests, or a saved environment).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Self {
        let value = |k: &str| get(k).filter(|v| !v.is_empty());
        let set = |k: &str| value(k).is_some();
        let display_name = value("DISPLAY");
        let tmux_var = value("TMUX");
        ClipEnv {
            display: display_name.is_some() || cfg!(any(target_os = "macos", windows)),
            wayland: set("WAYLAND_DISPLAY"),
            tmux: tmux_var.is_some(),
            screen: set("STY"),
            ssh: set("SSH_TTY") || set("SSH_CONNECTION") || set("SSH_CLIENT"),
            linux_console: value("TERM").is_some_and(|t| t == "linux"),
            x_forwarded: display_name.as_deref().is_some_and(display_has_host),
            tmux_socket: tmux_var
                .and_then(|t| t.split(',').next().map(str::to_owned))
                .filter(|s| !s.is_empty()),
        }
    }
}

/// `host:N[.S]` with a non-empty host other than `unix`, and not a socket path.
fn display_has_host(display: &str) -> bool {
    match display.rsplit_once(':') {
        Some((host, _)) => !host.is_empty() && host != "unix" && !host.starts_with('/'),
        None => false,
    }
}

/// One way to a clipboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClipPath {
    /// The system clipboard through arboard (X11, Wayland, macOS, Windows).
    Native,
    /// A named tmux paste buffer (`load-buffer -w`, also forwarded to the outer terminal).
    Tmux,
    /// OSC 52 written to the terminal (DCS-wrapped under GNU screen); never confirmed.
    Osc52,
}

impl ClipPath {
    /// Short words for the UI and `--help`-like explanations.
    pub fn describe(self) -> &'static str {
        match self {
            ClipPath::Native => "system clipboard",
            ClipPath::Tmux => "tmux buffer",
            ClipPath::Osc52 => "terminal (OSC 52)",
        }
    }
}

/// The paths a copy will try, first to last; empty = nothing will be copied (see
/// [`not_copied_reason`]). Pure: reads only `env`.
///
/// - `off`: none. `native`, `tmux`, `osc52`: exactly that path, no fallback (an override means it).
/// - `auto`:
///   - `TERM=linux` (kernel console): none, as it has no clipboard and ignores OSC 52; only
///     inside tmux the tmux buffer, which needs no terminal support.
///   - native first when an X11 or Wayland display is named and, over SSH, only an X11 display
///     forwarded by ssh (`host:N`): a display on the remote machine would copy to the wrong
///     screen, and Wayland cannot be forwarded by ssh;
///   - then, inside tmux, the tmux buffer (tmux's default settings drop OSC 52 from panes, so
///     OSC 52 is not tried inside tmux);
///   - otherwise OSC 52.
pub fn planned_path(mode: ClipboardMode, env: &ClipEnv) -> Vec<ClipPath> {
    match mode {
        ClipboardMode::Off => vec![],
        ClipboardMode::Native => vec![ClipPath::Native],
        ClipboardMode::Tmux => vec![ClipPath::Tmux],
        ClipboardMode::Osc52 => vec![ClipPath::Osc52],
        ClipboardMode::Auto => {
            if env.linux_console {
                // A tmux buffer works on any terminal (pasted with `prefix ]`).
                return if env.tmux {
                    vec![ClipPath::Tmux]
                } else {
                    vec![]
                };
            }
            let mut paths = Vec::with_capacity(2);
            let display_ok = if env.ssh {
                env.display && env.x_forwarded
            } else {
                env.display || env.wayland
            };
            if display_ok {
                paths.push(ClipPath::Native);
            }
            paths.push(if env.tmux {
                ClipPath::Tmux
            } else {
                ClipPath::Osc52
            });
            paths
        }
    }
}

/// Why [`planned_path`] is empty, in words for the secret view.
pub fn not_copied_reason(mode: ClipboardMode, env: &ClipEnv) -> String {
    if mode == ClipboardMode::Off {
        "clipboard is off".into()
    } else if env.linux_console {
        "the Linux console has no clipboard".into()
    } else {
        "no clipboard reachable".into()
    }
}

/// Constant-time comparison of two digests.
fn digest_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What we remember about a copy, to clear it later. No secret in here.
struct Held {
    path: ClipPath,
    digest: [u8; 32],
    tmux_buffer: Option<String>,
}

/// Owned by the runtime for the life of the process: holds the native clipboard object (lazily
/// created) and a digest of what we put there, so a clear touches only our own content.
///
/// Dropping it clears whatever is still ours (quitting early clears at once), so keep it alive
/// for as long as the secret must stay pasteable. OSC 52 needs the terminal to clear: call
/// [`Clipboard::clear_if_ours`] before leaving the terminal; a drop still holding an OSC 52 copy
/// sends the empty set to `/dev/tty`, best effort.
pub struct Clipboard {
    mode: ClipboardMode,
    env: ClipEnv,
    native: Option<Native>,
    held: Option<Held>,
}

impl std::fmt::Debug for Clipboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clipboard")
            .field("mode", &self.mode)
            .field("env", &self.env)
            .field("path", &self.held.as_ref().map(|h| h.path))
            .field("native_open", &self.native.is_some())
            .finish_non_exhaustive()
    }
}

impl Clipboard {
    /// Creates nothing yet: no display must not break start-up.
    pub fn new(mode: ClipboardMode, env: ClipEnv) -> Self {
        Clipboard {
            mode,
            env,
            native: None,
            held: None,
        }
    }

    /// Copies once by the first path that works. `term` is the terminal's writer, for OSC 52
    /// (called between frames). Never blocks for long (native open ≤ 1 s, tmux ≤ 3 s).
    ///
    /// A previous copy still held is cleared first.
    pub fn copy(&mut self, secret: &OneTimeSecret, term: &mut dyn Write) -> CopyOutcome {
        self.copy_text(secret.expose(), term)
    }

    /// The same paths for any printable text (a token ID): what [`Clipboard::copy`] does with
    /// the borrowed secret. The copy is held like a secret: the next copy or quitting clears it
    /// while it is still ours. Only a secret's copy gets a timed clear (the model asks for it).
    pub fn copy_text(&mut self, text: &str, term: &mut dyn Write) -> CopyOutcome {
        if self.held.is_some() {
            self.clear_if_ours(term);
        }
        let paths = planned_path(self.mode, &self.env);
        if paths.is_empty() {
            return CopyOutcome::NotCopied {
                reason: not_copied_reason(self.mode, &self.env),
            };
        }
        let mut failures = Vec::with_capacity(paths.len());
        for path in paths {
            let tried = match path {
                ClipPath::Native => self.copy_native(text),
                ClipPath::Tmux => self.copy_tmux(text),
                ClipPath::Osc52 => copy_osc52(text, self.env.screen, term).map(|()| None),
            };
            match tried {
                Ok(tmux_buffer) => {
                    self.held = Some(Held {
                        path,
                        digest: sha256(text),
                        tmux_buffer,
                    });
                    return match path {
                        ClipPath::Native => CopyOutcome::SystemClipboard(NativeKind::of(
                            self.env.wayland,
                            self.env.ssh,
                        )),
                        ClipPath::Tmux => CopyOutcome::TmuxBuffer {
                            buffer: self.tmux_buffer().unwrap_or_default().to_owned(),
                        },
                        ClipPath::Osc52 => CopyOutcome::Osc52Sent,
                    };
                }
                Err(e) => failures.push(e),
            }
        }
        CopyOutcome::NotCopied {
            reason: failures.join("; "),
        }
    }

    fn copy_native(&mut self, text: &str) -> Result<Option<String>, String> {
        if let Some(native) = self.native.as_mut() {
            if native.set_secret(text).is_ok() {
                return Ok(None);
            }
            // The connection kept from an earlier copy is dead (display restarted): reopen.
            if let Some(old) = self.native.take() {
                old.release();
            }
        }
        let mut native = Native::open()?;
        native.set_secret(text)?;
        self.native = Some(native);
        Ok(None)
    }

    fn copy_tmux(&mut self, text: &str) -> Result<Option<String>, String> {
        let name = tmux::new_buffer_name()?;
        tmux::load(self.env.tmux_socket.as_deref(), &name, text.as_bytes())?;
        Ok(Some(name))
    }

    /// Before anything is made to be copied: the first planned path that can take a copy now
    /// (the system clipboard is opened, and kept for the copy; the tmux server answers; OSC 52
    /// needs a terminal, `tty`). `Err` says why there is none, in words. The copy itself may
    /// still fail later (a display that goes away), so its outcome must be checked too.
    pub fn reachable(&mut self, tty: bool) -> Result<ClipPath, String> {
        let paths = planned_path(self.mode, &self.env);
        if paths.is_empty() {
            return Err(not_copied_reason(self.mode, &self.env));
        }
        let mut failures = Vec::with_capacity(paths.len());
        for path in paths {
            let ready = match path {
                ClipPath::Native if self.native.is_some() => Ok(()),
                ClipPath::Native => Native::open().map(|n| self.native = Some(n)),
                ClipPath::Tmux => tmux::reachable(self.env.tmux_socket.as_deref()),
                ClipPath::Osc52 if tty => Ok(()),
                ClipPath::Osc52 => Err("no terminal to send OSC 52 to".to_string()),
            };
            match ready {
                Ok(()) => return Ok(path),
                Err(e) => failures.push(e),
            }
        }
        Err(failures.join("; "))
    }

    /// Clears what we copied if it is still ours.
    pub fn clear_if_ours(&mut self, term: &mut dyn Write) -> ClearOutcome {
        let Some(held) = self.held.take() else {
            return ClearOutcome::NothingToClear;
        };
        match held.path {
            ClipPath::Native => self.clear_native(&held.digest),
            ClipPath::Tmux => {
                let Some(name) = held.tmux_buffer.as_deref() else {
                    return ClearOutcome::NothingToClear;
                };
                match tmux::delete(self.env.tmux_socket.as_deref(), name) {
                    Ok(true) => ClearOutcome::Cleared,
                    Ok(false) => ClearOutcome::NothingToClear,
                    Err(e) => {
                        tracing::warn!("could not delete the tmux buffer: {e}");
                        // Keep it, so a later clear (or the drop) tries again.
                        self.held = Some(held);
                        ClearOutcome::NothingToClear
                    }
                }
            }
            ClipPath::Osc52 => {
                let seq = osc52::clear_sequence(self.env.screen);
                if let Err(e) = term.write_all(&seq).and_then(|()| term.flush()) {
                    tracing::warn!("could not send the OSC 52 clear: {e}");
                }
                ClearOutcome::BlindClear
            }
        }
    }

    fn clear_native(&mut self, digest: &[u8; 32]) -> ClearOutcome {
        let Some(native) = self.native.as_mut() else {
            return ClearOutcome::NothingToClear;
        };
        match native.holding(digest) {
            Holding::Ours => {
                if let Err(e) = native.wipe() {
                    // Giving up the connection still ends our ownership on X11/Wayland.
                    tracing::warn!("{e}");
                    self.release_native();
                }
                ClearOutcome::Cleared
            }
            Holding::SomethingElse => ClearOutcome::LeftAlone,
            Holding::Unknown => {
                // Unreadable: on X11/Wayland, giving up the connection removes only what is
                // ours; elsewhere the clipboard outlives us, so empty it.
                if cfg!(any(target_os = "macos", windows)) {
                    let _ = native.wipe();
                }
                self.release_native();
                ClearOutcome::Cleared
            }
        }
    }

    /// Gives up the native connection. Otherwise it is kept after a clear (holding only the
    /// empty string) and reused by the next copy: closing the last client of a bare X server
    /// makes it reset, dropping connections made meanwhile.
    fn release_native(&mut self) {
        if let Some(native) = self.native.take() {
            native.release();
        }
    }

    /// True while something we copied may still be in a clipboard.
    pub fn holds_secret(&self) -> bool {
        self.held.is_some()
    }

    /// The path of the copy still held, if any.
    pub fn held_path(&self) -> Option<ClipPath> {
        self.held.as_ref().map(|h| h.path)
    }

    /// The tmux buffer holding the secret, if that is the path used (for the view to name it).
    pub fn tmux_buffer(&self) -> Option<&str> {
        self.held.as_ref().and_then(|h| h.tmux_buffer.as_deref())
    }
}

/// SHA-256, as [`OneTimeSecret::digest`] computes it, to recognise our copy at the clear.
fn sha256(text: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes()).into()
}

fn copy_osc52(text: &str, screen: bool, term: &mut dyn Write) -> Result<(), String> {
    let seq = osc52::set_sequence(text.as_bytes(), screen)
        .ok_or_else(|| "too long for OSC 52".to_string())?;
    term.write_all(&seq)
        .and_then(|()| term.flush())
        .map_err(|e| format!("cannot write to the terminal: {e}"))
}

impl Drop for Clipboard {
    fn drop(&mut self) {
        if self.held_path() == Some(ClipPath::Osc52) {
            match std::fs::OpenOptions::new().write(true).open("/dev/tty") {
                Ok(mut tty) => {
                    self.clear_if_ours(&mut tty);
                }
                Err(_) => self.held = None,
            }
        } else {
            self.clear_if_ours(&mut std::io::sink());
        }
        self.release_native();
    }
}
