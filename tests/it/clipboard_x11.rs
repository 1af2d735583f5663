//! The native path under a real X server (Xvfb started here on a free display), read back from
//! another process with xclip: the token is there after the copy, gone after the clear, and a
//! value someone else copied in between is left alone.
//!
//! The Xvfb harness is `common::xvfb`; a missing Xvfb or xclip fails the test with the install
//! line.

use crate::common;
use crate::common::timing::within_3x;

use std::time::{Duration, Instant};

use common::own_process::own_process;
use common::xvfb::{Xvfb, set_process_display};

use tokentab::model::settings::ClipboardMode;
use tokentab::secret::OneTimeSecret;
use tokentab::secret::clipboard::{
    ClearOutcome, ClipEnv, ClipPath, Clipboard, CopyOutcome, NativeKind,
};

const TOKEN: &str = "eyJ2ZXIiOiIyIn0.cmVmdGtuOngxMS10ZXN0LXRva2Vu.c2lnbmF0dXJl";
const OTHER: &str = "something the user copied since";

fn secret() -> OneTimeSecret {
    OneTimeSecret::new(TOKEN.to_string()).unwrap()
}

#[test]
fn holds_the_token_after_copy_and_not_after_clear() {
    own_process(
        module_path!(),
        "holds_the_token_after_copy_and_not_after_clear",
        || {
            let x = Xvfb::start_for_this_process();
            let mut cb = Clipboard::new(ClipboardMode::Auto, x.env());
            let mut term = Vec::new();
            let started = Instant::now();
            let out = cb.copy(&secret(), &mut term);
            eprintln!("native copy (first, connects) took {:?}", started.elapsed());
            assert_eq!(
                out,
                CopyOutcome::SystemClipboard(NativeKind::X11),
                "{}",
                out.label()
            );
            assert!(
                term.is_empty(),
                "no OSC 52 when the system clipboard worked"
            );
            assert_eq!(cb.held_path(), Some(ClipPath::Native));

            let started = Instant::now();
            assert_eq!(x.read_clipboard(None).as_deref(), Some(TOKEN));
            eprintln!("xclip read-back took {:?}", started.elapsed());
            let targets = x.read_clipboard(Some("TARGETS")).unwrap_or_default();
            assert!(
                targets.contains("x-kde-passwordManagerHint"),
                "marked secret for clipboard managers: {targets}"
            );

            let started = Instant::now();
            assert_eq!(cb.clear_if_ours(&mut term), ClearOutcome::Cleared);
            eprintln!("native clear took {:?}", started.elapsed());
            assert!(!cb.holds_secret());
            let after = x.read_clipboard(None);
            assert!(
                after.as_deref().unwrap_or("").is_empty(),
                "clipboard after clear: {after:?}"
            );
        },
    );
}

#[test]
fn a_value_copied_in_between_is_left_alone() {
    own_process(
        module_path!(),
        "a_value_copied_in_between_is_left_alone",
        || {
            let x = Xvfb::start_for_this_process();
            let mut cb = Clipboard::new(ClipboardMode::Native, x.env());
            assert_eq!(
                cb.copy(&secret(), &mut Vec::new()),
                CopyOutcome::SystemClipboard(NativeKind::X11)
            );
            assert_eq!(x.read_clipboard(None).as_deref(), Some(TOKEN));

            x.copy_from_elsewhere(OTHER);
            assert_eq!(cb.clear_if_ours(&mut Vec::new()), ClearOutcome::LeftAlone);
            assert!(!cb.holds_secret());
            assert_eq!(x.read_clipboard(None).as_deref(), Some(OTHER));
            drop(cb);
            assert_eq!(x.read_clipboard(None).as_deref(), Some(OTHER));
        },
    );
}

#[test]
fn dropping_the_clipboard_clears_it() {
    own_process(module_path!(), "dropping_the_clipboard_clears_it", || {
        let x = Xvfb::start_for_this_process();
        let mut cb = Clipboard::new(ClipboardMode::Auto, x.env());
        assert_eq!(
            cb.copy(&secret(), &mut Vec::new()),
            CopyOutcome::SystemClipboard(NativeKind::X11)
        );
        assert_eq!(x.read_clipboard(None).as_deref(), Some(TOKEN));
        drop(cb);
        let after = x.read_clipboard(None);
        assert!(after.as_deref().unwrap_or("").is_empty(), "{after:?}");
    });
}

#[test]
fn a_second_copy_replaces_the_first() {
    own_process(module_path!(), "a_second_copy_replaces_the_first", || {
        let x = Xvfb::start_for_this_process();
        let mut cb = Clipboard::new(ClipboardMode::Native, x.env());
        let second = "c2Vjb25kLXRva2VuLXZhbHVlLWZvci10ZXN0";
        assert_eq!(
            cb.copy(&secret(), &mut Vec::new()),
            CopyOutcome::SystemClipboard(NativeKind::X11)
        );
        let started = Instant::now();
        let out = cb.copy(&OneTimeSecret::new(second.into()).unwrap(), &mut Vec::new());
        eprintln!(
            "native copy replacing the first (same connection) took {:?}",
            started.elapsed()
        );
        assert_eq!(out, CopyOutcome::SystemClipboard(NativeKind::X11));
        assert_eq!(x.read_clipboard(None).as_deref(), Some(second));
        assert_eq!(cb.clear_if_ours(&mut Vec::new()), ClearOutcome::Cleared);
    });
}

#[test]
fn a_dead_display_falls_to_the_next_path_and_never_claims_a_copy() {
    own_process(
        module_path!(),
        "a_dead_display_falls_to_the_next_path_and_never_claims_a_copy",
        || {
            // A stale X socket nobody listens on (a display whose server is gone), on a display
            // number no Xvfb of this run takes (they pick the lowest free one). Not a socket path
            // in DISPLAY: x11rb 0.13 then connects to /tmp/.X11-unix/X0, which another test's
            // Xvfb may own.
            let sockets = std::path::Path::new("/tmp/.X11-unix");
            let number = (600..700)
                .find(|n| !sockets.join(format!("X{n}")).exists())
                .expect("a free X display number");
            let socket = sockets.join(format!("X{number}"));
            if sockets.is_dir() {
                drop(std::os::unix::net::UnixListener::bind(&socket));
            }
            let _stale = StaleSocket(socket);
            let display = format!(":{number}");
            set_process_display(&display);
            let env = ClipEnv::from_vars(|k| (k == "DISPLAY").then(|| display.clone()));
            assert!(env.display && !env.x_forwarded);

            let mut native_only = Clipboard::new(ClipboardMode::Native, env.clone());
            let started = Instant::now();
            let out = native_only.copy(&secret(), &mut Vec::new());
            eprintln!(
                "native copy on a dead display gave up after {:?}",
                started.elapsed()
            );
            // What this protects against is a copy that hangs on a dead display (arboard's
            // connect would wait forever). Goal: within the native path's ~1 s give-up.
            within_3x(
                "a native copy on a dead display gives up",
                started.elapsed(),
                Duration::from_secs(1),
            );
            assert!(!out.copied(), "{out:?}");
            assert!(out.label().contains("not copied") && !out.label().contains(TOKEN));
            assert!(!native_only.holds_secret());

            let mut auto = Clipboard::new(ClipboardMode::Auto, env);
            let mut term = Vec::new();
            assert_eq!(auto.copy(&secret(), &mut term), CopyOutcome::Osc52Sent);
            assert!(term.starts_with(b"\x1b]52;c;"));
            assert_eq!(
                auto.clear_if_ours(&mut Vec::new()),
                ClearOutcome::BlindClear
            );
        },
    );
}

#[test]
fn copy_right_after_a_clear_is_really_there() {
    own_process(
        module_path!(),
        "copy_right_after_a_clear_is_really_there",
        || {
            let x = Xvfb::start_for_this_process();
            let mut cb = Clipboard::new(ClipboardMode::Auto, x.env());
            let copy = |cb: &mut Clipboard, value: &str| {
                let out = cb.copy(&OneTimeSecret::new(value.into()).unwrap(), &mut Vec::new());
                assert_eq!(
                    out,
                    CopyOutcome::SystemClipboard(NativeKind::X11),
                    "{value}"
                );
            };
            for round in 0..10 {
                let (a, b, c) = (
                    format!("{TOKEN}-{round}a"),
                    format!("{TOKEN}-{round}b"),
                    format!("{TOKEN}-{round}c"),
                );
                copy(&mut cb, &a);
                copy(&mut cb, &b); // replaces `a` at once
                assert_eq!(
                    x.read_clipboard(None),
                    Some(b),
                    "round {round}: claimed but not pasteable"
                );
                assert_eq!(cb.clear_if_ours(&mut Vec::new()), ClearOutcome::Cleared);
                copy(&mut cb, &c); // right after a clear
                assert_eq!(
                    x.read_clipboard(None),
                    Some(c),
                    "round {round}: claimed but not pasteable"
                );
                assert_eq!(cb.clear_if_ours(&mut Vec::new()), ClearOutcome::Cleared);
                let after = x.read_clipboard(None);
                assert!(
                    after.as_deref().unwrap_or("").is_empty(),
                    "round {round}: {after:?}"
                );
            }
        },
    );
}

/// Removes the stale socket a test made.
struct StaleSocket(std::path::PathBuf);

impl Drop for StaleSocket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
