//! Insta snapshots of every screen state at 80×24 and 160×48, with a fixed clock.

use crate::common;

use common::fixtures::*;
use crossterm::event::KeyCode;
use tokentab::secret::clipboard::CopyOutcome;
use tokentab::tui::app::App;
use tokentab::tui::msg::{Answer, Effect, Msg, Owner, Request};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn snap(name: &str, build: impl Fn(u16, u16) -> App) {
    for (w, h) in SIZES {
        let mut app = build(w, h);
        let text = render_text(&mut app, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text);
    }
}

#[test]
fn table_with_expired_expiring_and_never_rows() {
    snap("table", |w, h| {
        let app = loaded(w, h);
        let text_check = app.table.rows.counts.clone();
        assert_eq!(
            (text_check.total, text_check.expiring, text_check.expired),
            (5, 1, 1)
        );
        app
    });
}

#[test]
fn filter_on() {
    snap("filter", |w, h| {
        let mut app = loaded(w, h);
        key(&mut app, KeyCode::Char('/'));
        typing(&mut app, "demo");
        assert_eq!(app.table.rows.visible_len(), 2);
        app
    });
}

#[test]
fn empty() {
    snap("empty", |w, h| loaded_with(cfg(), vec![], w, h));
}

#[test]
fn loading() {
    snap("loading", |w, h| {
        let mut app = App::new(cfg(), now());
        app.init();
        app.update(Msg::Resize(w, h));
        app
    });
}

#[test]
fn error_banner() {
    snap("error", |w, h| {
        let mut app = App::new(cfg(), now());
        let fx = app.init();
        app.update(Msg::Resize(w, h));
        let id = id_of(&fx, |e| match e {
            Effect::Call {
                owner: Owner::Table,
                id,
                request: Request::ListTokens,
            } => Some(*id),
            _ => None,
        });
        app.update(listed(
            id,
            Err("cannot reach http://127.0.0.1:40123: connection refused".into()),
        ));
        app
    });
}

#[test]
fn row_menu() {
    snap("row_menu", |w, h| {
        let mut app = loaded(w, h);
        key(&mut app, KeyCode::Down);
        key(&mut app, KeyCode::Enter);
        app
    });
}

#[test]
fn revoke_dialog() {
    snap("revoke", |w, h| {
        let mut app = loaded(w, h);
        key(&mut app, KeyCode::Char('d'));
        app
    });
    snap("revoke_admin", |w, h| {
        let mut app = loaded(w, h);
        key(&mut app, KeyCode::Char('G'));
        key(&mut app, KeyCode::Char('d'));
        typing(&mut app, "d0");
        app
    });
}

#[test]
fn create_panel_user() {
    snap("create_user", |w, h| {
        let mut app = loaded(w, h);
        key(&mut app, KeyCode::Char('n'));
        typing(&mut app, "edge readers");
        app
    });
}

#[test]
fn create_panel_custom_three_rows() {
    snap("create_custom", |w, h| {
        let mut app = loaded(w, h);
        custom_three_rows(&mut app);
        assert_eq!(app.form.as_ref().unwrap().scope.grants().count(), 3);
        app
    });
}

#[test]
fn validation_messages() {
    snap("validation", |w, h| {
        let mut app = loaded(w, h);
        key(&mut app, KeyCode::Char('n'));
        key(&mut app, KeyCode::Tab);
        for _ in 0..4 {
            key(&mut app, KeyCode::Backspace);
        }
        typing(&mut app, "2020-01-01");
        ctrl(&mut app, 's');
        app
    });
}

#[test]
fn help() {
    snap("help", |w, h| {
        let mut app = loaded(w, h);
        key(&mut app, KeyCode::Char('?'));
        app
    });
}

#[test]
fn secret_view() {
    snap("secret", |w, h| {
        let mut app = loaded(w, h);
        let id = generate(&mut app, "deploy bot");
        let fx = app.update(reply(Owner::Form, id, Answer::Created(Ok(created()))));
        assert!(fx.contains(&Effect::CopySecret));
        app.update(Msg::SecretCopied(CopyOutcome::Osc52Sent));
        app
    });
}

#[test]
fn details() {
    snap("details", |w, h| {
        let mut app = loaded(w, h);
        key(&mut app, KeyCode::Down);
        key(&mut app, KeyCode::Char('i'));
        app
    });
}

#[test]
fn too_small_and_tiny_sizes_never_panic() {
    for (w, h) in [(1, 1), (2, 1), (59, 16), (60, 15), (10, 40), (200, 3)] {
        let mut app = loaded(w, h);
        let text = render_text(&mut app, w, h);
        if w >= 30 {
            assert!(text.contains("enlarge"), "{w}x{h}: {text}");
        }
    }
    let mut app = loaded(60, 16);
    let text = render_text(&mut app, 60, 16);
    assert!(text.contains("Access Tokens"), "{text}");
    // Every overlay at the minimum size.
    custom_three_rows(&mut app);
    render_text(&mut app, 60, 16);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('?'));
    render_text(&mut app, 1, 1);
}

#[test]
fn monochrome_still_shows_selection_focus_and_status() {
    use ratatui::style::{Color, Modifier};
    let mono = tokentab::tui::app::AppConfig {
        mono: true,
        ..cfg()
    };
    let mut app = loaded_with(mono, common::fixtures::sample(), 100, 30);
    let buf = render(&mut app, 100, 30);
    for cell in buf.content() {
        assert!(
            matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
            "no colour in monochrome: {cell:?}"
        );
    }
    // The selected row (y = 3) is in reverse video; status words are there without colour.
    assert!(buf[(10, 3)].modifier.contains(Modifier::REVERSED));
    let text = buffer_text(&buf);
    // At 100 columns the status marks stand in front of the expiries.
    assert!(
        text.contains("✕ 2026-11-20") && text.contains("◐ 2026-11-25") && text.contains("∞ never"),
        "{text}"
    );
    // The focused form field is reverse video too.
    key(&mut app, KeyCode::Char('n'));
    let buf = render(&mut app, 100, 30);
    assert!(
        buf.content()
            .iter()
            .any(|c| c.modifier.contains(Modifier::REVERSED | Modifier::BOLD))
    );
}

#[test]
fn production_readonly_header_is_red_and_says_read_only() {
    use ratatui::style::Color;
    let c = tokentab::tui::customisation(&Default::default(), &Default::default(), Some("red"))
        .expect("valid");
    let prod = tokentab::tui::app::AppConfig {
        embedded: false,
        server_label: "https://acme.jfrog.io".into(),
        profile: Some("production".into()),
        readonly: true,
        ..cfg()
    };
    for (w, h) in SIZES {
        let mut app = loaded_with(prod.clone(), common::fixtures::sample(), w, h);
        app.theme.banner = c.banner;
        let buf = render(&mut app, w, h);
        let header = buffer_text(&buf).lines().next().unwrap_or("").to_owned();
        insta::assert_snapshot!(format!("header_production_readonly_{w}x{h}"), header);
        assert!(header.contains("READ-ONLY"), "{header}");
        // The whole top line sits on the banner colour; the line below does not.
        for x in 0..w {
            assert_eq!(buf[(x, 0)].bg, Color::Red, "x={x}: {:?}", buf[(x, 0)]);
        }
        assert_ne!(buf[(0, 1)].bg, Color::Red);
        // Read-only: no create or revoke offered, and `n` opens no form.
        let status = buffer_text(&buf).lines().last().unwrap_or("").to_owned();
        assert!(status.contains("/ filter"), "{status}");
        assert!(
            !status.contains("new") && !status.contains("revoke"),
            "{status}"
        );
        let fx = key(&mut app, KeyCode::Char('n'));
        assert!(fx.is_empty() && app.form.is_none());
    }
}
