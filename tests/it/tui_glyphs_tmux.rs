//! The real binary in tmux at 80×24 on the Linux console (`TERM=linux`) and in a `LC_ALL=C`
//! session: the glyph set is chosen automatically, and every character capture-pane reads on
//! the table, a marked row, help, the project picker and the Custom panel is in that set.

use crate::common;

use common::tab::*;
use common::tmux::TmuxSession;
use tokentab::model::settings::GlyphSet;

/// Starts the tab with `env` set for the binary alone (tmux itself keeps the test's locale, so
/// capture-pane reports every character the program drew).
fn start(home: &Home, env: &[&str]) -> TmuxSession {
    start_with_env(home, 80, 24, env, &["--clipboard", "off"])
}

fn assert_in_set(set: GlyphSet, screen: &str, what: &str) {
    let mut bad: Vec<char> = screen
        .chars()
        .filter(|c| *c != '\n' && !set.allows(*c))
        .collect();
    bad.sort_unstable();
    bad.dedup();
    assert!(
        bad.is_empty(),
        "{set:?} {what}: characters outside the set {bad:?}\n{screen}"
    );
}

fn journey(env: &[&str], set: GlyphSet) {
    let home = Home::new();
    let t = start(&home, env);
    let g = set.glyphs();
    let sep = g.sep;
    // Loaded, not "loading tokens…": a row with its active mark (in front of the expiry at
    // 80 columns) is drawn.
    let active = format!("{} 20", g.active);
    let table = t.wait_for("the table with its counts and user", WAIT, |s| {
        s.contains("Access Tokens")
            && !s.contains("loading tokens")
            && s.contains(&active)
            && s.contains(&format!("{sep}admin"))
    });
    assert_in_set(set, &table, "table");
    // The set's own marks are on screen (so the scan reads what the program drew).
    assert!(table.contains(g.border.top_left), "{table}");

    t.type_text(" ");
    let marked = t.wait_text("1 marked", WAIT);
    assert!(
        marked.contains(&format!(" {} ", g.marked)),
        "{set:?}: no mark\n{marked}"
    );
    assert_in_set(set, &marked, "marked row");

    t.type_text("?");
    let help = t.wait_text("Keys (Esc closes)", WAIT);
    assert_in_set(set, &help, "help");
    t.keys(&["Escape"]);
    t.wait_for("help closed", WAIT, |s| !s.contains("Keys (Esc closes)"));

    t.type_text("n");
    t.wait_text("New token", WAIT);
    t.type_text("console token");
    t.keys(&["Tab", "Tab", "Space"]);
    let custom = t.wait_text(&format!("{} Custom", g.radio_on), WAIT);
    assert_in_set(set, &custom, "custom panel");
    // User, Target entity, Project.
    t.keys(&["Tab", "Tab", "Tab", "Enter"]);
    let picker = t.wait_text("Choose a project", WAIT);
    assert_in_set(set, &picker, "project picker");
    t.type_text("demo");
    t.wait_text("1 found", WAIT);
    t.keys(&["Enter"]);
    t.wait_text(&format!("[ demo {}]", g.dropdown), WAIT);
    t.keys(&["Tab", "Space", "Tab", "Enter"]);
    let rows = t.wait_text("Permissions (1)", WAIT);
    // The row under its headings, Read checked (issue 18 item 5: not `R--`).
    assert!(
        rows.contains("Target entity") && rows.contains("Read Write Delete"),
        "{rows}"
    );
    assert!(rows.contains(g.check_on), "{rows}");
    assert_in_set(set, &rows, "custom panel with a permission row");

    t.keys(&["C-c"]);
    t.wait_for("the program exited", WAIT, |_| t.pane_dead());
}

#[test]
fn linux_console_draws_only_console_font_characters() {
    journey(
        &["TERM=linux", "LANG=C.UTF-8", "LC_ALL=", "LC_CTYPE="],
        GlyphSet::Vt,
    );
}

#[test]
fn lc_all_c_draws_only_ascii() {
    journey(&["LC_ALL=C", "TERM=xterm-256color"], GlyphSet::Ascii);
}
