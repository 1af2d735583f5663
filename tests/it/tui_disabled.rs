//! Issue 17 in the tab, on a TestBackend (insta snapshots at 80×24): a disabled user's tokens say
//! so in the Status column (in each glyph set, over every expiry state), the counts and Details;
//! `status:disabled` filters them; and the Custom form names its user, so an admin can create a
//! Custom token for alice.

use crate::common;

use common::fixtures::*;
use crossterm::event::KeyCode;
use tokentab::model::settings::GlyphSet;
use tokentab::model::wire::TokenInfo;
use tokentab::tui::app::App;
use tokentab::tui::app::form::Field;
use tokentab::tui::msg::Owner;

const NOTE: &str = "user bob is disabled: this token is refused until the user is enabled again";

/// The sample, with bob (an expiring token) and carol (an active one) disabled.
fn sample_disabled() -> Vec<TokenInfo> {
    let mut tokens = sample();
    for t in &mut tokens {
        if t.subject.ends_with("/bob") || t.subject.ends_with("/carol") {
            t.user_status = Some("disabled".into());
        } else {
            t.user_status = Some("enabled".into());
        }
    }
    tokens
}

fn loaded_disabled(w: u16, h: u16) -> App {
    loaded_with(cfg(), sample_disabled(), w, h)
}

/// The screen's text with line breaks and the frame's borders taken out, runs of spaces as one
/// (the details view wraps long lines).
fn flat(text: &str) -> String {
    text.replace(['│', '|'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_status_column_says_disabled_in_each_glyph_set_over_the_expiry_state() {
    for (set, mark) in [
        (GlyphSet::Unicode, "⊘"),
        (GlyphSet::Vt, "⊘"),
        (GlyphSet::Ascii, "/"),
    ] {
        let mut app = loaded_disabled(80, 24);
        app.theme.glyphs = set.glyphs();
        let text = render_text(&mut app, 80, 24);
        let line = |desc: &str| {
            text.lines()
                .find(|l| l.contains(desc))
                .unwrap_or_else(|| panic!("{desc} on screen:\n{text}"))
                .to_owned()
        };
        // bob's token expires in 2 days, carol's in a year: disabled wins over both. At 80
        // columns the status is the mark in front of the expiry.
        let g = set.glyphs();
        for desc in ["nightly backup", "grafana scraper"] {
            let l = line(desc);
            assert!(l.contains(&format!("{mark} 20")), "{set:?}: {l}");
            assert!(
                !l.contains(&format!("{} 20", g.expiring))
                    && !l.contains(&format!("{} 20", g.active)),
                "{l}"
            );
        }
        // The others keep their expiry state.
        assert!(
            line("ci deploy").contains(&format!("{} 20", g.active)),
            "{text}"
        );
        assert!(
            line("edge reader").contains(&format!("{} 20", g.expired)),
            "{text}"
        );
        // Wide enough for the Status column, the word.
        let mut wide = loaded_disabled(160, 24);
        wide.theme.glyphs = set.glyphs();
        let wide_text = render_text(&mut wide, 160, 24);
        for desc in ["nightly backup", "grafana scraper"] {
            let l = wide_text.lines().find(|l| l.contains(desc)).unwrap_or("");
            assert!(l.contains(&format!("{mark} disabled")), "{set:?}: {l}");
            assert!(!l.contains("expiring") && !l.contains("active"), "{l}");
        }
        let wide_line = |d: &str| {
            wide_text
                .lines()
                .find(|l| l.contains(d))
                .unwrap_or("")
                .to_owned()
        };
        assert!(wide_line("ci deploy").contains("active"), "{wide_text}");
        assert!(wide_line("edge reader").contains("expired"), "{wide_text}");
        // Only characters of the set.
        assert!(
            text.chars().all(|c| c == '\n' || set.allows(c)),
            "{set:?}:\n{text}"
        );
        insta::assert_snapshot!(format!("disabled_table_{}", set.name()), text);
    }
}

#[test]
fn the_counts_count_disabled_tokens_and_the_filter_finds_them() {
    let mut app = loaded_disabled(80, 24);
    let c = app.table.rows.counts.clone();
    // bob's expiring token counts as disabled, not as expiring.
    assert_eq!((c.total, c.expiring, c.expired, c.disabled), (5, 0, 1, 2));
    let text = render_text(&mut app, 80, 24);
    assert!(
        text.lines().next().unwrap().contains("2 disabled"),
        "{text}"
    );

    key(&mut app, KeyCode::Char('/'));
    typing(&mut app, "status:disabled");
    assert_eq!(app.table.rows.visible_len(), 2);
    key(&mut app, KeyCode::Enter);
    let text = render_text(&mut app, 80, 24);
    assert!(
        text.contains("nightly backup") && text.contains("grafana scraper"),
        "{text}"
    );
    assert!(!text.contains("ci deploy"), "{text}");

    // Sorting keeps working with disabled rows in the table.
    let mut app = loaded_disabled(80, 24);
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Char('S'));
    assert_eq!(app.table.rows.visible_len(), 5);
}

#[test]
fn details_say_why_a_disabled_users_token_is_refused() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut app = loaded_disabled(w, h);
        let pos = (0..app.table.rows.visible_len())
            .find(|&p| {
                app.table
                    .rows
                    .at(p)
                    .is_some_and(|r| r.token.description == "nightly backup")
            })
            .expect("bob's row");
        for _ in 0..pos {
            key(&mut app, KeyCode::Down);
        }
        key(&mut app, KeyCode::Char('i'));
        let text = render_text(&mut app, w, h);
        let f = flat(&text);
        assert!(f.contains("Status ⊘ disabled"), "{text}");
        assert!(f.contains(NOTE), "{text}");
        insta::assert_snapshot!(format!("disabled_details_{w}x{h}"), text);
    }
    // An enabled user's token has no such line.
    let mut app = loaded_disabled(160, 48);
    key(&mut app, KeyCode::Char('i'));
    let text = render_text(&mut app, 160, 48);
    assert!(!text.contains("is disabled"), "{text}");
}

#[test]
fn the_custom_form_names_its_user_and_creates_for_alice_at_80x24() {
    let mut app = loaded(80, 24);
    key(&mut app, KeyCode::Char('n'));
    typing(&mut app, "pi fleet for alice");
    focus(&mut app, Field::ScopeKind);
    key(&mut app, KeyCode::Char(' '));
    assert!(app.form.as_ref().unwrap().custom);
    // The User field comes right after the scope kind and starts as the signed-in user.
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.form.as_ref().unwrap().focus, Field::User);
    assert_eq!(app.form.as_ref().unwrap().user.as_deref(), Some("admin"));
    let fx = key(&mut app, KeyCode::Enter);
    pick_first(&mut app, &fx, &[("alice", "alice <alice@example.com>")]);
    assert_eq!(app.form.as_ref().unwrap().user.as_deref(), Some("alice"));
    focus(&mut app, Field::Project);
    let fx = key(&mut app, KeyCode::Enter);
    pick_first(&mut app, &fx, &[("demo", "demo — Demo project")]);
    focus(&mut app, Field::Entity);
    key(&mut app, KeyCode::Right);
    focus(&mut app, Field::Target);
    let fx = key(&mut app, KeyCode::Enter);
    pick_first(&mut app, &fx, &[("rpi", "rpi (3 devices)")]);
    focus(&mut app, Field::Add);
    key(&mut app, KeyCode::Enter);
    focus(&mut app, Field::User);
    let text = render_text(&mut app, 80, 24);
    assert!(text.contains("User          [ alice"), "{text}");
    // The row names its fleet under the headings (issue 18 item 5).
    assert!(text.contains(" Fleet · rpi"), "{text}");
    // Every field and both buttons fit the 80×24 panel.
    for label in [
        "Description",
        "Token scope",
        "Project",
        "Fleet",
        "[ Generate ]",
    ] {
        assert!(text.contains(label), "{label}:\n{text}");
    }
    insta::assert_snapshot!("custom_for_alice_80x24", text);

    let fx = ctrl(&mut app, 's');
    let req = create_request(&fx, Owner::Form);
    assert_eq!(req.username.as_deref(), Some("alice"));
    assert_eq!(req.scope.as_deref(), Some("connect:fleet:demo/rpi:r"));
    assert_eq!(req.audience.as_deref(), Some("jfcon@*"));
}

#[test]
fn the_user_field_is_kept_when_the_scope_kind_changes() {
    let mut app = loaded(80, 24);
    key(&mut app, KeyCode::Char('n'));
    focus(&mut app, Field::User);
    let fx = key(&mut app, KeyCode::Enter);
    pick_first(&mut app, &fx, &[("alice", "alice")]);
    focus(&mut app, Field::ScopeKind);
    key(&mut app, KeyCode::Char(' '));
    let form = app.form.as_ref().unwrap();
    assert!(form.custom);
    assert_eq!(form.user.as_deref(), Some("alice"));
    assert!(form.fields().contains(&Field::User));
}
