//! Issue 19 item 1: the flush path scrolls the table's rows on the terminal (DECSTBM + IL/DL)
//! instead of rewriting them. The real `App` is drawn through `ScrollBackend` into a terminal
//! emulator (`vt100`); after every step the emulator's screen must equal a full redraw of
//! ratatui's buffer, cell by cell (text, colours, attributes), in all three glyph sets. And a
//! move that scrolls the window by one row writes at most 300 B at 80×24, 500 B at 160×48.

use crate::common;

use common::fixtures::*;
use crossterm::event::KeyCode;
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::{Buffer, CellWidth};
use ratatui::style::{Color, Modifier};
use tokentab::model::settings::GlyphSet;
use tokentab::model::wire::TokenInfo;
use tokentab::tui::app::App;
use tokentab::tui::msg::Msg;
use tokentab::tui::scroll_backend::ScrollBackend;

const SETS: [GlyphSet; 3] = [GlyphSet::Unicode, GlyphSet::Vt, GlyphSet::Ascii];

/// A list whose neighbouring rows differ in every column the table shows (a real list's do:
/// what, whose, when issued, when it expires, which scope), so a plain repaint is not cheap.
fn tokens(n: usize) -> Vec<TokenInfo> {
    const WHAT: [&str; 5] = [
        "gateway sync",
        "CI deploy",
        "backup agent",
        "kiosk",
        "metrics push",
    ];
    const WHO: [&str; 7] = ["admin", "alice", "bob", "carol", "ci-bot", "dana", "erin"];
    const SCOPE: [Option<&str>; 5] = [
        Some("applied-permissions/user"),
        Some("applied-permissions/admin"),
        Some("connect:fleet:demo/edge-eu:rw connect:device:demo/d-1:r"),
        Some("connect:project:retail:r"),
        None,
    ];
    (0..n)
        .map(|i| {
            let id = format!(
                "{:08x}-5c1a-4e2b-9d3f-{i:012x}",
                i * 2_654_435_761 % 0xffff_fff1
            );
            let what = format!("{} {}", WHAT[i % WHAT.len()], i * 37 % 1000);
            let expiry = (i % 6 != 0).then_some((i as i64 * 13) % 90 - 10);
            let issued = (i * 11 % 60) as i64;
            info(
                &id,
                &what,
                WHO[i * 3 % WHO.len()],
                issued,
                expiry,
                SCOPE[i % SCOPE.len()],
            )
        })
        .collect()
}

/// The tab drawn through the scrolling backend into an emulated terminal.
struct Emulated {
    term: Terminal<ScrollBackend<Vec<u8>>>,
    vt: vt100::Parser,
    size: (u16, u16),
}

impl Emulated {
    fn new(w: u16, h: u16, regions: bool) -> Emulated {
        let backend = ScrollBackend::detached(Vec::new(), w, h, regions);
        Emulated {
            term: Terminal::new(backend).unwrap(),
            vt: vt100::Parser::new(h, w, 0),
            size: (w, h),
        }
    }

    fn resize(&mut self, app: &mut App, w: u16, h: u16) {
        self.term.backend_mut().set_size(w, h);
        self.vt.screen_mut().set_size(h, w);
        app.update(Msg::Resize(w, h));
        self.size = (w, h);
    }

    /// One frame as the runtime writes it (inside a synchronized update); its bytes.
    fn frame(&mut self, app: &App) -> Vec<u8> {
        use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
        crossterm::execute!(self.term.backend_mut(), BeginSynchronizedUpdate).unwrap();
        self.term.draw(|f| tokentab::tui::ui::draw(f, app)).unwrap();
        crossterm::execute!(self.term.backend_mut(), EndSynchronizedUpdate).unwrap();
        let bytes = std::mem::take(self.term.backend_mut().writer_mut());
        self.vt.process(&bytes);
        bytes
    }

    /// The emulator's screen against a full redraw of the model: the first difference.
    fn check(&self, app: &App) -> Result<(), String> {
        let (w, h) = self.size;
        let mut fresh = Terminal::new(TestBackend::new(w, h)).unwrap();
        fresh.draw(|f| tokentab::tui::ui::draw(f, app)).unwrap();
        same(self.vt.screen(), fresh.backend().buffer())
    }
}

fn vt_color(c: Color) -> vt100::Color {
    match c {
        Color::Reset => vt100::Color::Default,
        Color::Black => vt100::Color::Idx(0),
        Color::Red => vt100::Color::Idx(1),
        Color::Green => vt100::Color::Idx(2),
        Color::Yellow => vt100::Color::Idx(3),
        Color::Blue => vt100::Color::Idx(4),
        Color::Magenta => vt100::Color::Idx(5),
        Color::Cyan => vt100::Color::Idx(6),
        Color::Gray => vt100::Color::Idx(7),
        Color::DarkGray => vt100::Color::Idx(8),
        Color::LightRed => vt100::Color::Idx(9),
        Color::LightGreen => vt100::Color::Idx(10),
        Color::LightYellow => vt100::Color::Idx(11),
        Color::LightBlue => vt100::Color::Idx(12),
        Color::LightMagenta => vt100::Color::Idx(13),
        Color::LightCyan => vt100::Color::Idx(14),
        Color::White => vt100::Color::Idx(15),
        Color::Indexed(i) => vt100::Color::Idx(i),
        Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
    }
}

/// Cell by cell: the symbol, both colours, bold, dim, italic, underline and reverse (what a
/// VT100-family terminal keeps per cell).
fn same(screen: &vt100::Screen, want: &Buffer) -> Result<(), String> {
    let area = want.area;
    for y in 0..area.height {
        let mut x = 0;
        while x < area.width {
            let c = &want[(x, y)];
            let Some(v) = screen.cell(y, x) else {
                return Err(format!("no cell at {x},{y}"));
            };
            let text = if v.contents().is_empty() {
                " "
            } else {
                v.contents()
            };
            let m = c.modifier;
            let got = (
                text,
                v.fgcolor(),
                v.bgcolor(),
                [v.bold(), v.dim(), v.italic(), v.underline(), v.inverse()],
            );
            let expected = (
                c.symbol(),
                vt_color(c.fg),
                vt_color(c.bg),
                [
                    m.contains(Modifier::BOLD),
                    m.contains(Modifier::DIM),
                    m.contains(Modifier::ITALIC),
                    m.contains(Modifier::UNDERLINED),
                    m.contains(Modifier::REVERSED),
                ],
            );
            if got != expected {
                let rows: Vec<String> = screen.rows(0, area.width).collect();
                return Err(format!(
                    "cell {x},{y}: shown {got:?}, a full redraw has {expected:?}\nshown:\n{}\nwanted:\n{}",
                    rows.join("\n"),
                    buffer_text(want)
                ));
            }
            x += c.cell_width().max(1);
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Step {
    Down(u8),
    Up(u8),
    PageDown,
    PageUp,
    Top,
    Bottom,
    Filter(&'static str),
    ClearFilter,
    Panel,
    Help,
    Resize(u16, u16),
}

const WORDS: [&str; 7] = ["edge", "core", "ci", "backup", "1", "pipe", "zzz"];

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (1u8..4).prop_map(Step::Down),
        4 => (1u8..4).prop_map(Step::Up),
        2 => Just(Step::PageDown),
        2 => Just(Step::PageUp),
        1 => Just(Step::Top),
        1 => Just(Step::Bottom),
        2 => (0..WORDS.len()).prop_map(|i| Step::Filter(WORDS[i])),
        1 => Just(Step::ClearFilter),
        1 => Just(Step::Panel),
        1 => Just(Step::Help),
        1 => (60u16..170, 16u16..52).prop_map(|(w, h)| Step::Resize(w, h)),
    ]
}

fn run(app: &mut App, emu: &mut Emulated, s: &Step) {
    let times = |app: &mut App, k: KeyCode, n: u8| {
        for _ in 0..n {
            key(app, k);
        }
    };
    match *s {
        Step::Down(n) => times(app, KeyCode::Down, n),
        Step::Up(n) => times(app, KeyCode::Up, n),
        Step::PageDown => times(app, KeyCode::PageDown, 1),
        Step::PageUp => times(app, KeyCode::PageUp, 1),
        Step::Top => times(app, KeyCode::Home, 1),
        Step::Bottom => times(app, KeyCode::End, 1),
        Step::Filter(word) => {
            key(app, KeyCode::Char('/'));
            typing(app, word);
            key(app, KeyCode::Enter);
        }
        Step::ClearFilter => {
            key(app, KeyCode::Char('/'));
            key(app, KeyCode::Esc);
        }
        // Opens the create panel beside the table, or (when open) closes it.
        Step::Panel => {
            if app.form.is_some() {
                key(app, KeyCode::Esc);
            } else {
                key(app, KeyCode::Char('n'));
            }
        }
        Step::Help => {
            key(app, KeyCode::Char('?'));
        }
        Step::Resize(w, h) => emu.resize(app, w, h),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// After every step of a random walk the emulated terminal equals a full redraw.
    #[test]
    fn the_terminal_equals_a_full_redraw_after_every_step(
        steps in proptest::collection::vec(step(), 1..40),
        big in any::<bool>(),
    ) {
        let (w, h) = if big { (160, 48) } else { (80, 24) };
        let mut rows = tokens(120);
        // Wide characters in some descriptions: the cells they hide move with their rows.
        for (i, t) in rows.iter_mut().enumerate().filter(|(i, _)| i % 13 == 0) {
            t.description = Some(format!("边缘 deploy 日本語 {i}"));
        }
        for set in SETS {
            let mut app = loaded_with(cfg(), rows.clone(), w, h);
            app.theme.glyphs = set.glyphs();
            let mut emu = Emulated::new(w, h, true);
            emu.frame(&app);
            prop_assert_eq!(emu.check(&app), Ok(()), "{:?} first frame", set);
            for (i, s) in steps.iter().enumerate() {
                run(&mut app, &mut emu, s);
                emu.frame(&app);
                prop_assert_eq!(emu.check(&app), Ok(()), "{:?} after step {} {:?} of {:?}", set, i, s, steps);
            }
        }
    }
}

/// The worst bytes of five moves down past the window's bottom and five up past its top, each
/// scrolling the window by one row; and how many of those frames scrolled a region.
fn scrolling_moves(set: GlyphSet, w: u16, h: u16, regions: bool) -> (usize, u64) {
    let mut app = loaded_with(cfg(), tokens(300), w, h);
    app.theme.glyphs = set.glyphs();
    let mut emu = Emulated::new(w, h, regions);
    key(&mut app, KeyCode::Home);
    emu.frame(&app);
    // To the window's last row: the moves inside it.
    for _ in 0..h {
        key(&mut app, KeyCode::Down);
        emu.frame(&app);
    }
    let mut worst = 0;
    let mut scrolled = 0;
    for code in [KeyCode::Down, KeyCode::Up] {
        for _ in 0..5 {
            key(&mut app, code);
            let before = emu.term.backend().stats().scrolled;
            worst = worst.max(emu.frame(&app).len());
            scrolled += emu.term.backend().stats().scrolled - before;
            assert_eq!(emu.check(&app), Ok(()), "{set:?} {w}x{h}");
        }
        if code == KeyCode::Down {
            // From the bottom of the window to its top: the next Up scrolls.
            for _ in 0..h {
                key(&mut app, KeyCode::Up);
                emu.frame(&app);
            }
        }
    }
    (worst, scrolled)
}

#[test]
fn a_move_that_scrolls_one_row_writes_at_most_300_b_at_80x24_and_500_b_at_160x48() {
    for (w, h, goal) in [(80u16, 24u16, 300usize), (160, 48, 500)] {
        for set in SETS {
            let (plain, _) = scrolling_moves(set, w, h, false);
            let (scrolled, frames) = scrolling_moves(set, w, h, true);
            println!("{set:?} {w}x{h}: a scrolling move {plain} B before, {scrolled} B now");
            assert_eq!(
                frames, 10,
                "{set:?} {w}x{h}: every scrolling move scrolls a region"
            );
            assert!(
                scrolled <= goal,
                "{set:?} {w}x{h}: {scrolled} B for a move that scrolls one row (goal {goal} B; \
                 ratatui's diff writes {plain} B)"
            );
        }
    }
}

/// A walk CI's property run found (help opened after a resize and scrolls): replayed as is.
#[test]
fn help_after_a_resize_and_scrolls_equals_a_full_redraw() {
    use Step::*;
    let steps = [
        PageDown,
        Down(1),
        Down(2),
        Down(2),
        PageDown,
        PageUp,
        Resize(68, 33),
        Down(1),
        Up(2),
        Down(3),
        Up(1),
        Down(2),
        PageDown,
        Help,
    ];
    for (w, h) in [(80, 24), (160, 48)] {
        let mut rows = tokens(120);
        for (i, t) in rows.iter_mut().enumerate().filter(|(i, _)| i % 13 == 0) {
            t.description = Some(format!("边缘 deploy 日本語 {i}"));
        }
        let mut app = loaded_with(cfg(), rows, w, h);
        app.theme.glyphs = GlyphSet::Unicode.glyphs();
        let mut emu = Emulated::new(w, h, true);
        emu.frame(&app);
        for (i, s) in steps.iter().enumerate() {
            run(&mut app, &mut emu, s);
            emu.frame(&app);
            assert_eq!(emu.check(&app), Ok(()), "{w}x{h} after step {i} {s:?}");
        }
    }
}
