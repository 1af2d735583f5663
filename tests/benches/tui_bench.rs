//! TUI figures (not timed tests): draw, filter and sort over 100,000 tokens; bytes written for
//! one cursor move; draws while idle. Prints a table; finishes well under a minute.

#[path = "../tui_support/mod.rs"]
mod tui_support;

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::{CrosstermBackend, TestBackend};
use tokentab::model::wire::TokenInfo;
use tokentab::tui::app::App;
use tokentab::tui::app::tokens::Column;
use tui_support::*;

const N: usize = 100_000;

fn tokens() -> Vec<TokenInfo> {
    let users = [
        "alice", "bob", "carol", "dave", "admin", "ci-bot", "grafana",
    ];
    let scopes = [
        Some("applied-permissions/user"),
        Some("applied-permissions/admin"),
        Some("connect:project:demo:r connect:fleet:demo/edge-eu:rw"),
        Some("connect:device:demo/d-feaf-d9aa:rwd"),
        None,
    ];
    (0..N)
        .map(|i| {
            info(
                &format!(
                    "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                    i * 2_654_435_761 % 0xffff_ffff,
                    i % 0xffff,
                    i % 0xfff,
                    (i * 7) % 0xfff,
                    i
                ),
                &format!(
                    "token {i} for {} service deploy pipeline",
                    ["edge", "core", "ci", "backup"][i % 4]
                ),
                users[i % users.len()],
                (i % 400) as i64,
                if i % 9 == 0 {
                    None
                } else {
                    Some((i % 500) as i64 - 100)
                },
                scopes[i % scopes.len()],
            )
        })
        .collect()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<F: FnMut()>(iters: usize, mut f: F) -> Duration {
    median(
        (0..iters)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

#[derive(Clone, Default)]
struct Counter(Arc<Mutex<usize>>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Ok(mut n) = self.0.lock() {
            *n += buf.len();
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let profile = if cfg!(debug_assertions) {
        "dev (unoptimised)"
    } else {
        "optimised"
    };
    println!("tui_bench ({profile} build), {N} tokens");
    let t0 = Instant::now();
    let mut app: App = loaded_with(cfg(), tokens(), 160, 48);
    println!("  ingest (sanitise, index, sort)    {}", ms(t0.elapsed()));

    let mut term = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    let draw = time(50, || {
        term.draw(|f| tokentab::tui::ui::draw(f, &app))
            .expect("draw");
    });
    println!(
        "  draw table 160x48                 {}   (goal <= 2 ms)",
        ms(draw)
    );

    // Filter keystrokes: narrowing ("e" -> "ed") scans the matches only; a widening edit
    // (Backspace) rescans all rows and re-sorts.
    key(&mut app, KeyCode::Char('/'));
    let narrow = time(9, || {
        typing(&mut app, "edg");
        for _ in 0..3 {
            key(&mut app, KeyCode::Backspace);
        }
    }) / 6;
    let mut first_key = Vec::new();
    for _ in 0..9 {
        let t = Instant::now();
        typing(&mut app, "e");
        first_key.push(t.elapsed());
        key(&mut app, KeyCode::Backspace);
    }
    println!(
        "  filter keystroke (avg of a word)  {}   (goal <= 10 ms)",
        ms(narrow)
    );
    println!(
        "  filter first keystroke (full)    {}",
        ms(median(first_key))
    );
    key(&mut app, KeyCode::Esc);

    let mut sorts = Vec::new();
    for col in Column::ALL {
        let t = Instant::now();
        app.rows.set_sort(col, false);
        sorts.push((col, t.elapsed()));
    }
    let worst = sorts.iter().map(|(_, d)| *d).max().unwrap_or_default();
    println!(
        "  sort 100,000 (worst column)       {}   (goal <= 30 ms)",
        ms(worst)
    );
    for (c, d) in &sorts {
        println!("      by {:<12} {}", c.title(), ms(*d));
    }

    let counter = Counter::default();
    let mut ct = Terminal::new(CrosstermBackend::new(counter.clone())).expect("terminal");
    // A fixed-size backend: CrosstermBackend asks the real terminal for its size, so use a
    // fixed viewport instead.
    drop(ct);
    let backend = CrosstermBackend::new(counter.clone());
    ct = Terminal::with_options(
        backend,
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 160, 48)),
        },
    )
    .expect("terminal");
    app.update(tokentab::tui::msg::Msg::Resize(160, 48));
    // Start from the top of the window so the move does not scroll.
    key(&mut app, KeyCode::Char('g'));
    ct.draw(|f| tokentab::tui::ui::draw(f, &app)).expect("draw");
    let full = *counter.0.lock().expect("lock");
    *counter.0.lock().expect("lock") = 0;
    key(&mut app, KeyCode::Down);
    ct.draw(|f| tokentab::tui::ui::draw(f, &app)).expect("draw");
    let moved = *counter.0.lock().expect("lock");
    *counter.0.lock().expect("lock") = 0;
    key(&mut app, KeyCode::Char('G'));
    ct.draw(|f| tokentab::tui::ui::draw(f, &app)).expect("draw");
    *counter.0.lock().expect("lock") = 0;
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Up);
    ct.draw(|f| tokentab::tui::ui::draw(f, &app)).expect("draw");
    let mid = *counter.0.lock().expect("lock");
    println!("  bytes, first full frame           {full} B");
    println!("  bytes, one cursor move 160x48     {moved} B   (goal <= 1024 B)");
    println!("  bytes, two moves (2 rows + 2 rows) {mid} B");

    picker_10k();
    idle();
}

/// The device picker after scrolling through 10,000 devices (50 pages of 200).
fn picker_10k() {
    use tokentab::tui::app::form::Field;
    use tokentab::tui::msg::{Effect, Msg, PickItem, PickPage};
    let mut app = loaded_with(cfg(), Vec::new(), 160, 48);
    key(&mut app, KeyCode::Char('n'));
    focus(&mut app, Field::ScopeKind);
    key(&mut app, KeyCode::Char(' '));
    focus(&mut app, Field::Project);
    let fx = key(&mut app, KeyCode::Enter);
    pick_first(&mut app, &fx, &[("demo", "demo")]);
    focus(&mut app, Field::Entity);
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Right);
    focus(&mut app, Field::Target);
    let mut fx = key(&mut app, KeyCode::Enter);
    let t = Instant::now();
    for page in 0..50 {
        let Some(id) = fx.iter().find_map(|e| match e {
            Effect::Pick(id, _) => Some(*id),
            _ => None,
        }) else {
            break;
        };
        let items = (0..200)
            .map(|i| {
                let n = page * 200 + i;
                PickItem {
                    id: format!("d-{n:05}"),
                    label: format!("gateway-{n} · d-{n:05} · edge-eu"),
                }
            })
            .collect();
        let next = (page < 49).then(|| format!("c{page}"));
        app.update(Msg::Picked(id, Ok(PickPage { items, next })));
        fx = Vec::new();
        for _ in 0..200 {
            fx.extend(key(&mut app, KeyCode::Down));
        }
    }
    let scrolled = t.elapsed();
    let n = app
        .form
        .as_ref()
        .and_then(|f| f.picker.as_ref())
        .map_or(0, |p| p.items.len());
    let mut term = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    let draw = time(20, || {
        term.draw(|f| tokentab::tui::ui::draw(f, &app))
            .expect("draw");
    });
    let key_t = time(20, || {
        key(&mut app, KeyCode::Down);
    });
    println!(
        "  picker: {n} devices paged in + 10,000 moves {}",
        ms(scrolled)
    );
    println!("  picker: draw with {n} devices       {}", ms(draw));
    println!("  picker: one move                     {}", ms(key_t));
}

/// Counts draws of the real loop over 5 s with no input.
fn idle() {
    use secrecy::SecretString;
    use tokentab::api::{Client, ClientOptions};
    use tokentab::secret::clipboard::{ClipEnv, Clipboard, ClipboardMode};
    use tokentab::tui::runtime::{self, Deps, Stats};

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let client = Client::new(
            "http://127.0.0.1:9",
            SecretString::from("x".to_string()),
            ClientOptions::default(),
        )
        .expect("client");
        let mut deps = Deps::new(
            client,
            Clipboard::new(ClipboardMode::Off, ClipEnv::default()),
        );
        let (stx, srx) = tokio::sync::watch::channel(Stats::default());
        deps.stats = Some(stx);
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let stream = Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|e| (Ok(e), rx))
        }));
        let mut term = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
        let app = loaded_with(cfg(), Vec::new(), 160, 48);
        let driver = async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let before = srx.borrow().draws;
            tokio::time::sleep(Duration::from_secs(5)).await;
            let after = srx.borrow().draws;
            let _ = tx.send(crossterm::event::Event::Key(
                crossterm::event::KeyEvent::new(
                    KeyCode::Char('q'),
                    crossterm::event::KeyModifiers::NONE,
                ),
            ));
            after - before
        };
        let (res, idle_draws) = tokio::join!(runtime::run(&mut term, app, stream, deps), driver);
        let _ = res.expect("run");
        println!("  draws while idle for 5 s          {idle_draws}   (goal 0)");
    });
}
