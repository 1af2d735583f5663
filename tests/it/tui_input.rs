//! Coalesced input (issue 19 item 2) through `runtime::run` on a TestBackend: every key already
//! waiting is applied before one draw, each on the model the key before it left, and nothing is
//! lost, reordered or slept through. The keys come from a stream that behaves like crossterm's
//! `EventStream` where it once froze the loop: it keeps only the waker of its first pending poll.
//! (The binary's own input and the cursor-read failure are tested in the PTY: `tui_input_tmux`.)

use crate::common;

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use common::fixtures::*;
use common::journey::{DownServer, deps_with, no_retries};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::Stream;
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::watch;

use tokentab::tui::app::App;
use tokentab::tui::keymap::Mode;
use tokentab::tui::runtime::{self, Deps, Stats};

const W: u16 = 100;
const H: u16 = 30;
const WAIT: Duration = Duration::from_secs(60);

/// What the loop has taken from the keyboard: (events taken, events taken when it last found
/// nothing more). Equal: everything sent is applied and the loop waits for more.
type Seen = (u64, u64);

/// The keyboard: events pushed by the test; like `EventStream`, the waker of the first poll that
/// found nothing is kept (and woken once), later wakers are ignored.
#[derive(Clone)]
struct Keyboard(Arc<Mutex<Board>>);

struct Board {
    ready: VecDeque<Event>,
    waker: Option<Waker>,
    taken: u64,
    seen: watch::Sender<Seen>,
}

impl Keyboard {
    fn new() -> (Keyboard, watch::Receiver<Seen>) {
        let (seen, rx) = watch::channel((0, 0));
        let board = Board {
            ready: VecDeque::new(),
            waker: None,
            taken: 0,
            seen,
        };
        (Keyboard(Arc::new(Mutex::new(board))), rx)
    }

    /// A burst: all of `events` become readable at once.
    fn burst(&self, events: impl IntoIterator<Item = Event>) {
        let mut b = self.0.lock().unwrap();
        b.ready.extend(events);
        if let Some(w) = b.waker.take() {
            w.wake();
        }
    }

    fn key(&self, code: KeyCode) {
        self.burst([press(code)]);
    }
}

impl Stream for Keyboard {
    type Item = std::io::Result<Event>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut b = self.0.lock().unwrap();
        match b.ready.pop_front() {
            Some(ev) => {
                b.taken += 1;
                Poll::Ready(Some(Ok(ev)))
            }
            None => {
                if b.waker.is_none() {
                    b.waker = Some(cx.waker().clone());
                }
                let taken = b.taken;
                b.seen.send_replace((taken, taken));
                Poll::Pending
            }
        }
    }
}

fn press(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl_c() -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL))
}

/// Waits until the loop has applied `sent` events and asked for more.
async fn applied(seen: &mut watch::Receiver<Seen>, sent: u64) {
    let done = tokio::time::timeout(WAIT, seen.wait_for(|s| *s == (sent, sent)))
        .await
        .map(|r| r.is_ok());
    assert!(
        matches!(done, Ok(true)),
        "the loop did not apply {sent} keys: {:?}",
        *seen.borrow()
    );
}

async fn stats_until(stats: &mut watch::Receiver<Stats>, ok: impl Fn(&Stats) -> bool) -> Stats {
    *tokio::time::timeout(WAIT, stats.wait_for(|s| ok(s)))
        .await
        .expect("the loop got there")
        .expect("the loop ended")
}

fn deps(down: &DownServer) -> (Deps, watch::Receiver<Stats>) {
    let mut d = deps_with(&down.url, "not-a-token", no_retries());
    d.clock = now;
    d.refresh_every = Duration::ZERO;
    let (tx, rx) = watch::channel(Stats::default());
    d.stats = Some(tx);
    (d, rx)
}

/// The loop on a loaded model whose server is down, settled (both start-up calls failed).
struct Tab {
    keys: Keyboard,
    seen: watch::Receiver<Seen>,
    stats: watch::Receiver<Stats>,
    run: tokio::task::JoinHandle<(App, Stats)>,
    _down: Arc<DownServer>,
}

impl Tab {
    async fn start() -> Tab {
        Tab::on(Arc::new(DownServer::start())).await
    }

    /// On a given down server (two runs that must end alike share one: its address is on screen).
    async fn on(down: Arc<DownServer>) -> Tab {
        let (deps, mut stats) = deps(&down);
        let (keys, seen) = Keyboard::new();
        let input = keys.clone();
        let app = loaded_with(cfg(), sample(), W, H);
        let run = tokio::spawn(async move {
            let mut terminal = Terminal::new(TestBackend::new(W, H)).expect("terminal");
            runtime::run(&mut terminal, app, input, deps)
                .await
                .expect("run")
        });
        stats_until(&mut stats, |s| s.messages >= 4).await;
        Tab {
            keys,
            seen,
            stats,
            run,
            _down: down,
        }
    }

    /// Quits (Ctrl-C, after everything sent is applied) and returns the final model.
    async fn quit(mut self, sent: u64) -> (App, Stats) {
        applied(&mut self.seen, sent).await;
        self.keys.burst([ctrl_c()]);
        tokio::time::timeout(WAIT, self.run)
            .await
            .expect("the loop quits")
            .expect("no panic")
    }
}

#[tokio::test]
async fn a_fifty_character_paste_into_the_filter_is_at_most_three_draws() {
    let mut tab = Tab::start().await;
    let settled = *tab.stats.borrow();
    tab.keys.key(KeyCode::Char('/'));
    let filtering = stats_until(&mut tab.stats, |s| s.messages > settled.messages).await;
    let text = "edge reader deploy pipeline for the eu fleet, v2.1";
    assert_eq!(text.chars().count(), 50);
    // Typed as keys (a terminal without bracketed paste, or tmux send-keys): one burst.
    tab.keys
        .burst(text.chars().map(|c| press(KeyCode::Char(c))));
    let typed = stats_until(&mut tab.stats, |s| s.messages >= filtering.messages + 50).await;
    let draws = typed.draws - filtering.draws;
    println!(
        "a 50-key burst into the filter: {draws} draw(s), {} input batch(es)",
        typed.input_batches - filtering.input_batches
    );
    assert!((1..=3).contains(&draws), "{filtering:?} -> {typed:?}");
    let (app, end) = tab.quit(51).await;
    assert_eq!(app.table.filter.value(), text);
    assert_eq!(
        end.draws, typed.draws,
        "nothing more to draw after the burst"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_followed_by_silence_is_applied_and_drawn() {
    // The failure this guards: the loop drained its input with a waker that was not its own; the
    // stream kept that one, and the keys after the first were never seen.
    for round in 0..20u64 {
        let mut tab = Tab::start().await;
        let before = *tab.stats.borrow();
        tab.keys.key(KeyCode::Char('/'));
        applied(&mut tab.seen, 1).await;
        let burst: Vec<Event> = "abc".chars().map(|c| press(KeyCode::Char(c))).collect();
        tab.keys.burst(burst);
        // Nothing follows; the whole burst must still reach the screen.
        let drawn = stats_until(&mut tab.stats, |s| s.messages >= before.messages + 4).await;
        assert!(drawn.draws > before.draws, "round {round}");
        let (app, _) = tab.quit(4).await;
        assert_eq!(app.table.filter.value(), "abc", "round {round}");
        assert_eq!(app.mode(), Mode::Filter);
    }
}

/// Keys for the filter: text, editing and cursor keys, moves in the table. (Esc and Enter leave
/// the filter, after which letters are commands that call the server: not a typing property.)
fn filter_key() -> impl Strategy<Value = KeyCode> {
    prop_oneof![
        6 => proptest::char::ranges(vec!['a'..='z', '0'..='9', ' '..=' ', '-'..='.'].into())
            .prop_map(KeyCode::Char),
        1 => Just(KeyCode::Backspace),
        1 => Just(KeyCode::Delete),
        1 => Just(KeyCode::Left),
        1 => Just(KeyCode::Right),
        1 => Just(KeyCode::Home),
        1 => Just(KeyCode::End),
        1 => Just(KeyCode::Up),
        1 => Just(KeyCode::Down),
    ]
}

/// What must come out the same whichever way the keys were delivered.
fn outcome(mut app: App) -> (Mode, String, String) {
    let filter = app.table.filter.value().to_owned();
    let mode = app.mode();
    (mode, filter, render_text(&mut app, W, H))
}

/// Sends `keys` one at a time, each only once the loop has applied the one before.
async fn one_by_one(down: Arc<DownServer>, keys: &[KeyCode]) -> (Mode, String, String) {
    let mut tab = Tab::on(down).await;
    tab.keys.key(KeyCode::Char('/'));
    applied(&mut tab.seen, 1).await;
    for (i, k) in keys.iter().enumerate() {
        tab.keys.key(*k);
        applied(&mut tab.seen, i as u64 + 2).await;
    }
    outcome(tab.quit(keys.len() as u64 + 1).await.0)
}

/// Sends `keys` in bursts of the given sizes; after a burst the test waits for the loop only
/// where `wait` says so (else the next burst may land while the loop is still applying).
async fn in_bursts(
    down: Arc<DownServer>,
    keys: &[KeyCode],
    sizes: &[(usize, bool)],
) -> (Mode, String, String, Stats) {
    let mut tab = Tab::on(down).await;
    let settled = *tab.stats.borrow();
    let mut rest = keys;
    let mut first = vec![press(KeyCode::Char('/'))];
    let mut sent = 0u64;
    for (size, wait) in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (now, later) = rest.split_at((*size).min(rest.len()));
        rest = later;
        let burst: Vec<Event> = first
            .drain(..)
            .chain(now.iter().map(|k| press(*k)))
            .collect();
        sent += burst.len() as u64;
        tab.keys.burst(burst);
        if *wait {
            applied(&mut tab.seen, sent).await;
        }
    }
    if sent == 0 {
        tab.keys.burst(first);
        sent = 1;
    }
    let (app, end) = tab.quit(sent).await;
    let (m, f, s) = outcome(app);
    let stats = Stats {
        draws: end.draws - settled.draws,
        messages: end.messages - settled.messages,
        input_batches: end.input_batches - settled.input_batches,
    };
    (m, f, s, stats)
}

#[test]
fn keys_in_random_bursts_end_where_keys_one_by_one_do() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let down = Arc::new(DownServer::start());
    let config = ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(
        keys in proptest::collection::vec(filter_key(), 1..60),
        sizes in proptest::collection::vec((1usize..20, any::<bool>()), 1..8),
    )| {
        let (want_mode, want_filter, want_screen) = rt.block_on(one_by_one(down.clone(), &keys));
        let (mode, filter, screen, stats) = rt.block_on(in_bursts(down.clone(), &keys, &sizes));
        prop_assert_eq!(mode, want_mode);
        prop_assert_eq!(&filter, &want_filter);
        prop_assert_eq!(&screen, &want_screen);
        // Each wake-up by input is at most one draw: never one per key.
        prop_assert!(stats.draws <= stats.input_batches + 1, "{:?}", stats);
    });
}
