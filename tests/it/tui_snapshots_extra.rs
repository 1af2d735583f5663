//! Insta snapshots of the rotate dialog and the Last used column at 80×24 and 160×48 (fixed
//! clock). At 80 columns Last used gives way by priority (Description, Status, Expiry, Scope
//! fit); at 160 every column shows.

use crate::common;

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
        assert_eq!(
            app.table.rows.sort,
            tokentab::tui::app::tokens::Column::LastUsed
        );
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
        assert_eq!(app.table.rows.visible_len(), 2);
        app
    });
}

/// The admin (signed in) owns two tokens expiring within 7 days, one later, one expired; bob
/// owns one expiring.
fn mine_sample() -> Vec<tokentab::model::wire::TokenInfo> {
    vec![
        info(
            "a1000000-0000-4000-8000-000000000001",
            "admin soon",
            "admin",
            80,
            Some(2),
            Some("applied-permissions/user"),
        ),
        info(
            "a2000000-0000-4000-8000-000000000002",
            "admin sooner",
            "admin",
            30,
            Some(6),
            Some("connect:project:demo:r"),
        ),
        info(
            "a3000000-0000-4000-8000-000000000003",
            "admin later",
            "admin",
            3,
            Some(60),
            Some("applied-permissions/user"),
        ),
        info(
            "a4000000-0000-4000-8000-000000000004",
            "admin gone",
            "admin",
            90,
            Some(-1),
            Some("applied-permissions/user"),
        ),
        info(
            "b1000000-0000-4000-8000-000000000005",
            "bob soon",
            "bob",
            10,
            Some(3),
            Some("applied-permissions/user"),
        ),
    ]
}

#[test]
fn expiry_notice_and_x() {
    snap("expiry_notice", |w, h| {
        let app = loaded_with(cfg(), mine_sample(), w, h);
        assert_eq!(app.table.mine_expiring, 2);
        app
    });
    snap("expiry_notice_x", |w, h| {
        let mut app = loaded_with(cfg(), mine_sample(), w, h);
        key(&mut app, KeyCode::Char('x'));
        assert_eq!(app.table.filter.value(), "user:admin status:expiring");
        let shown: Vec<String> = (0..app.table.rows.visible_len())
            .map(|i| app.table.rows.at(i).unwrap().token.description)
            .collect();
        assert_eq!(shown, vec!["admin sooner", "admin soon"]);
        app
    });
}

#[test]
fn the_notice_is_recounted_after_each_refresh() {
    use tokentab::tui::msg::{Effect, Owner, Request};
    let mut app = loaded_with(cfg(), mine_sample(), 160, 48);
    assert_eq!(app.table.mine_expiring, 2);
    let fx = key(&mut app, KeyCode::Char('r'));
    let id = id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Table,
            id,
            request: Request::ListTokens,
        } => Some(*id),
        _ => None,
    });
    let mut later = mine_sample();
    later.truncate(1);
    app.update(listed(id, Ok(later)));
    assert_eq!(app.table.mine_expiring, 1);
    assert!(render_text(&mut app, 160, 48).contains("1 yours expiring (x)"));
    let fx = key(&mut app, KeyCode::Char('r'));
    let id = id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Table,
            id,
            request: Request::ListTokens,
        } => Some(*id),
        _ => None,
    });
    app.update(listed(id, Ok(vec![])));
    assert_eq!(app.table.mine_expiring, 0);
    assert!(!render_text(&mut app, 160, 48).contains("yours expiring"));
}

/// A way to bring the model to one screen.
type Scene = Box<dyn Fn(&mut App)>;

/// The new screens draw only what each glyph set has (vt: the console font; ascii: 7-bit).
#[test]
fn new_screens_stay_inside_each_glyph_set() {
    use tokentab::model::settings::GlyphSet;
    use tokentab::tui::msg::{Answer, Effect, Owner, Request};
    for set in [GlyphSet::Vt, GlyphSet::Ascii] {
        let scenes: Vec<(&str, Scene)> = vec![
            (
                "rotate",
                Box::new(|a: &mut App| {
                    key(a, KeyCode::Down);
                    key(a, KeyCode::Char('R'));
                }),
            ),
            (
                "rotate_unknown_scope",
                Box::new(|a: &mut App| {
                    let fx = key(a, KeyCode::Char('R'));
                    let id = id_of(&fx, |e| match e {
                        Effect::Call {
                            owner: Owner::Rotate,
                            id,
                            request: Request::GetToken(_),
                        } => Some(*id),
                        _ => None,
                    });
                    a.update(reply(
                        Owner::Rotate,
                        id,
                        Answer::Token(Ok(sample().pop().unwrap())),
                    ));
                }),
            ),
            (
                "rotated_secret",
                Box::new(|a: &mut App| {
                    key(a, KeyCode::Down);
                    key(a, KeyCode::Char('R'));
                    key(a, KeyCode::Right);
                    let fx = key(a, KeyCode::Enter);
                    let id = id_of(&fx, |e| match e {
                        Effect::Call {
                            owner: Owner::Rotate,
                            id,
                            request: Request::CreateToken(_),
                        } => Some(*id),
                        _ => None,
                    });
                    a.update(reply(Owner::Rotate, id, Answer::Created(Ok(created()))));
                }),
            ),
            (
                "export",
                Box::new(|a: &mut App| {
                    key(a, KeyCode::Char('e'));
                }),
            ),
            (
                "notice_and_last_used",
                Box::new(|a: &mut App| {
                    key(a, KeyCode::Char('x'));
                }),
            ),
        ];
        for (name, act) in scenes {
            for (w, h) in SIZES {
                let mut app = loaded_with(cfg(), used_sample(), w, h);
                app.theme.glyphs = set.glyphs();
                act(&mut app);
                let text = render_text(&mut app, w, h);
                let bad: Vec<char> = text
                    .chars()
                    .filter(|c| *c != '\n' && !set.allows(*c))
                    .collect();
                assert!(bad.is_empty(), "{set:?} {name} {w}x{h}: {bad:?}\n{text}");
            }
        }
    }
}
