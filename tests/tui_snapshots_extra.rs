//! Insta snapshots of the rotate dialog and the Last used column at 80×24 and 160×48 (fixed
//! clock). At 80 columns Last used gives way by priority (Description, Status, Expiry, Scope
//! fit); at 160 every column shows.

mod common;

use chrono::Duration;
use common::fixtures::*;
use crossterm::event::KeyCode;
use tokentab::tui::app::{App, Overlay};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn snap(name: &str, build: impl Fn(u16, u16) -> App) {
    for (w, h) in SIZES {
        let mut app = build(w, h);
        let text = render_text(&mut app, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text);
    }
}

/// The sample rows with last uses: minutes, hours and days ago, and never.
fn used_sample() -> Vec<tokentab::model::wire::TokenInfo> {
    let mut rows = sample();
    let ago = |d: Duration| Some((now() - d).timestamp());
    rows[0].last_used = ago(Duration::minutes(12));
    rows[1].last_used = ago(Duration::days(41));
    rows[2].last_used = ago(Duration::hours(5));
    rows[3].last_used = None;
    rows[4].last_used = ago(Duration::days(3));
    rows
}

#[test]
fn rotate_dialog_focused_on_cancel() {
    snap("rotate", |w, h| {
        let mut app = loaded_with(cfg(), used_sample(), w, h);
        // The custom token with two grants (Issued ▼: nightly backup is second).
        key(&mut app, KeyCode::Down);
        key(&mut app, KeyCode::Char('R'));
        assert!(matches!(app.overlay, Overlay::Rotate(_)));
        app
    });
}

#[test]
fn last_used_column_sorted() {
    snap("last_used", |w, h| {
        let mut app = loaded_with(cfg(), used_sample(), w, h);
        // s cycles the sort: Issued -> Expiry -> Last used.
        key(&mut app, KeyCode::Char('s'));
        key(&mut app, KeyCode::Char('s'));
        assert_eq!(app.rows.sort, tokentab::tui::app::tokens::Column::LastUsed);
        app
    });
}

#[test]
fn unused_filter() {
    snap("unused_filter", |w, h| {
        let mut app = loaded_with(cfg(), used_sample(), w, h);
        key(&mut app, KeyCode::Char('/'));
        typing(&mut app, "unused:30d");
        // 41 days since its last use; never used and issued 300 days ago.
        assert_eq!(app.rows.visible_len(), 2);
        app
    });
}
