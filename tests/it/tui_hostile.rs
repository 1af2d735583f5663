//! Hostile server strings render inert and aligned: no control character, no bidi control
//! reaches any buffer cell; double-width text keeps the columns; long text is cut with "…".

use crate::common;

use common::fixtures::*;
use crossterm::event::KeyCode;
use tokentab::model::sanitize::is_unsafe_char;
use tokentab::model::wire::TokenInfo;
use tokentab::tui::msg::{Effect, Msg, Owner, Request};
use unicode_width::UnicodeWidthStr;

fn hostile() -> Vec<TokenInfo> {
    let mut evil = info(
        "e\u{1b}]52;c;ZXZpbA==\u{7}vil-0001",
        "wipe\u{1b}[2J\u{1b}]52;c;cm0gLXJmIC8=\u{7} ring\u{7} back\rspace \u{202e}txt.exe",
        "mal\u{1b}[31mlory",
        1,
        Some(5),
        Some("applied-permissions/user"),
    );
    evil.subject = "jfac@x/users/mal\u{1b}[31mlory\u{9b}".into();
    evil.issuer = "jfac@\u{202e}x".into();
    let cjk = info(
        "c1c1c1c1-cjk",
        "漢字のトークン説明テキスト表示",
        "用户",
        2,
        Some(40),
        Some("applied-permissions/user"),
    );
    let long = info(
        "l0l0l0l0-long",
        &"A".repeat(5_000),
        "bob",
        3,
        None,
        Some("applied-permissions/admin"),
    );
    let plain = info(
        "p1p1p1p1-plain",
        "plain ascii",
        "carol",
        4,
        Some(-2),
        Some("applied-permissions/user"),
    );
    vec![evil, cjk, long, plain]
}

fn assert_inert(buf: &ratatui::buffer::Buffer, ctx: &str) {
    for (i, cell) in buf.content().iter().enumerate() {
        let s = cell.symbol();
        assert!(
            !s.chars().any(|c| is_unsafe_char(c) || c == '\u{1b}'),
            "{ctx}: cell {i} holds {s:?}"
        );
    }
}

#[test]
fn hostile_strings_never_reach_the_buffer() {
    for (w, h) in [(80, 24), (160, 48), (60, 16), (100, 30)] {
        let mut app = loaded_with(cfg(), hostile(), w, h);
        assert_inert(&render(&mut app, w, h), &format!("table {w}x{h}"));
        for k in ['i', '?', 'd', 'n'] {
            let mut app = loaded_with(cfg(), hostile(), w, h);
            key(&mut app, KeyCode::Char(k));
            assert_inert(&render(&mut app, w, h), &format!("{k} {w}x{h}"));
        }
        // Every row's details.
        for pos in 0..4 {
            let mut app = loaded_with(cfg(), hostile(), w, h);
            app.table.rows.select_pos(pos);
            key(&mut app, KeyCode::Char('i'));
            assert_inert(&render(&mut app, w, h), &format!("details {pos} {w}x{h}"));
        }
        // A hostile paste into the filter and a hostile error message.
        let mut app = loaded_with(cfg(), hostile(), w, h);
        key(&mut app, KeyCode::Char('/'));
        app.update(Msg::Paste("\u{1b}wi\u{202e}pe\u{7}".into()));
        assert_eq!(app.table.rows.visible_len(), 1);
        assert_inert(&render(&mut app, w, h), &format!("filter {w}x{h}"));
    }
    let mut app = tokentab::tui::app::App::new(cfg(), now());
    let fx = app.init();
    let id = id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Table,
            id,
            request: Request::ListTokens,
        } => Some(*id),
        _ => None,
    });
    app.update(listed(id, Err("bad\u{1b}[2J\u{7}\r\u{202e}gateway".into())));
    assert_inert(&render(&mut app, 100, 30), "error banner");
}

#[test]
fn wide_text_stays_aligned_and_long_text_is_cut() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut app = loaded_with(cfg(), hostile(), w, h);
        let text = render_text(&mut app, w, h);
        let body: Vec<&str> = text.lines().skip(3).take(4).collect();
        // The Status column starts at the same display column on every row.
        let col = |line: &str, pat: &str| line.find(pat).map(|b| line[..b].width());
        let positions: Vec<usize> = body
            .iter()
            .filter_map(|l| ["◐", "●", "∞", "✕"].iter().find_map(|p| col(l, p)))
            .collect();
        assert_eq!(positions.len(), 4, "{text}");
        assert!(
            positions.windows(2).all(|p| p[0] == p[1]),
            "{positions:?}\n{text}"
        );
        for l in text.lines() {
            assert!(l.width() <= usize::from(w), "{l}");
        }
        assert!(text.contains("AAAA…"), "{text}");
        assert!(text.contains("漢字"), "{text}");
        assert!(!text.contains(&"A".repeat(200)));
    }
}
