//! Whole journeys through `runtime::run` on TestBackend, keys fed through a channel. These need
//! no server: the client points at a closed port, so every call fails like an unreachable
//! service would.

mod tui_support;

use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::Stream;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use secrecy::SecretString;
use tokio::sync::{mpsc, watch};

use tokentab::api::{Client, ClientOptions};
use tokentab::secret::clipboard::{ClipEnv, Clipboard, ClipboardMode};
use tokentab::tui::app::form::Field;
use tokentab::tui::app::{App, Load};
use tokentab::tui::keymap::Mode;
use tokentab::tui::runtime::{self, Deps, Stats};
use tui_support::*;

fn deps() -> Deps {
    let client = Client::new(
        "http://127.0.0.1:9",
        SecretString::from("not-a-token".to_string()),
        ClientOptions {
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(5),
            max_retries: 0,
            ..ClientOptions::default()
        },
    )
    .expect("client");
    let clipboard = Clipboard::new(ClipboardMode::Off, ClipEnv::default());
    let mut d = Deps::new(client, clipboard);
    d.request_timeout = Duration::from_secs(10);
    d
}

type Input = std::pin::Pin<Box<dyn Stream<Item = std::io::Result<Event>> + Send>>;

fn input() -> (mpsc::UnboundedSender<Event>, Input) {
    let (tx, rx) = mpsc::unbounded_channel::<Event>();
    let stream =
        futures_util::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) },
        );
    (tx, Box::pin(stream))
}

fn press(tx: &mpsc::UnboundedSender<Event>, code: KeyCode) {
    tx.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
        .unwrap();
}

fn type_text(tx: &mpsc::UnboundedSender<Event>, s: &str) {
    for c in s.chars() {
        press(tx, KeyCode::Char(c));
    }
}

/// Waits (polling) until the published stats satisfy `cond`.
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
async fn open_form_validate_help_and_quit() {
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let (tx, stream) = input();
    let d = deps();
    // Everything is queued before the loop starts: it must process it all in order.
    press(&tx, KeyCode::Char('n'));
    type_text(&tx, "journey token");
    press(&tx, KeyCode::Tab);
    for _ in 0..4 {
        press(&tx, KeyCode::Backspace);
    }
    type_text(&tx, "+0d");
    tx.send(Event::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    )))
    .unwrap();
    // A paste into the focused field is text; then help, close it, close the form.
    tx.send(Event::Paste("x".into())).unwrap();
    let app = App::new(cfg(), now());
    let driver = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        press(&tx, KeyCode::Esc);
        press(&tx, KeyCode::Char('?'));
        tokio::time::sleep(Duration::from_millis(100)).await;
        press(&tx, KeyCode::Esc);
        press(&tx, KeyCode::Char('q'));
    };
    let run = runtime::run(&mut terminal, app, stream, d);
    let (res, ()) = tokio::join!(run, driver);
    let (app, stats) = res.expect("run");
    assert!(app.quitting);
    assert!(app.form.is_none());
    assert!(stats.draws >= 1);
    assert_eq!(app.mode(), Mode::Table);
    let text = buffer_text(terminal.backend().buffer());
    assert!(text.contains("Access Tokens"), "{text}");
}

#[tokio::test]
async fn validation_messages_show_in_the_running_app() {
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let (tx, stream) = input();
    let mut d = deps();
    let (stx, mut srx) = watch::channel(Stats::default());
    d.stats = Some(stx);
    press(&tx, KeyCode::Char('n'));
    tx.send(Event::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    )))
    .unwrap();
    let app = App::new(cfg(), now());
    let driver = async {
        let seen = until(&mut srx, |s| s.messages >= 4).await;
        assert!(seen.draws >= 1);
        tokio::time::sleep(Duration::from_millis(200)).await;
        tx.send(Event::Key(KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
        )))
        .unwrap();
    };
    let (res, ()) = tokio::join!(runtime::run(&mut terminal, app, stream, d), driver);
    let (app, _) = res.expect("run");
    let f = app.form.as_ref().expect("the form stays open");
    assert!(f.error(Field::Description).is_some());
    let text = buffer_text(terminal.backend().buffer());
    assert!(text.contains("a description is required"), "{text}");
}

#[tokio::test]
async fn idle_means_zero_draws_and_unreachable_shows_the_banner() {
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    let (tx, stream) = input();
    let mut d = deps();
    let (stx, mut srx) = watch::channel(Stats::default());
    d.stats = Some(stx);
    let app = App::new(cfg(), now());
    let driver = async {
        // Settle: both start-up calls answered (they fail: nothing listens on port 9).
        tokio::time::sleep(Duration::from_secs(2)).await;
        let before = *srx.borrow_and_update();
        tokio::time::sleep(Duration::from_secs(3)).await;
        let after = *srx.borrow();
        press(&tx, KeyCode::Char('q'));
        (before, after)
    };
    let (res, (before, after)) = tokio::join!(runtime::run(&mut terminal, app, stream, d), driver);
    let (app, _) = res.expect("run");
    assert!(matches!(app.list, Load::Failed(_)), "{:?}", app.list);
    assert_eq!(before.draws, after.draws, "no draw while idle");
    let text = buffer_text(terminal.backend().buffer());
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
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let (tx, stream) = input();
    let mut d = deps();
    let out = Shared::default();
    d.term_out = Some(Box::new(out.clone()));
    press(&tx, KeyCode::Char('?'));
    press(&tx, KeyCode::Esc);
    press(&tx, KeyCode::Char('n'));
    let driver = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        press(&tx, KeyCode::Char('q'));
        press(&tx, KeyCode::Esc);
        press(&tx, KeyCode::Char('q'));
    };
    let (res, ()) = tokio::join!(
        runtime::run(&mut terminal, App::new(cfg(), now()), stream, d),
        driver
    );
    let (_, stats) = res.expect("run");
    let bytes = out.0.lock().unwrap().clone();
    let text = String::from_utf8_lossy(&bytes);
    let begins = text.matches("\u{1b}[?2026h").count() as u64;
    let ends = text.matches("\u{1b}[?2026l").count() as u64;
    assert!(stats.draws >= 1);
    assert_eq!((begins, ends), (stats.draws, stats.draws), "{text:?}");
}

#[tokio::test]
async fn a_termination_signal_quits_and_a_dropped_one_does_not() {
    // Signal: quit.
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let (_tx, stream) = input();
    let mut d = deps();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
    d.shutdown = Some(stop_rx);
    let driver = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        stop_tx.send(()).unwrap();
    };
    let run = tokio::time::timeout(
        Duration::from_secs(30),
        runtime::run(&mut terminal, App::new(cfg(), now()), stream, d),
    );
    let (res, ()) = tokio::join!(run, driver);
    res.expect("quit on the signal").expect("run");

    // Dropped sender: keeps running until q.
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let (tx, stream) = input();
    let mut d = deps();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    d.shutdown = Some(stop_rx);
    drop(stop_tx);
    let driver = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        press(&tx, KeyCode::Char('?'));
        tokio::time::sleep(Duration::from_millis(200)).await;
        press(&tx, KeyCode::Char('q'));
    };
    let (res, ()) = tokio::join!(
        runtime::run(&mut terminal, App::new(cfg(), now()), stream, d),
        driver
    );
    let (app, _) = res.expect("run");
    assert!(app.quitting, "quit by q, not by the dropped sender");
}
