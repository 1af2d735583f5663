//! Issue 18 item 1 on the real binary in tmux at 80×24 on the Linux console with `LC_ALL=C`
//! (the ASCII glyph set): whose token a row is (Subject) and its status symbol beside Expiry,
//! the embedded service's port in the header, `s` cycling to a hidden column's sort with the
//! table saying so; then at 160 columns the help, whole.

use crate::common;

use common::tab::*;
use tokentab::model::settings::GlyphSet;

/// The TCP ports `pid` listens on (its sockets' inodes looked up in /proc/net/tcp{,6}).
fn listen_ports(pid: u32) -> Vec<u16> {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| {
            d.flatten()
                .filter_map(|e| std::fs::read_link(e.path()).ok())
                .filter_map(|l| {
                    let l = l.display().to_string();
                    l.strip_prefix("socket:[")
                        .and_then(|r| r.strip_suffix(']'))
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    let mut ports = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for l in text.lines().skip(1) {
            let f: Vec<&str> = l.split_whitespace().collect();
            // local address, state 0A = LISTEN, inode.
            if f.len() > 9 && f[3] == "0A" && inodes.iter().any(|i| i == f[9]) {
                if let Some(p) = f[1]
                    .rsplit(':')
                    .next()
                    .and_then(|h| u16::from_str_radix(h, 16).ok())
                {
                    ports.push(p);
                }
            }
        }
    }
    ports
}

#[test]
fn at_80x24_on_the_console_subject_status_server_and_sort_are_all_there() {
    let home = Home::new();
    // The console and a C locale for the binary alone; the glyph set is chosen from them.
    let t = start_with_env(&home, 80, 24, CONSOLE, &["--clipboard", "off"]);
    let g = GlyphSet::Ascii.glyphs();

    // Loaded: rows with a status symbol in front of their expiry date.
    let marks = [g.active, g.expiring, g.expired];
    let table = t.wait_for("the table with status marks beside expiries", WAIT, |s| {
        s.contains("Access Tokens")
            && !s.contains("loading tokens")
            && marks.iter().any(|m| s.contains(&format!(" {m} 20")))
    });
    let heads = table.lines().nth(2).unwrap_or("");
    for h in ["Description", "Subject", "Expiry", "Scope"] {
        assert!(heads.contains(h), "{h} missing: {heads}\n{table}");
    }
    // The demo's tokens belong to several people: their names are in the Subject column.
    let at = heads.find("Subject").unwrap_or(0);
    let subjects: Vec<&str> = table
        .lines()
        .skip(3)
        .filter(|l| l.starts_with('|') && l.len() > at + 10)
        .map(|l| l[at..at + 10].trim())
        .filter(|s| !s.is_empty())
        .collect();
    assert!(
        subjects.len() >= 5 && subjects.iter().any(|s| *s != "admin"),
        "{subjects:?}\n{table}"
    );
    assert!(table.is_ascii(), "{table}");

    // The header names the server the tab started, with its port.
    // `env` execs the program: it is the pane's own process.
    let out = t.tmux(&["display-message", "-p", "-t", "t", "#{pane_pid}"]);
    let pid: u32 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("pane pid");
    let ports = listen_ports(pid);
    assert!(!ports.is_empty(), "the embedded service listens");
    let header = table.lines().next().unwrap_or("");
    assert!(
        ports.iter().any(|p| header.contains(&format!(":{p}"))),
        "ports {ports:?} not in the header: {header}"
    );

    // The default sort (issued, newest first) is not a column at 80: the title says it.
    assert!(
        table
            .lines()
            .nth(1)
            .unwrap_or("")
            .contains("sort: issued v"),
        "{table}"
    );
    // s: expiry, a shown column: its heading carries the arrow.
    t.type_text("s");
    let s1 = t.wait_text("sorted by expiry", WAIT);
    assert!(s1.lines().nth(2).unwrap_or("").contains("Expiry v"), "{s1}");
    assert!(s1.contains("s next: last used"), "{s1}");
    // s: last used, hidden at 80: the title and the status line say so.
    t.type_text("s");
    let s2 = t.wait_text("sorted by last used", WAIT);
    assert!(
        s2.lines()
            .nth(1)
            .unwrap_or("")
            .contains("sort: last used v"),
        "{s2}"
    );
    assert!(s2.contains("not shown at this width"), "{s2}");
    assert!(
        !s2.lines().nth(2).unwrap_or("").contains("Last used"),
        "{s2}"
    );

    // At 160 columns the help is as wide as its text: the sort order on one line, whole.
    t.tmux(&["resize-window", "-t", "t", "-x", "160", "-y", "48"]);
    t.wait_for("160 columns", WAIT, |s| s.contains("Last used v"));
    t.type_text("?");
    t.wait_text("Keys (Esc closes)", WAIT);
    let order =
        "next: Description -> Subject -> Token ID -> Issued -> Expiry -> Last used -> Scope";
    // Page down until the end of the help shows (each PgDn waits for its screen).
    let mut help = t.screen();
    for _ in 0..20 {
        if help.contains("now: last used v") {
            break;
        }
        let before = help.clone();
        t.keys(&["NPage"]);
        help = t.wait_for("the help scrolled", WAIT, |s| s != before);
    }
    assert!(help.contains(order), "{help}");
    assert!(help.contains("now: last used v"), "{help}");
    assert!(
        help.contains("not used in 30 days (or never, issued before)"),
        "{help}"
    );

    t.keys(&["C-c"]);
    t.wait_for("the program exited", WAIT, |_| t.pane_dead());
}
