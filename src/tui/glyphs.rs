//! Every symbol the UI draws, in three sets: `unicode` (the full look), `vt` (only what the Linux
//! console's standard font `Uni2-Fixed16` has) and `ascii` (7-bit, for serial lines and `LANG=C`).
//! The choice is made once at start by `config` (flag, `TOKENTAB_GLYPHS`, config `glyphs`, else
//! detected from the locale and TERM); the renderer reads the chosen [`Glyphs`] from the theme. Text that comes from elsewhere (key
//! labels, messages, user data) goes through [`Glyphs::text`], which swaps what the set lacks.

mod vt_font;

use std::borrow::Cow;

use ratatui::symbols::border;

pub use vt_font::UNI2_FIXED16;

/// The set chosen at start; defined with the other settings in `model` (it knows no clap and no
/// renderer); what each set draws is here.
use crate::model::settings::GlyphSet;

impl GlyphSet {
    pub fn glyphs(self) -> &'static Glyphs {
        match self {
            GlyphSet::Unicode => &UNICODE,
            GlyphSet::Vt => &VT,
            GlyphSet::Ascii => &ASCII,
        }
    }

    /// Whether `c` may be drawn in this set.
    pub fn allows(self, c: char) -> bool {
        match self {
            GlyphSet::Unicode => true,
            GlyphSet::Vt => in_vt_font(c),
            GlyphSet::Ascii => c == ' ' || c.is_ascii_graphic(),
        }
    }
}

/// Whether the Linux console's `Uni2-Fixed16` font has `c`.
pub fn in_vt_font(c: char) -> bool {
    UNI2_FIXED16
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// One set's symbols. Widths may differ between sets (`[x]`, `...`); the renderer measures.
#[derive(Debug, PartialEq, Eq)]
pub struct Glyphs {
    pub set: GlyphSet,
    // Token status (always followed by a word, so it reads without colour).
    pub active: &'static str,
    pub expiring: &'static str,
    pub expired: &'static str,
    pub never: &'static str,
    /// The token's user is disabled.
    pub disabled: &'static str,
    /// The selected row's lead cell (one column).
    pub selected: &'static str,
    /// A marked row's lead cell (one column).
    pub marked: &'static str,
    pub sort_asc: &'static str,
    pub sort_desc: &'static str,
    pub check_on: &'static str,
    pub check_off: &'static str,
    pub radio_on: &'static str,
    pub radio_off: &'static str,
    /// "opens a list" after a picker value.
    pub dropdown: &'static str,
    pub prev: &'static str,
    pub next: &'static str,
    /// "gives", as in "+90d → 2027-02-21".
    pub arrow: &'static str,
    pub enter: &'static str,
    pub up: &'static str,
    pub down: &'static str,
    pub left: &'static str,
    pub right: &'static str,
    pub ok: &'static str,
    pub error: &'static str,
    pub ellipsis: &'static str,
    /// Between hints and header parts, spaces included.
    pub sep: &'static str,
    pub dash: &'static str,
    pub bullet: &'static str,
    pub times: &'static str,
    /// The filter's text cursor in the table title.
    pub text_cursor: &'static str,
    pub spinner: &'static [&'static str],
    pub border: border::Set<'static>,
}

pub const UNICODE: Glyphs = Glyphs {
    set: GlyphSet::Unicode,
    active: "●",
    expiring: "◐",
    expired: "✕",
    never: "∞",
    disabled: "⊘",
    selected: "▌",
    marked: "✓",
    sort_asc: "▲",
    sort_desc: "▼",
    check_on: "[x]",
    check_off: "[ ]",
    radio_on: "(•)",
    radio_off: "( )",
    dropdown: "▾",
    prev: "◂",
    next: "▸",
    arrow: "→",
    enter: "⏎",
    up: "↑",
    down: "↓",
    left: "←",
    right: "→",
    ok: "✓",
    error: "✕",
    ellipsis: "…",
    sep: " · ",
    dash: "—",
    bullet: "•",
    times: "×",
    text_cursor: "▏",
    spinner: &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"],
    border: border::PLAIN,
};

const LINE_SPINNER: &[&str] = &["|", "/", "-", "\\"];

/// Only characters of `Uni2-Fixed16` (checked by a test against [`UNI2_FIXED16`]): the unicode
/// set with what that font lacks swapped.
pub const VT: Glyphs = Glyphs {
    set: GlyphSet::Vt,
    // Only what differs from the unicode set: the font lacks these.
    expiring: "▒",
    expired: "✗",
    selected: "█",
    marked: "√",
    dropdown: "▼",
    enter: "Enter",
    ok: "√",
    error: "✗",
    text_cursor: "_",
    spinner: LINE_SPINNER,
    ..UNICODE
};

pub const ASCII: Glyphs = Glyphs {
    set: GlyphSet::Ascii,
    active: "*",
    expiring: "!",
    expired: "x",
    never: "~",
    disabled: "/",
    selected: ">",
    marked: "+",
    sort_asc: "^",
    sort_desc: "v",
    check_on: "[x]",
    check_off: "[ ]",
    radio_on: "(*)",
    radio_off: "( )",
    dropdown: "v",
    prev: "<",
    next: ">",
    arrow: "->",
    enter: "Enter",
    up: "Up",
    down: "Down",
    left: "Left",
    right: "Right",
    ok: "+",
    error: "!",
    ellipsis: "...",
    sep: " | ",
    dash: "-",
    bullet: "*",
    times: "x",
    text_cursor: "_",
    spinner: LINE_SPINNER,
    border: border::Set {
        top_left: "+",
        top_right: "+",
        bottom_left: "+",
        bottom_right: "+",
        vertical_left: "|",
        vertical_right: "|",
        horizontal_top: "-",
        horizontal_bottom: "-",
    },
};

impl Glyphs {
    /// `s` with every character this set lacks swapped for its stand-in (the unicode set
    /// returns `s` as it is). For text from other layers: key labels, messages, user data.
    pub fn text<'a>(&self, s: &'a str) -> Cow<'a, str> {
        if s.chars().all(|c| self.set.allows(c)) {
            return Cow::Borrowed(s);
        }
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            if self.set.allows(c) {
                out.push(c);
            } else {
                out.push_str(self.stand_in(c));
            }
        }
        Cow::Owned(out)
    }

    /// What to draw for a character outside the set.
    fn stand_in(&self, c: char) -> &'static str {
        match c {
            '●' => self.active,
            '◐' => self.expiring,
            '✕' | '✗' => self.error,
            '∞' => self.never,
            '⊘' => self.disabled,
            '▌' | '█' => self.selected,
            '✓' | '√' => self.ok,
            '▲' => self.sort_asc,
            '▼' => self.sort_desc,
            '▾' => self.dropdown,
            '◂' | '◀' => self.prev,
            '▸' | '▶' => self.next,
            '→' => self.arrow,
            '←' => self.left,
            '↑' => self.up,
            '↓' => self.down,
            '⏎' | '↵' => self.enter,
            '…' => self.ellipsis,
            '·' => self.sep.trim(),
            '—' | '–' | '‐' | '−' => self.dash,
            '•' => self.bullet,
            '×' => self.times,
            '‘' | '’' => "'",
            '“' | '”' => "\"",
            '\u{a0}' | '\u{2000}'..='\u{200a}' | '\u{202f}' => " ",
            _ if ('\u{2800}'..='\u{28ff}').contains(&c) => self.spinner[0],
            '│' | '┃' | '║' => "|",
            '─' | '━' | '═' => "-",
            '\u{2500}'..='\u{257f}' => "+",
            _ => "?",
        }
    }

    /// A spinner frame for a tick count.
    pub fn spin(&self, n: usize) -> &'static str {
        self.spinner[n % self.spinner.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symbols(g: &Glyphs) -> Vec<&'static str> {
        let b = g.border;
        let mut v = vec![
            g.active,
            g.expiring,
            g.expired,
            g.never,
            g.disabled,
            g.selected,
            g.marked,
            g.sort_asc,
            g.sort_desc,
            g.check_on,
            g.check_off,
            g.radio_on,
            g.radio_off,
            g.dropdown,
            g.prev,
            g.next,
            g.arrow,
            g.enter,
            g.up,
            g.down,
            g.left,
            g.right,
            g.ok,
            g.error,
            g.ellipsis,
            g.sep,
            g.dash,
            g.bullet,
            g.times,
            g.text_cursor,
            b.top_left,
            b.top_right,
            b.bottom_left,
            b.bottom_right,
            b.vertical_left,
            b.vertical_right,
            b.horizontal_top,
            b.horizontal_bottom,
        ];
        v.extend(g.spinner);
        v
    }

    #[test]
    fn each_set_draws_only_its_own_characters() {
        for g in [&VT, &ASCII] {
            for s in symbols(g) {
                for c in s.chars() {
                    assert!(g.set.allows(c), "{:?} {s:?} has {c:?}", g.set);
                }
            }
        }
        // Status marks differ from each other in every set (they stand beside a word too).
        for g in [&UNICODE, &VT, &ASCII] {
            let marks = [g.active, g.expiring, g.expired, g.never, g.disabled];
            for (i, a) in marks.iter().enumerate() {
                assert!(!marks[i + 1..].contains(a), "{:?}", g.set);
            }
        }
    }

    #[test]
    fn text_swaps_what_a_set_lacks() {
        assert_eq!(UNICODE.text("⏎ actions · q quit"), "⏎ actions · q quit");
        assert_eq!(VT.text("⏎ actions · q quit"), "Enter actions · q quit");
        assert_eq!(ASCII.text("⏎ actions · q quit"), "Enter actions | q quit");
        assert_eq!(ASCII.text("shown once — café…"), "shown once - caf?...");
        assert_eq!(VT.text("✓ copied — café"), "√ copied — café");
        for g in [&VT, &ASCII] {
            let all: String = (0x20u32..0x3000).filter_map(char::from_u32).collect();
            assert!(g.text(&all).chars().all(|c| g.set.allows(c)), "{:?}", g.set);
        }
    }

    #[test]
    fn the_font_table_is_sorted_and_has_the_basics() {
        assert!(UNI2_FIXED16.windows(2).all(|w| w[0].1 < w[1].0));
        for c in "Az~é·•←↑→↓█│─┌┐└┘…∞●⊘".chars() {
            assert!(in_vt_font(c), "{c:?}");
        }
        // The finding: these are missing from the console font.
        for c in "◐✕▌⏎✓▀▄".chars() {
            assert!(!in_vt_font(c), "{c:?}");
        }
    }
}
