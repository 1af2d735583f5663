//! Bytes per move that scrolls the table's window by one row (issue 19 item 1): ratatui's diff
//! (before) against the scrolling flush path (after), at 80×24 and 160×48 in each glyph set.
//! Each figure is the worst of ten moves (five down past the window's bottom, five up past its
//! top), counted as the runtime writes a frame: inside a synchronized update.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use tokentab::model::settings::GlyphSet;
use tokentab::model::wire::TokenInfo;
use tokentab::tui::app::App;
use tokentab::tui::scroll_backend::ScrollBackend;

use crate::tui_support::{cfg, key, loaded_with};

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<usize>>);

impl Write for Sink {
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

/// The worst bytes of a frame after each of ten moves that scroll the window by one row, and the
/// median time to draw and write one of those frames.
fn worst<B: Backend>(
    term: &mut Terminal<B>,
    sink: &Sink,
    app: &mut App,
    h: u16,
) -> (usize, Duration) {
    use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
    let frame = |term: &mut Terminal<B>, app: &App| -> usize {
        *sink.0.lock().expect("lock") = 0;
        let mut out = sink.clone();
        crossterm::execute!(out, BeginSynchronizedUpdate).expect("begin");
        let _ = term.draw(|f| tokentab::tui::ui::draw(f, app));
        crossterm::execute!(out, EndSynchronizedUpdate).expect("end");
        *sink.0.lock().expect("lock")
    };
    key(app, KeyCode::Home);
    frame(term, app);
    for _ in 0..h {
        key(app, KeyCode::Down);
        frame(term, app);
    }
    let mut most = 0;
    let mut times = Vec::new();
    for _ in 0..5 {
        key(app, KeyCode::Down);
        let t = Instant::now();
        most = most.max(frame(term, app));
        times.push(t.elapsed());
    }
    for _ in 0..h {
        key(app, KeyCode::Up);
        frame(term, app);
    }
    for _ in 0..5 {
        key(app, KeyCode::Up);
        let t = Instant::now();
        most = most.max(frame(term, app));
        times.push(t.elapsed());
    }
    times.sort();
    (most, times[times.len() / 2])
}

pub fn bytes_per_scroll(rows: &[TokenInfo]) {
    println!("  bytes per move that scrolls one row (worst of 10), before -> after");
    for (w, h, goal) in [(80u16, 24u16, 300usize), (160, 48, 500)] {
        for set in [GlyphSet::Unicode, GlyphSet::Vt, GlyphSet::Ascii] {
            let app = || {
                let mut a: App = loaded_with(cfg(), rows.to_vec(), w, h);
                a.theme.glyphs = set.glyphs();
                a
            };
            let sink = Sink::default();
            let area = ratatui::layout::Rect::new(0, 0, w, h);
            let mut plain = Terminal::with_options(
                CrosstermBackend::new(sink.clone()),
                ratatui::TerminalOptions {
                    viewport: ratatui::Viewport::Fixed(area),
                },
            )
            .expect("terminal");
            let (before, was) = worst(&mut plain, &sink, &mut app(), h);
            let mut scrolling =
                Terminal::new(ScrollBackend::detached(sink.clone(), w, h, true)).expect("terminal");
            let (after, took) = worst(&mut scrolling, &sink, &mut app(), h);
            let verdict = if after <= goal { "met" } else { "NOT met" };
            println!(
                "      {w}x{h} {:<7} {before:>5} B -> goal <= {goal} B, measured {after} B: {verdict}   (draw+write {:.3} -> {:.3} ms)",
                set.name(),
                was.as_secs_f64() * 1e3,
                took.as_secs_f64() * 1e3
            );
        }
    }
}
