//! Whole journeys through `runtime::run` on TestBackend, keys fed through a channel. These need
//! no server: the client points at a port where the server is "down" (every connection is
//! dropped at once), so every call fails like an unreachable service would.

use crate::common;

use std::time::Duration;

use crossterm::event::{Event, KeyCode};
use tokio::sync::watch;

use common::fixtures::*;
use common::journey::{DownServer, Person, deps_with, play, play_counted};
use tokentab::api::ClientOptions;
use tokentab::tui::app::form::Field;
use tokentab::tui::app::{App, Load};
use tokentab::tui::keymap::Mode;
use tokentab::tui::runtime::{Deps, Stats};

fn deps(down: &DownServer) -> Deps {
    let mut d = deps_with(
        &down.url,
        "not-a-token",
        ClientOptions {
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(5),
            max_retries: 0,
            ..ClientOptions::default()
        },
    );
    d.request_timeout = Duration::from_secs(10);
    d
}

#[tokio::test]
async fn open_form_validate_help_and_quit() {
    let down = DownServer::start();
    let drive = |mut p: Person| async move {
        // Everything is queued at once: the loop must process it all in order.
        p.key(KeyCode::Char('n'));
        p.text("journey token");
        p.key(KeyCode::Tab);
        p.keys(&[KeyCode::Backspace; 4]);
        p.text("+0d");
        p.ctrl('s');
        // A paste into the focused field is text; then help, close it, close the form.
        p.event(Event::Paste("x".into()));
        p.wait_text("+0dx").await;
        p.key(KeyCode::Esc);
        p.wait_text("Discard the new token?").await;
        p.key(KeyCode::Char('y'));
        p.wait("the form closed", |f| !f.contains("New token"))
            .await;
        p.key(KeyCode::Char('?'));
        p.wait_text("Keys (Esc closes)").await;
        p.key(KeyCode::Esc);
        // Keys already waiting are applied before one draw: Esc and q sent together would quit
        // with the help's frame last on screen. A person sees the help close first.
        p.wait("the help closed", |f| !f.contains("Keys (Esc closes)"))
            .await;
        p.key(KeyCode::Char('q'));
    };
    let (app, stats, text) =
        play_counted(App::new(cfg(), now()), deps(&down), 100, 30, drive).await;
    assert!(app.quitting);
    assert!(app.form.is_none());
    assert!(stats.draws >= 1);
    assert_eq!(app.mode(), Mode::Table);
    assert!(text.contains("Access Tokens"), "{text}");
}

#[tokio::test]
async fn validation_messages_show_in_the_running_app() {
    let down = DownServer::start();
    let drive = |mut p: Person| async move {
        p.key(KeyCode::Char('n'));
        p.ctrl('s');
        p.wait_text("a description is required").await;
        p.ctrl('c');
    };
    let (app, text) = play(App::new(cfg(), now()), deps(&down), 100, 30, drive).await;
    let f = app.form.as_ref().expect("the form stays open");
    assert!(f.error(Field::Description).is_some());
    assert!(text.contains("a description is required"), "{text}");
}

/// Waits until the published stats satisfy `cond` (a generous bound: a loaded 2-core machine).
async fn until(rx: &mut watch::Receiver<Stats>, cond: impl Fn(&Stats) -> bool) -> Stats {
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let s = *rx.borrow_and_update();
            if cond(&s) {
                return s;
            }
            if rx.changed().await.is_err() {
                return *rx.borrow();
            }
        }
    })
    .await
    .expect("the loop kept drawing")
}

#[tokio::test]
async fn idle_means_zero_draws_and_unreachable_shows_the_banner() {
    let down = DownServer::start();
    let mut d = deps(&down);
    let (stx, mut srx) = watch::channel(Stats::default());
    d.stats = Some(stx);
    // The idle window: an idle loop draws nothing at all, while a timer or spinner left running
    // by mistake draws several times a second, so 2 s without a draw tells them apart with a wide
    // margin. A late start-up answer may still land in the first window; the test looks for one
    // quiet window within a minute, so only a loop that never goes quiet fails.
    const IDLE_WINDOW: Duration = Duration::from_secs(2);
    let drive = |mut p: Person| async move {
        p.wait_text("cannot load tokens").await;
        until(&mut srx, |s| s.draws >= 1).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        let quiet = loop {
            let before = srx.borrow_and_update().draws;
            tokio::time::sleep(IDLE_WINDOW).await;
            if srx.borrow().draws == before {
                break true;
            }
            if tokio::time::Instant::now() > deadline {
                break false;
            }
        };
        p.key(KeyCode::Char('q'));
        assert!(
            quiet,
            "the loop never stayed {IDLE_WINDOW:?} without a draw while idle"
        );
    };
    let (app, text) = play(App::new(cfg(), now()), d, 120, 30, drive).await;
    assert!(
        matches!(app.table.list, Load::Failed(_)),
        "{:?}",
        app.table.list
    );
    assert!(
        text.contains("cannot load tokens") && text.contains("press r to retry"),
        "{text}"
    );
}

#[derive(Clone, Default)]
struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn every_draw_is_a_synchronized_update() {
    let down = DownServer::start();
    let mut d = deps(&down);
    let out = Shared::default();
    d.term_out = Some(Box::new(out.clone()));
    let drive = |mut p: Person| async move {
        p.key(KeyCode::Char('?'));
        p.key(KeyCode::Esc);
        p.key(KeyCode::Char('n'));
        p.wait_text("New token").await;
        p.key(KeyCode::Char('q'));
        p.key(KeyCode::Esc);
        p.wait_text("Discard the new token?").await;
        p.key(KeyCode::Char('y'));
        p.wait("the form closed", |f| !f.contains("New token"))
            .await;
        p.key(KeyCode::Char('q'));
    };
    let (_, stats, _) = play_counted(App::new(cfg(), now()), d, 100, 30, drive).await;
    let bytes = out.0.lock().unwrap().clone();
    let text = String::from_utf8_lossy(&bytes);
    let begins = text.matches("\u{1b}[?2026h").count() as u64;
    let ends = text.matches("\u{1b}[?2026l").count() as u64;
    assert!(stats.draws >= 1);
    assert_eq!((begins, ends), (stats.draws, stats.draws), "{text:?}");
}

#[tokio::test]
async fn a_termination_signal_quits_and_a_dropped_one_does_not() {
    // Signal: quit, with no key pressed.
    let down = DownServer::start();
    let mut d = deps(&down);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
    d.shutdown = Some(stop_rx);
    let drive = |mut p: Person| async move {
        p.wait_text("Access Tokens").await;
        stop_tx.send(()).unwrap();
    };
    // `play` returns only once the loop has ended (a loop that ignored the signal would run
    // until play's bound and fail there).
    play(App::new(cfg(), now()), d, 80, 24, drive).await;

    // Dropped sender: the loop keeps running (it still answers keys) until q.
    let mut d = deps(&down);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    d.shutdown = Some(stop_rx);
    drop(stop_tx);
    let drive = |mut p: Person| async move {
        p.wait_text("Access Tokens").await;
        p.key(KeyCode::Char('?'));
        p.wait_text("Keys (Esc closes)").await;
        p.key(KeyCode::Esc);
        p.key(KeyCode::Char('q'));
    };
    let (app, _) = play(App::new(cfg(), now()), d, 80, 24, drive).await;
    assert!(app.quitting, "quit by q, not by the dropped sender");
}
