//! The system clipboard through arboard (X11, Wayland data-control, macOS, Windows).
//!
//! On X11 and Wayland the clipboard belongs to the process that set it, and arboard serves paste
//! requests from its own thread while the `arboard::Clipboard` lives; so this object is kept
//! alive until the clear. arboard's blocking `wait*` options are never used.
//!
//! What cannot be wiped: arboard copies the text into its own `Vec` (`Cow::into_owned`) that it
//! frees without zeroing when replaced by the empty string at the clear; the X server, the
//! compositor and every client that pasted keep their own copies.

use std::sync::mpsc;
use std::time::Duration;

use zeroize::Zeroizing;

use super::digest_eq;

/// Connecting can hang on a `DISPLAY` that points at an unreachable TCP host (the OS connect
/// timeout is minutes). The UI waits at most this long; the probe thread is left to finish alone.
pub const OPEN_TIMEOUT: Duration = Duration::from_secs(1);

const RETRY_AFTER: Duration = Duration::from_millis(100);

pub struct Native {
    cb: arboard::Clipboard,
}

/// What the clipboard holds at the clear.
pub enum Holding {
    Ours,
    SomethingElse,
    /// Could not be read; see `Native::release`.
    Unknown,
}

impl Native {
    /// Connects to the display's clipboard, waiting at most [`OPEN_TIMEOUT`].
    pub fn open() -> Result<Native, String> {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("tokentab-clipboard-open".into())
            .spawn(move || {
                let mut opened = arboard::Clipboard::new();
                if opened.is_err() {
                    // An X server resets when its last client leaves (Xvfb, bare xinit) and
                    // drops connections made during the reset: one more try shortly after.
                    std::thread::sleep(RETRY_AFTER);
                    opened = arboard::Clipboard::new();
                }
                // If the receiver timed out, this send fails and the clipboard is dropped here.
                let _ = tx.send(opened);
            })
            .map_err(|e| format!("cannot start the clipboard thread: {e}"))?;
        match rx.recv_timeout(OPEN_TIMEOUT) {
            Ok(Ok(cb)) => Ok(Native { cb }),
            Ok(Err(e)) => Err(format!("system clipboard unavailable: {e}")),
            Err(_) => Err(format!(
                "system clipboard did not answer within {OPEN_TIMEOUT:?} (display unreachable?)"
            )),
        }
    }

    /// Puts `text` on the clipboard, marked as secret so clipboard managers do not keep it.
    pub fn set_secret(&mut self, text: &str) -> Result<(), String> {
        let set = self.cb.set();
        #[cfg(all(
            unix,
            not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
        ))]
        let set = {
            use arboard::SetExtLinux as _;
            set.exclude_from_history()
        };
        #[cfg(target_os = "macos")]
        let set = {
            use arboard::SetExtApple as _;
            set.exclude_from_history()
        };
        #[cfg(windows)]
        let set = {
            use arboard::SetExtWindows as _;
            set.exclude_from_monitoring()
        };
        set.text(text)
            .map_err(|e| format!("system clipboard refused the text: {e}"))
    }

    /// Whether the clipboard still holds the text whose SHA-256 is `digest`.
    pub fn holding(&mut self, digest: &[u8; 32]) -> Holding {
        use sha2::{Digest, Sha256};
        match self.cb.get_text() {
            Ok(text) => {
                let text = Zeroizing::new(text);
                let now: [u8; 32] = Sha256::digest(text.as_bytes()).into();
                if digest_eq(&now, digest) {
                    Holding::Ours
                } else {
                    Holding::SomethingElse
                }
            }
            // Empty, or not text (say an image copied since): not ours.
            Err(arboard::Error::ContentNotAvailable) => Holding::SomethingElse,
            Err(_) => Holding::Unknown,
        }
    }

    /// Replaces our content with the empty string.
    ///
    /// On X11 and Wayland we keep owning the (now empty) selection instead of also calling
    /// `clear()`: giving it up sends our connection a SelectionClear that arboard's serving
    /// thread handles asynchronously by dropping its data, and when a new copy follows quickly
    /// that thread erases the *new* secret while we still own the selection (measured under
    /// Xvfb: the next copy reported success, and paste got nothing). Ownership ends when the
    /// object is released. Elsewhere the clipboard is global and is emptied outright.
    pub fn wipe(&mut self) -> Result<(), String> {
        self.set_secret("")
            .map_err(|e| format!("cannot clear the system clipboard: {e}"))?;
        #[cfg(any(target_os = "macos", windows))]
        self.cb
            .clear()
            .map_err(|e| format!("cannot clear the system clipboard: {e}"))?;
        Ok(())
    }

    /// Drops the clipboard object. On X11 and Wayland this ends our ownership: if the selection
    /// is still ours it disappears (with exclude-from-history it is not handed to a clipboard
    /// manager); if someone else owns it, nothing happens to theirs.
    pub fn release(self) {
        drop(self.cb);
    }
}
