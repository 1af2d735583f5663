//! A `DISPLAY` naming a TCP X server that never answers (a listener that accepts and stays
//! silent, as a dead SSH tunnel or firewalled host does) must not hang the copy: the native
//! path gives up after about a second and the next path is used. In a process of its own
//! (`own_process`): it sets `DISPLAY`, and arboard's stuck connect attempt keeps its
//! process-wide clipboard lock.

use crate::common::timing::within_3x;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::common::own_process::own_process;
use crate::common::xvfb::set_process_display;
use tokentab::model::settings::ClipboardMode;
use tokentab::secret::OneTimeSecret;
use tokentab::secret::clipboard::{ClipEnv, Clipboard, CopyOutcome};

const TOKEN: &str = "cmVmdGtuOjAxOnRpbWVvdXQtdGVzdC10b2tlbg";

#[test]
fn an_unanswering_display_does_not_block_the_copy() {
    own_process(
        module_path!(),
        "an_unanswering_display_does_not_block_the_copy",
        || {
            let (listener, display) = (50..400)
                .find_map(|n| {
                    TcpListener::bind(("127.0.0.1", 6000 + n))
                        .ok()
                        .map(|l| (l, format!("127.0.0.1:{n}")))
                })
                .expect("no free port for a fake X server");
            set_process_display(&display);
            let env = ClipEnv::from_vars(|k| (k == "DISPLAY").then(|| display.clone()));
            let secret = OneTimeSecret::new(TOKEN.into()).unwrap();

            let mut auto = Clipboard::new(ClipboardMode::Auto, env.clone());
            let mut term = Vec::new();
            let started = Instant::now();
            let out = auto.copy(&secret, &mut term);
            let took = started.elapsed();
            eprintln!("copy with a silent display took {took:?}");
            assert_eq!(out, CopyOutcome::Osc52Sent, "{}", out.label());
            assert!(
                took >= Duration::from_millis(900),
                "{took:?}: did it really wait?"
            );
            // The silent display never answers: without the ~1 s give-up the copy blocks until the
            // test times out. Goal: the give-up, 1 s.
            within_3x(
                "the Auto copy with a silent display",
                took,
                Duration::from_secs(1),
            );
            assert!(term.starts_with(b"\x1b]52;c;"));
            auto.clear_if_ours(&mut Vec::new());

            let mut native = Clipboard::new(ClipboardMode::Native, env);
            let started = Instant::now();
            let out = native.copy(&secret, &mut Vec::new());
            within_3x(
                "the Native copy with a silent display",
                started.elapsed(),
                Duration::from_secs(1),
            );
            assert!(!out.copied(), "{out:?}");
            assert!(out.label().contains("did not answer"), "{}", out.label());
            drop(listener);
        },
    );
}
