//! Copy once: native (arboard) -> tmux buffer -> OSC 52 -> shown for manual copy; timed clear.

use std::io::Write;

use super::one_time::OneTimeSecret;

/// Which path to use (`--clipboard`, config `clipboard`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Deserialize,
    serde::Serialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum ClipboardMode {
    #[default]
    Auto,
    Native,
    Tmux,
    Osc52,
    Off,
}

/// How the copy went; the secret view says it in these words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyOutcome {
    SystemClipboard,
    TmuxBuffer,
    /// Sent, but a terminal never confirms.
    Osc52Sent,
    /// Nothing reached a clipboard; `reason` says why (no display, TERM=linux, mode off…).
    NotCopied {
        reason: String,
    },
}

impl CopyOutcome {
    /// The words of the secret view.
    pub fn label(&self) -> String {
        match self {
            CopyOutcome::SystemClipboard => "copied to the system clipboard".into(),
            CopyOutcome::TmuxBuffer => "copied to a tmux buffer".into(),
            CopyOutcome::Osc52Sent => "sent to the terminal (OSC 52) — cannot be confirmed".into(),
            CopyOutcome::NotCopied { reason } => {
                format!("not copied — copy it from the screen ({reason})")
            }
        }
    }
    pub fn copied(&self) -> bool {
        !matches!(self, CopyOutcome::NotCopied { .. })
    }
}

/// What a clear did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClearOutcome {
    Cleared,
    /// The clipboard holds something else now; left alone.
    LeftAlone,
    /// OSC 52: an empty set was sent; cannot be confirmed.
    BlindClear,
    NothingToClear,
}

/// The environment facts the choice of path depends on (read once from the process env).
#[derive(Debug, Clone, Default)]
pub struct ClipEnv {
    pub display: bool,
    pub wayland: bool,
    pub tmux: bool,
    pub screen: bool,
    pub ssh: bool,
    pub linux_console: bool,
}

impl ClipEnv {
    pub fn from_process() -> Self {
        let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
        ClipEnv {
            display: set("DISPLAY"),
            wayland: set("WAYLAND_DISPLAY"),
            tmux: set("TMUX"),
            screen: set("STY"),
            ssh: set("SSH_TTY") || set("SSH_CONNECTION") || set("SSH_CLIENT"),
            linux_console: std::env::var("TERM").is_ok_and(|t| t == "linux"),
        }
    }
}

/// Owned by the runtime for the life of the process: holds the native clipboard object (lazily
/// created) and a digest of what we put there, so a clear touches only our own content.
pub struct Clipboard {
    mode: ClipboardMode,
    env: ClipEnv,
}

impl Clipboard {
    /// Creates nothing yet: no display must not break start-up.
    pub fn new(mode: ClipboardMode, env: ClipEnv) -> Self {
        Clipboard { mode, env }
    }

    /// Copies once by the first path that works. `term` is the terminal's writer, for OSC 52
    /// (called between frames). Never blocks for long.
    pub fn copy(&mut self, secret: &OneTimeSecret, term: &mut dyn Write) -> CopyOutcome {
        let _ = (secret, term, &self.mode, &self.env);
        CopyOutcome::NotCopied {
            reason: "not implemented".into(),
        }
    }

    /// Clears what we copied if it is still ours.
    pub fn clear_if_ours(&mut self, term: &mut dyn Write) -> ClearOutcome {
        let _ = term;
        ClearOutcome::NothingToClear
    }

    /// True while something we copied may still be in a clipboard.
    pub fn holds_secret(&self) -> bool {
        false
    }
}
