//! Issue 18 item 1 on TestBackend: which columns a width shows (the seed's six before our Status
//! and Last used), the status symbol beside Expiry when the Status column is hidden, the header
//! that always names the server, the sort shown also when its column is hidden, and a help
//! overlay that never cuts its own text.

use crate::common;

use common::fixtures::*;
use crossterm::event::KeyCode;
use tokentab::tui::app::AppConfig;
use unicode_width::UnicodeWidthStr;

const SEED: [&str; 6] = [
    "Description",
    "Subject",
    "Token ID",
    "Issued",
    "Expiry",
    "Scope",
];

/// The table's column headings (the line under its top border).
fn headings(text: &str) -> &str {
    text.lines().nth(2).unwrap_or("")
}

fn row<'a>(text: &'a str, desc: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(desc))
        .unwrap_or_else(|| panic!("no row {desc}:\n{text}"))
}

#[test]
fn the_seeds_six_columns_come_before_ours_at_80_100_120_and_160() {
    let cases: [(u16, &[&str], &[&str]); 4] = [
        (
            80,
            &["Description", "Subject", "Expiry", "Scope"],
            &["Token ID", "Issued", "Status", "Last used"],
        ),
        (
            100,
            &["Description", "Subject", "Token ID", "Expiry", "Scope"],
            &["Issued", "Status", "Last used"],
        ),
        (120, &SEED, &["Status", "Last used"]),
        (
            160,
            &[
                "Description",
                "Subject",
                "Token ID",
                "Issued",
                "Status",
                "Expiry",
                "Last used",
                "Scope",
            ],
            &[],
        ),
    ];
    for (w, shown, hidden) in cases {
        let mut app = loaded(w, 24);
        let text = render_text(&mut app, w, 24);
        let heads = headings(&text);
        for h in shown {
            assert!(heads.contains(h), "{w}: {h} missing in {heads:?}\n{text}");
        }
        for h in hidden {
            assert!(!heads.contains(h), "{w}: {h} shown in {heads:?}\n{text}");
        }
        // Whose token a row is, at every width.
        assert!(row(&text, "ci deploy").contains("alice"), "{w}\n{text}");
        // Without the Status column its symbol stays with Expiry (never colour alone).
        let expired = row(&text, "edge reader");
        if hidden.contains(&"Status") {
            assert!(expired.contains("✕ 2026-11-20 3 d ago"), "{w}\n{text}");
        } else {
            assert!(expired.contains("✕ expired"), "{w}\n{text}");
        }
        if shown.contains(&"Token ID") {
            // The short ID: its first 8 characters.
            assert!(
                row(&text, "ci deploy").contains(" 3f2a9c1e "),
                "{w}\n{text}"
            );
        }
        insta::assert_snapshot!(format!("columns_{w}x24"), text);
    }
}

#[test]
fn with_the_create_panel_open_the_rule_applies_to_the_tables_own_width() {
    let mut app = loaded(120, 24);
    key(&mut app, KeyCode::Char('n'));
    let text = render_text(&mut app, 120, 24);
    let heads = headings(&text);
    for h in ["Description", "Subject", "Expiry", "Scope"] {
        assert!(heads.contains(h), "{h} missing in {heads:?}\n{text}");
    }
    for h in ["Status", "Last used"] {
        assert!(!heads.contains(h), "{h} shown in {heads:?}\n{text}");
    }
    assert!(row(&text, "edge reader").contains("✕ 2026-11-20"), "{text}");
    insta::assert_snapshot!("columns_panel_120x24", text);
}

fn header_at(cfg: AppConfig, w: u16) -> String {
    let mut app = loaded_with(cfg, sample(), w, 24);
    let text = render_text(&mut app, w, 24);
    let line = text.lines().next().unwrap_or("").to_owned();
    assert!(line.width() <= usize::from(w), "{w}: {line}");
    line
}

#[test]
fn the_header_names_the_server_at_60_80_and_160() {
    for w in [60, 80, 160] {
        let line = header_at(cfg(), w);
        // The whole URL with its port: the counts give way first.
        assert!(
            line.contains("http://127.0.0.1:40123 (embedded)"),
            "{w}: {line}"
        );
    }
    // Everything at 160, the help hint too.
    let wide = header_at(cfg(), 160);
    for part in ["· admin", "5 tokens", "1 expiring", "1 expired", "? help"] {
        assert!(wide.contains(part), "{part}: {wide}");
    }
    // At 80 the total gives way before the expiring and expired counts.
    let mid = header_at(cfg(), 80);
    assert!(!mid.contains("5 tokens"), "{mid}");
    assert!(
        mid.contains("1 expiring") && mid.contains("1 expired"),
        "{mid}"
    );
}

#[test]
fn a_long_server_url_is_shortened_in_the_middle_keeping_scheme_and_port() {
    let long = AppConfig {
        server_label: "https://artifactory.very-long-company-name.example.com:8443".into(),
        embedded: false,
        profile: Some("production".into()),
        readonly: true,
        ..cfg()
    };
    for w in [60, 80] {
        let line = header_at(long.clone(), w);
        assert!(line.contains("https://arti"), "{w}: {line}");
        assert!(line.contains("…:8443"), "{w}: {line}");
        assert!(line.contains("READ-ONLY"), "{w}: {line}");
    }
    let wide = header_at(long, 160);
    assert!(
        wide.contains("https://artifactory.very-long-company-name.example.com:8443"),
        "{wide}"
    );
}

#[test]
fn the_sort_is_shown_when_its_column_is_hidden_and_s_says_what_comes_next() {
    let mut app = loaded(80, 24);
    let text = render_text(&mut app, 80, 24);
    // The default sort (Issued, newest first) is not a column at 80.
    assert!(!headings(&text).contains("Issued"), "{text}");
    assert!(
        text.lines().nth(1).unwrap().contains("sort: issued ▼"),
        "{text}"
    );
    // s: Expiry, a shown column: its heading carries the arrow.
    key(&mut app, KeyCode::Char('s'));
    let text = render_text(&mut app, 80, 24);
    assert!(headings(&text).contains("Expiry▼"), "{text}");
    assert!(
        text.lines().nth(1).unwrap().contains("sort: expiry ▼"),
        "{text}"
    );
    let status = text.lines().nth(23).unwrap();
    assert!(status.contains("s next: last used"), "{status}");
    // s again: Last used, hidden at 80; the title and the status line say so.
    key(&mut app, KeyCode::Char('s'));
    let text = render_text(&mut app, 80, 24);
    assert!(
        text.lines().nth(1).unwrap().contains("sort: last used ▼"),
        "{text}"
    );
    let status = text.lines().nth(23).unwrap();
    assert!(
        status.contains("not shown at this width") && status.contains("s next: scope"),
        "{status}"
    );
}

/// Every help entry's words appear whole on the screen (wrapped lines joined).
fn assert_help_whole(text: &str, w: u16) {
    let joined: String = text
        .lines()
        .map(|l| l.trim_matches(|c: char| c == '│' || c.is_whitespace()))
        .collect::<Vec<_>>()
        .join(" ");
    let joined = joined.split_whitespace().collect::<Vec<_>>().join(" ");
    for (word, desc) in tokentab::model::filter_query::KEYS {
        assert!(joined.contains(word), "{w}: {word}\n{text}");
        assert!(joined.contains(desc), "{w}: {desc}\n{text}");
    }
}

#[test]
fn help_is_as_wide_as_its_text_at_160_and_wraps_at_80() {
    let mut app = loaded(160, 48);
    key(&mut app, KeyCode::Char('?'));
    let first = render_text(&mut app, 160, 48);
    assert!(first.contains(" of "), "{first}");
    for _ in 0..20 {
        key(&mut app, KeyCode::PageDown);
    }
    let text = render_text(&mut app, 160, 48);
    assert_help_whole(&text, 160);
    // The sort order is listed on one line at 160 (wider than the old 64 columns), with the
    // current sort.
    assert!(
        text.contains(
            "next: Description → Subject → Token ID → Issued → Expiry → Last used → Scope"
        ),
        "{text}"
    );
    assert!(text.contains("now: issued ▼"), "{text}");

    let mut app = loaded(80, 24);
    key(&mut app, KeyCode::Char('?'));
    let first = render_text(&mut app, 80, 24);
    // More below: the frame says where the view is and how to scroll.
    assert!(first.contains(" of "), "{first}");
    // Scrolled to its end, the filter words are whole (wrapped, not cut).
    key(&mut app, KeyCode::End);
    for _ in 0..20 {
        key(&mut app, KeyCode::PageDown);
    }
    let end = render_text(&mut app, 80, 24);
    assert_help_whole(&end, 80);
}
