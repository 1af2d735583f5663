//! What a copy and a clear did, and the words the secret view and the CLI say about them: the
//! destination by name (which clipboard, which tmux buffer and how to paste it), what a timed
//! clear will really do (a countdown only for what can be cleared), and what it did.

/// Which system clipboard arboard reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NativeKind {
    X11,
    Wayland,
    /// macOS or Windows: one clipboard, no display to name.
    Desktop,
}

impl NativeKind {
    /// From the environment the copy ran in: arboard tries Wayland's data-control first when
    /// `WAYLAND_DISPLAY` is set (not over ssh, which cannot forward it), else X11.
    pub fn of(wayland: bool, ssh: bool) -> NativeKind {
        if cfg!(any(target_os = "macos", windows)) {
            NativeKind::Desktop
        } else if wayland && !ssh {
            NativeKind::Wayland
        } else {
            NativeKind::X11
        }
    }

    /// "the system clipboard (X11)".
    pub fn name(self) -> &'static str {
        match self {
            NativeKind::X11 => "the system clipboard (X11)",
            NativeKind::Wayland => "the system clipboard (Wayland)",
            NativeKind::Desktop => "the system clipboard",
        }
    }
}

/// How the copy went; the secret view says it in these words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyOutcome {
    SystemClipboard(NativeKind),
    /// A named tmux paste buffer.
    TmuxBuffer {
        buffer: String,
    },
    /// Sent, but a terminal never confirms.
    Osc52Sent,
    /// Nothing reached a clipboard; `reason` says why (no display, TERM=linux, mode off…).
    NotCopied {
        reason: String,
    },
}

impl CopyOutcome {
    /// Where it went, in one sentence: "copied to a tmux buffer: tokentab-…".
    pub fn label(&self) -> String {
        match self {
            CopyOutcome::SystemClipboard(kind) => format!("copied to {}", kind.name()),
            CopyOutcome::TmuxBuffer { buffer } => format!("copied to a tmux buffer: {buffer}"),
            CopyOutcome::Osc52Sent => {
                "sent to the terminal (OSC 52), not confirmed: the terminal may have ignored it"
                    .into()
            }
            CopyOutcome::NotCopied { reason } => format!("not copied: {reason}"),
        }
    }

    pub fn copied(&self) -> bool {
        !matches!(self, CopyOutcome::NotCopied { .. })
    }

    /// How to get at it: paste from tmux, or select it on screen when nothing was copied.
    pub fn how_to_use(&self) -> Option<String> {
        match self {
            CopyOutcome::TmuxBuffer { buffer } => Some(format!(
                "paste it with prefix ] (or: tmux paste-buffer -b {buffer})"
            )),
            CopyOutcome::NotCopied { .. } => {
                Some("select it with the mouse and copy it yourself".into())
            }
            CopyOutcome::SystemClipboard(_) | CopyOutcome::Osc52Sent => None,
        }
    }

    /// Whether a timed clear can really remove it (and so whether a countdown is shown). OSC 52
    /// cannot: a terminal cannot be asked what its clipboard holds, nor told reliably to clear it.
    pub fn clears_on_timer(&self) -> bool {
        matches!(
            self,
            CopyOutcome::SystemClipboard(_) | CopyOutcome::TmuxBuffer { .. }
        )
    }

    /// The countdown: what will be cleared in `secs` seconds, exactly.
    pub fn countdown(&self, secs: i64) -> Option<String> {
        match self {
            CopyOutcome::SystemClipboard(kind) => Some(format!(
                "{} will be cleared in {secs} s if it still holds the token",
                kind.name()
            )),
            CopyOutcome::TmuxBuffer { buffer } => Some(format!(
                "the tmux buffer {buffer} will be deleted in {secs} s"
            )),
            CopyOutcome::Osc52Sent | CopyOutcome::NotCopied { .. } => None,
        }
    }

    /// Said instead of a countdown when there is none: why nothing will be cleared.
    pub fn no_countdown(&self, clearing_off: bool) -> Option<String> {
        match self {
            CopyOutcome::NotCopied { .. } => None,
            CopyOutcome::Osc52Sent => Some(
                "OSC 52 cannot be cleared reliably: no countdown (an unconfirmed clear is sent on quit)"
                    .into(),
            ),
            _ if clearing_off => {
                Some("clearing is off (--clipboard-clear 0): it stays until replaced".into())
            }
            _ => None,
        }
    }

    /// What a clear did to this copy, in the view's words ("tmux buffer … deleted").
    pub fn cleared(&self, outcome: &ClearOutcome) -> String {
        match (self, outcome) {
            (CopyOutcome::TmuxBuffer { buffer }, ClearOutcome::Cleared) => {
                format!("tmux buffer {buffer} deleted")
            }
            (CopyOutcome::TmuxBuffer { buffer }, ClearOutcome::NothingToClear) => {
                format!("tmux buffer {buffer} was already gone")
            }
            (CopyOutcome::SystemClipboard(kind), ClearOutcome::Cleared) => {
                format!("{} cleared", kind.name())
            }
            (CopyOutcome::SystemClipboard(kind), ClearOutcome::LeftAlone) => {
                format!("{} holds something else now; left alone", kind.name())
            }
            (_, other) => other.label().to_owned(),
        }
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

impl ClearOutcome {
    /// Words for the status line and the CLI.
    pub fn label(&self) -> &'static str {
        match self {
            ClearOutcome::Cleared => "cleared",
            ClearOutcome::LeftAlone => "left alone: it holds something else now",
            ClearOutcome::BlindClear => {
                "an empty clipboard was sent to the terminal (OSC 52; cannot be confirmed)"
            }
            ClearOutcome::NothingToClear => "nothing of ours to clear",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_destination_is_named_with_what_its_clear_does() {
        let tmux = CopyOutcome::TmuxBuffer {
            buffer: "tokentab-0011".into(),
        };
        assert_eq!(tmux.label(), "copied to a tmux buffer: tokentab-0011");
        assert_eq!(
            tmux.how_to_use().unwrap(),
            "paste it with prefix ] (or: tmux paste-buffer -b tokentab-0011)"
        );
        assert_eq!(
            tmux.countdown(23).unwrap(),
            "the tmux buffer tokentab-0011 will be deleted in 23 s"
        );
        assert_eq!(
            tmux.cleared(&ClearOutcome::Cleared),
            "tmux buffer tokentab-0011 deleted"
        );
        let x11 = CopyOutcome::SystemClipboard(NativeKind::X11);
        assert_eq!(x11.label(), "copied to the system clipboard (X11)");
        assert!(
            x11.countdown(5)
                .unwrap()
                .contains("if it still holds the token")
        );
        assert!(x11.cleared(&ClearOutcome::LeftAlone).contains("left alone"));
        let osc = CopyOutcome::Osc52Sent;
        assert!(osc.label().contains("not confirmed"));
        assert!(!osc.clears_on_timer() && osc.countdown(5).is_none());
        assert!(
            osc.no_countdown(false)
                .unwrap()
                .contains("cannot be cleared")
        );
        let none = CopyOutcome::NotCopied {
            reason: "clipboard is off".into(),
        };
        assert_eq!(none.label(), "not copied: clipboard is off");
        assert!(
            none.how_to_use()
                .unwrap()
                .contains("select it with the mouse")
        );
        assert!(none.countdown(5).is_none() && none.no_countdown(true).is_none());
        assert_eq!(NativeKind::of(true, false), NativeKind::Wayland);
        assert_eq!(NativeKind::of(true, true), NativeKind::X11);
    }
}
