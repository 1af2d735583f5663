//! Slow links (issue 11): one cursor move writes at most 1 KB to the terminal, at 80×24 and
//! 160×48, in every glyph set; and it rewrites only the two rows whose highlight changes.
//! The bytes are what ratatui's crossterm backend writes (cursor moves, SGR, text).

use crate::common;

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use common::fixtures::*;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use tokentab::model::settings::GlyphSet;
use tokentab::model::wire::TokenInfo;
use tokentab::tui::app::App;

/// Everything the backend writes.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Rows like the large bench's: every status, several users and scopes.
fn tokens(n: usize) -> Vec<TokenInfo> {
    let users = ["admin", "alice", "bob", "carol", "ci-bot", "dana", "erin"];
    let scopes = [
        "applied-permissions/user",
        "applied-permissions/admin",
        "connect:project:demo:r connect:fleet:demo/edge-eu:rw",
        "connect:fleet:demo/lab:rwd",
    ];
    (0..n)
        .map(|i| {
            let id = format!("{:08x}-1b2d-4c3e-8f40-{:012x}", i * 7919, i);
            let kind = ["edge", "core", "ci", "backup"][i % 4];
            let expiry = (i % 9 != 0).then_some(i as i64 % 40 - 5);
            info(
                &id,
                &format!("token {i} for {kind} service deploy pipeline"),
                users[i % users.len()],
                (i % 30) as i64,
                expiry,
                Some(scopes[i % scopes.len()]),
            )
        })
        .collect()
}

/// (bytes written, rows whose cells changed) for one Down after a full draw.
fn one_move(set: GlyphSet, w: u16, h: u16, from_row: usize) -> (Vec<u8>, Vec<u16>) {
    let mut app = loaded_with(cfg(), tokens(300), w, h);
    app.theme.glyphs = set.glyphs();
    key(&mut app, KeyCode::Char('g'));
    for _ in 0..from_row {
        key(&mut app, KeyCode::Down);
    }
    let sink = Sink::default();
    let options = ratatui::TerminalOptions {
        viewport: ratatui::Viewport::Fixed(Rect::new(0, 0, w, h)),
    };
    let mut term = Terminal::with_options(CrosstermBackend::new(sink.clone()), options).unwrap();
    let mut cells = Terminal::new(TestBackend::new(w, h)).unwrap();
    let draw = |term: &mut Terminal<CrosstermBackend<Sink>>, app: &App| {
        term.draw(|f| tokentab::tui::ui::draw(f, app)).unwrap();
    };
    draw(&mut term, &app);
    cells.draw(|f| tokentab::tui::ui::draw(f, &app)).unwrap();
    let before = cells.backend().buffer().clone();
    sink.0.lock().unwrap().clear();
    key(&mut app, KeyCode::Down);
    draw(&mut term, &app);
    cells.draw(|f| tokentab::tui::ui::draw(f, &app)).unwrap();
    let mut rows: Vec<u16> = before
        .diff(cells.backend().buffer())
        .iter()
        .map(|(_, y, _)| *y)
        .collect();
    rows.dedup();
    let bytes = sink.0.lock().unwrap().clone();
    (bytes, rows)
}

#[test]
fn a_cursor_move_writes_at_most_1_kb_and_only_the_two_rows() {
    for (w, h) in [(80, 24), (160, 48)] {
        for set in [GlyphSet::Unicode, GlyphSet::Vt, GlyphSet::Ascii] {
            // From the first row, and from a row in the middle of the window.
            for from in [0, 5] {
                let (bytes, rows) = one_move(set, w, h, from);
                let first = 3 + from as u16;
                assert_eq!(rows, [first, first + 1], "{set:?} {w}x{h}: rows changed");
                let shown = String::from_utf8_lossy(&bytes).replace('\x1b', "^[");
                assert!(
                    bytes.len() <= 1024,
                    "{set:?} {w}x{h}: {} bytes for one move:\n{shown}",
                    bytes.len()
                );
                println!("{set:?} {w}x{h} from row {from}: {} B", bytes.len());
            }
        }
    }
}
