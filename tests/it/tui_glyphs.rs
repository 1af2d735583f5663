//! The three glyph sets at 80×24 (insta snapshots), a scan proving the `vt` and `ascii` snapshots
//! use only their sets, and the hint line and header at 60, 80 and 120 columns never ending in a
//! cut word.

use crate::common;

use std::path::Path;

use common::fixtures::*;
use crossterm::event::KeyCode;
use tokentab::model::settings::GlyphSet;
use tokentab::secret::clipboard::CopyOutcome;
use tokentab::tui::app::App;
use tokentab::tui::msg::{Answer, Msg, Owner};

const SETS: [GlyphSet; 3] = [GlyphSet::Unicode, GlyphSet::Vt, GlyphSet::Ascii];

fn with_set(mut app: App, set: GlyphSet) -> App {
    app.theme.glyphs = set.glyphs();
    app
}

fn outside(set: GlyphSet, text: &str) -> Vec<char> {
    let mut bad: Vec<char> = text
        .chars()
        .filter(|c| *c != '\n' && !set.allows(*c))
        .collect();
    bad.dedup();
    bad
}

/// Renders one scene in every set at 80×24 and snapshots it as `<set>_<scene>`.
fn scene(name: &str, build: impl Fn(App) -> App) {
    for set in SETS {
        let mut app = build(with_set(loaded(80, 24), set));
        let text = render_text(&mut app, 80, 24);
        let bad = outside(set, &text);
        assert!(bad.is_empty(), "{set:?} {name}: {bad:?}\n{text}");
        insta::assert_snapshot!(format!("{}_{name}", set.name()), text);
    }
}

#[test]
fn table_in_each_set() {
    scene("table", |app| app);
}

#[test]
fn marked_rows_in_each_set() {
    scene("marked", |mut app| {
        key(&mut app, KeyCode::Char(' '));
        key(&mut app, KeyCode::Down);
        key(&mut app, KeyCode::Char(' '));
        assert_eq!(app.table.rows.marked.len(), 2);
        app
    });
}

#[test]
fn custom_panel_with_permission_rows_in_each_set() {
    scene("custom_panel", |mut app| {
        custom_three_rows(&mut app);
        app
    });
}

#[test]
fn secret_view_in_each_set() {
    scene("secret", |mut app| {
        let id = generate(&mut app, "deploy bot");
        app.update(reply(Owner::Form, id, Answer::Created(Ok(created()))));
        app.update(Msg::SecretCopied(CopyOutcome::Osc52Sent));
        app
    });
}

#[test]
fn help_in_each_set() {
    scene("help", |mut app| {
        key(&mut app, KeyCode::Char('?'));
        app
    });
}

#[test]
fn confirm_in_each_set() {
    scene("confirm", |mut app| {
        key(&mut app, KeyCode::Char('G'));
        key(&mut app, KeyCode::Char('d'));
        typing(&mut app, "d0");
        app
    });
}

#[test]
fn details_and_user_panel_in_each_set() {
    scene("details", |mut app| {
        key(&mut app, KeyCode::Down);
        key(&mut app, KeyCode::Char('i'));
        app
    });
    scene("user_panel", |mut app| {
        key(&mut app, KeyCode::Char('n'));
        typing(&mut app, "edge readers");
        app
    });
}

/// The body of an insta snapshot file (after its `---` header).
fn snapshot_body(text: &str) -> &str {
    let mut parts = text.splitn(3, "---\n");
    match (parts.next(), parts.next(), parts.next()) {
        (Some(""), Some(_), Some(body)) => body,
        _ => text,
    }
}

#[test]
fn every_vt_and_ascii_snapshot_stays_in_its_set() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots");
    for set in [GlyphSet::Vt, GlyphSet::Ascii] {
        let prefix = format!("it__tui_glyphs__{}_", set.name());
        let mut scanned = 0;
        for entry in std::fs::read_dir(&dir).expect("tests/it/snapshots") {
            let path = entry.expect("entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !name.starts_with(&prefix) || !name.ends_with(".snap") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read snapshot");
            let bad = outside(set, snapshot_body(&text));
            assert!(bad.is_empty(), "{name}: {bad:?}");
            scanned += 1;
        }
        assert!(scanned >= 8, "{set:?}: only {scanned} snapshots found");
    }
    // The scan does catch a foreign character.
    assert_eq!(outside(GlyphSet::Vt, "│▌ row"), vec!['▌']);
    assert_eq!(outside(GlyphSet::Ascii, "| ● row ·"), vec!['●', '·']);
}

#[test]
fn status_reads_without_colour_in_every_set() {
    for set in SETS {
        let mono = tokentab::tui::app::AppConfig {
            mono: true,
            ..cfg()
        };
        // At 100 columns (no Status column) the mark stands in front of the expiry.
        let mut app = with_set(loaded_with(mono.clone(), sample(), 100, 30), set);
        let text = render_text(&mut app, 100, 30);
        let g = set.glyphs();
        for mark in [
            format!("{} 2026-11-20", g.expired),
            format!("{} 2026-11-25", g.expiring),
            format!("{} never", g.never),
            format!("{} 2026-12-23", g.active),
        ] {
            assert!(text.contains(&mark), "{set:?}: no \"{mark}\"\n{text}");
        }
        // With the Status column (160), mark and word.
        let mut app = with_set(loaded_with(mono, sample(), 160, 30), set);
        let text = render_text(&mut app, 160, 30);
        for (mark, word) in [
            (g.expired, "expired"),
            (g.expiring, "expiring"),
            (g.never, "never"),
            (g.active, "active"),
        ] {
            assert!(
                text.contains(&format!("{mark} {word}")),
                "{set:?}: no \"{mark} {word}\"\n{text}"
            );
        }
    }
}

/// The last line, its activity part (after a run of spaces) taken off.
fn hint_line(text: &str) -> String {
    let last = text.lines().last().unwrap_or("").trim();
    last.split("  ").next().unwrap_or("").trim().to_string()
}

fn assert_whole_hints(app: &App, text: &str, what: &str) {
    let g = app.theme.glyphs;
    let line = hint_line(text);
    let parts: Vec<String> = tokentab::tui::ui::status_bar::hint_parts(app)
        .into_iter()
        .map(|(_, h)| g.text(&h).into_owned())
        .collect();
    assert!(!line.is_empty(), "{what}: empty hint line");
    for piece in line.split(g.sep) {
        assert!(
            parts.iter().any(|p| p == piece),
            "{what}: \"{piece}\" is not a whole hint in \"{line}\" (hints: {parts:?})"
        );
    }
    let help = parts.iter().find(|p| p.ends_with(" help"));
    if let Some(help) = help {
        assert!(line.contains(help.as_str()), "{what}: help went: {line}");
    }
}

fn assert_whole_header(app: &App, text: &str, what: &str) {
    let g = app.theme.glyphs;
    let header = text.lines().next().unwrap_or("").trim_end();
    assert!(!header.ends_with(g.ellipsis), "{what}: {header}");
    // The server is always named, with its port.
    assert!(
        header.contains(":40123") || header.contains(":8443"),
        "{what}: no server: {header}"
    );
    // Counts give way whole (never half of one), the total first.
    let c = &app.table.rows.counts;
    let counts = [
        (format!("{} tokens", c.total), "tokens"),
        (format!("{} expiring", c.expiring), "expiring"),
        (format!("{} expired", c.expired), "expired"),
    ];
    for (count, word) in &counts {
        assert!(
            !header.contains(word) || header.contains(count.as_str()),
            "{what}: \"{count}\" cut: {header}"
        );
    }
    if header.contains(counts[0].0.as_str()) {
        assert!(
            header.contains(counts[1].0.as_str()) && header.contains(counts[2].0.as_str()),
            "{what}: the total stayed longer than a status count: {header}"
        );
    }
    let last = header.split_whitespace().last().unwrap_or("");
    assert!(
        [
            "help",
            "expired",
            "expiring",
            "READ-ONLY",
            "admin",
            "(embedded)",
            "(remote)"
        ]
        .contains(&last),
        "{what}: header ends in \"{last}\": {header}"
    );
}

#[test]
fn hint_line_and_header_never_end_in_a_cut_word() {
    let long_url = tokentab::tui::app::AppConfig {
        embedded: false,
        server_label: "https://artifactory-eu-west-production.internal.example.com:8443".into(),
        profile: Some("production".into()),
        readonly: true,
        ..cfg()
    };
    for set in SETS {
        for w in [60u16, 80, 120] {
            let what = |s: &str| format!("{set:?} {w} cols {s}");
            let mut app = with_set(loaded(w, 24), set);
            let text = render_text(&mut app, w, 24);
            assert_whole_hints(&app, &text, &what("table"));
            assert_whole_header(&app, &text, &what("table"));

            key(&mut app, KeyCode::Char('/'));
            typing(&mut app, "demo");
            key(&mut app, KeyCode::Enter);
            let text = render_text(&mut app, w, 24);
            assert_whole_hints(&app, &text, &what("filter on"));

            let mut app = with_set(loaded(w, 24), set);
            custom_three_rows(&mut app);
            let text = render_text(&mut app, w, 24);
            assert_whole_hints(&app, &text, &what("form"));

            let mut app = with_set(loaded_with(long_url.clone(), sample(), w, 24), set);
            let text = render_text(&mut app, w, 24);
            assert_whole_hints(&app, &text, &what("long url"));
            assert_whole_header(&app, &text, &what("long url"));
            if w == 120 {
                let header = text.lines().next().unwrap_or("");
                assert!(
                    header.contains(g_ell(set)) && header.contains(":8443"),
                    "{set:?}: the URL loses its middle, keeps its port: {header}"
                );
            }
        }
    }
    // The line as it was before: at 80 columns it ended "… · q qu…".
    let mut app = loaded(80, 24);
    let text = render_text(&mut app, 80, 24);
    assert!(hint_line(&text).ends_with("q quit"), "{text}");
}

fn g_ell(set: GlyphSet) -> &'static str {
    set.glyphs().ellipsis
}

#[test]
fn loading_hint_line_keeps_help_beside_the_spinner() {
    for set in SETS {
        for w in [60u16, 80, 120] {
            let mut app = with_set(App::new(cfg(), now()), set);
            app.init();
            let text = render_text(&mut app, w, 24);
            assert_whole_hints(&app, &text, &format!("{set:?} {w} loading"));
            assert!(text.contains("loading tokens"), "{text}");
        }
    }
}
