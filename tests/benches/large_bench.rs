//! Large installations (issue 11): 500,000 tokens created through the real service, then the
//! tab's list load, filter, sort, memory and bytes per cursor move, each printed beside its goal.
//!
//! The service runs as a child process (`tokentab serve`, a SQLite file under
//! `target/large-bench/`, kept between runs so the tokens are created only once), so the
//! resident memory measured here (`VmRSS` from `/proc/self/status`) is the tab's alone.
//! `LARGE_BENCH_N=50000 cargo bench --bench large_bench` for a smaller run.

// The integration tests' fixtures, shared with them: `pub` because this bench uses only a part
// (an unused fixture is still reported in tests/it, where the module is private).
#[path = "large_fill.rs"]
mod large_fill;
#[path = "../it/common/fixtures.rs"]
pub mod tui_support;

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use large_fill::filled_service;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use secrecy::SecretString;
use tokentab::api::{Client, ClientOptions};
use tokentab::model::settings::GlyphSet;
use tokentab::tui::app::tokens::Column;
use tokentab::tui::app::{App, Load};
use tokentab::tui::msg::{Answer, Effect, Msg, Owner, Request};
use tokentab::tui::token_stream::stream_tokens;
use tui_support::*;

fn count() -> usize {
    std::env::var("LARGE_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500_000)
}

fn ms(d: Duration) -> String {
    format!("{:>9.1} ms", d.as_secs_f64() * 1e3)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Resident memory of this process in bytes (`VmRSS`).
fn rss() -> u64 {
    large_fill::rss_of(std::process::id())
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

/// Bytes the crossterm backend writes for one Down from the top row, after a full draw.
fn cursor_move_bytes(app: &mut App, w: u16, h: u16) -> usize {
    let counter = Counter::default();
    let mut term = Terminal::with_options(
        CrosstermBackend::new(counter.clone()),
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, w, h)),
        },
    )
    .expect("terminal");
    key(app, KeyCode::Char('g'));
    term.draw(|f| tokentab::tui::ui::draw(f, app))
        .expect("draw");
    *counter.0.lock().expect("lock") = 0;
    key(app, KeyCode::Down);
    term.draw(|f| tokentab::tui::ui::draw(f, app))
        .expect("draw");
    *counter.0.lock().expect("lock")
}

fn main() {
    let n = count();
    let profile = if cfg!(debug_assertions) {
        "dev (unoptimised)"
    } else {
        "optimised"
    };
    println!("large_bench ({profile} build), {n} tokens through the service");
    let (rt, served, total) = filled_service(n);

    let client = Client::new(
        &served.url,
        SecretString::from(served.admin.clone()),
        ClientOptions::default(),
    )
    .expect("client");
    let rss_before = rss();
    let mut app = App::new(cfg(), chrono::Utc::now());
    app.update(Msg::Resize(160, 48));
    let fx = app.init();
    let list = fx
        .iter()
        .find_map(|e| match e {
            Effect::Call {
                owner: Owner::Table,
                id,
                request: Request::ListTokens,
            } => Some(*id),
            _ => None,
        })
        .expect("a list request");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let start = Instant::now();
    let reply = move |r| Msg::Reply {
        owner: Owner::Table,
        id: list,
        answer: Answer::Page(r),
    };
    rt.spawn(stream_tokens(client, Duration::from_secs(120), tx, reply));
    let mut first_rows = None;
    let mut header = String::new();
    let mut worst_page = Duration::ZERO;
    while let Some(msg) = rx.blocking_recv() {
        let t = Instant::now();
        app.update(msg);
        worst_page = worst_page.max(t.elapsed());
        if first_rows.is_none() && !app.table.rows.is_empty() {
            first_rows = Some(start.elapsed());
            let screen = render_text(&mut app, 160, 48);
            header = screen.lines().next().unwrap_or_default().trim().to_owned();
        }
        if !app.table.list.is_loading() {
            break;
        }
    }
    let all = start.elapsed();
    assert!(
        matches!(app.table.list, Load::Loaded(_)),
        "the list did not load: {:?}",
        app.table.list
    );
    assert_eq!(app.table.rows.len(), total, "every token is in the table");
    let rss_after = rss();
    let per_token = (rss_after.saturating_sub(rss_before)) as f64 / total as f64;

    println!(
        "  first rows (load start -> page 1 in the model) {}   (goal <= 300 ms)",
        ms(first_rows.unwrap_or_default())
    );
    println!("      header then: {header}");
    println!("  all {total} loaded                      {}", ms(all));
    println!(
        "  longest model step for one page    {}   (the loop stays responsive)",
        ms(worst_page)
    );
    println!(
        "  resident memory per token          {per_token:>9.0} B    (goal <= 400 B; VmRSS {} -> {} MiB)",
        rss_before >> 20,
        rss_after >> 20
    );

    // Filter keystrokes: the first key scans every row, extending keys scan the matches,
    // Backspace restores, a key that matches nothing scans every row.
    key(&mut app, KeyCode::Char('/'));
    let (mut first, mut narrow, mut back, mut miss) = (vec![], vec![], vec![], vec![]);
    for _ in 0..7 {
        let t = Instant::now();
        typing(&mut app, "e");
        first.push(t.elapsed());
        let t = Instant::now();
        typing(&mut app, "d");
        narrow.push(t.elapsed());
        let t = Instant::now();
        typing(&mut app, "g");
        narrow.push(t.elapsed());
        let t = Instant::now();
        key(&mut app, KeyCode::Backspace);
        back.push(t.elapsed());
        key(&mut app, KeyCode::Backspace);
        key(&mut app, KeyCode::Backspace);
        let t = Instant::now();
        typing(&mut app, "z");
        miss.push(t.elapsed());
        key(&mut app, KeyCode::Backspace);
    }
    let kinds = [
        ("first key \"e\" (full scan)", median(first)),
        ("first key \"z\" (no match)", median(miss)),
        ("extending key (\"ed\", \"edg\")", median(narrow)),
        ("Backspace", median(back)),
    ];
    let worst = kinds.iter().map(|(_, d)| *d).max().unwrap_or_default();
    println!(
        "  filter keystroke (worst kind)      {}   (goal <= 16 ms)",
        ms(worst)
    );
    for (what, d) in kinds {
        println!("      {what:<30} {}", ms(d));
    }
    key(&mut app, KeyCode::Esc);

    let mut sorts = Vec::new();
    for col in Column::ALL {
        let t = Instant::now();
        app.table.rows.set_sort(col, false);
        sorts.push((col, t.elapsed()));
    }
    let worst = sorts.iter().map(|(_, d)| *d).max().unwrap_or_default();
    println!(
        "  sort (worst column)                {}   (goal <= 150 ms)",
        ms(worst)
    );
    for (c, d) in &sorts {
        println!("      by {:<28} {}", c.title(), ms(*d));
    }

    // Slow links: what one Down writes, at two sizes, in every glyph set.
    for (w, h) in [(160, 48), (80, 24)] {
        for set in [GlyphSet::Unicode, GlyphSet::Vt, GlyphSet::Ascii] {
            app.theme.glyphs = set.glyphs();
            app.update(Msg::Resize(w, h));
            let moved = cursor_move_bytes(&mut app, w, h);
            println!(
                "  bytes, one cursor move {:<14} {moved:>6} B    (goal <= 1024 B)",
                format!("{w}x{h} {}", set.name())
            );
        }
    }
    drop(served);
}
