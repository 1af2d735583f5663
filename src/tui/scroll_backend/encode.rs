//! The bytes for the cells left to write after a scroll, smaller than ratatui's crossterm
//! backend writes them: the mirror says what every cell shows, so a short run of unchanged cells
//! between two changes is written again (a few bytes) instead of jumped over (a cursor address
//! of eight), a jump along the row is a CUF/CUB, and a colour or attribute change says only what
//! changed (a reset when an attribute goes away). Only the scroll path uses it; the plain path
//! stays ratatui's own bytes.

use std::io::Write;

use ratatui::buffer::{Buffer, Cell, CellDiffOption, CellWidth};
use ratatui::style::{Color, Modifier};

/// The attributes a cell is drawn with (the "pen").
#[derive(Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
}

impl Pen {
    const PLAIN: Pen = Pen {
        fg: Color::Reset,
        bg: Color::Reset,
        underline: Color::Reset,
        modifier: Modifier::empty(),
    };

    fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            underline: cell.underline_color,
            modifier: cell.modifier,
        }
    }
}

const MODIFIER_CODES: [(Modifier, u8); 9] = [
    (Modifier::BOLD, 1),
    (Modifier::DIM, 2),
    (Modifier::ITALIC, 3),
    (Modifier::UNDERLINED, 4),
    (Modifier::SLOW_BLINK, 5),
    (Modifier::RAPID_BLINK, 6),
    (Modifier::REVERSED, 7),
    (Modifier::HIDDEN, 8),
    (Modifier::CROSSED_OUT, 9),
];

/// SGR parameters for a colour: `base` is 30 (foreground), 40 (background) or 50 (underline,
/// which has no short forms).
fn color(params: &mut Vec<String>, c: Color, base: u8) {
    let basic = |i: u8| -> Option<u8> { (base != 50).then_some(base + i) };
    let idx = match c {
        Color::Reset => {
            params.push((base + 9).to_string());
            return;
        }
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        Color::Indexed(i) => {
            params.push(format!("{};5;{i}", base + 8));
            return;
        }
        Color::Rgb(r, g, b) => {
            params.push(format!("{};2;{r};{g};{b}", base + 8));
            return;
        }
    };
    match basic(idx).filter(|_| idx < 8) {
        Some(code) => params.push(code.to_string()),
        None => params.push(format!("{};5;{idx}", base + 8)),
    }
}

fn set_pen(out: &mut Vec<u8>, from: Pen, to: Pen) {
    let mut params = Vec::new();
    let mut now = from;
    if !from.modifier.difference(to.modifier).is_empty() {
        params.push("0".to_owned());
        now = Pen::PLAIN;
    }
    for (m, code) in MODIFIER_CODES {
        if to.modifier.contains(m) && !now.modifier.contains(m) {
            params.push(code.to_string());
        }
    }
    if to.fg != now.fg {
        color(&mut params, to.fg, 30);
    }
    if to.bg != now.bg {
        color(&mut params, to.bg, 40);
    }
    if to.underline != now.underline {
        color(&mut params, to.underline, 50);
    }
    let _ = write!(out, "\x1b[{}m", params.join(";"));
}

fn digits(n: u16) -> usize {
    n.to_string().len()
}

/// Whether the unchanged cells `from..to` of row `y` may be written again in pen `pen`: plain
/// one-column cells, in that pen, fewer bytes than the jump over them.
fn refill(next: &Buffer, y: u16, from: u16, to: u16, pen: Pen) -> bool {
    let jump = 3 + digits(to - from);
    let mut bytes = 0;
    for x in from..to {
        let c = &next[(x, y)];
        if c.cell_width() != 1 || c.diff_option != CellDiffOption::None || Pen::of(c) != pen {
            return false;
        }
        bytes += c.symbol().len();
        if bytes > jump {
            return false;
        }
    }
    true
}

/// Writes `cells` (positions in `next`, in row order, as `Buffer::diff_iter` yields them), starting
/// with the plain pen and the cursor anywhere; ends with the plain pen.
pub fn changes<'a>(
    next: &Buffer,
    cells: impl Iterator<Item = (u16, u16, &'a Cell)>,
    out: &mut Vec<u8>,
) {
    let width = next.area.width;
    let mut pen = Pen::PLAIN;
    let mut cursor: Option<(u16, u16)> = None;
    for (x, y, cell) in cells {
        match cursor {
            Some((cx, cy)) if cy == y && cx == x => {}
            Some((cx, cy)) if cy == y && cx < x && refill(next, y, cx, x, pen) => {
                for gx in cx..x {
                    out.extend_from_slice(next[(gx, y)].symbol().as_bytes());
                }
            }
            Some((cx, cy)) if cy == y && cx < x => {
                let _ = write!(out, "\x1b[{}C", x - cx);
            }
            Some((cx, cy)) if cy == y => {
                let _ = write!(out, "\x1b[{}D", cx - x);
            }
            _ => {
                let _ = write!(out, "\x1b[{};{}H", y + 1, x + 1);
            }
        }
        let want = Pen::of(cell);
        if want != pen {
            set_pen(out, pen, want);
            pen = want;
        }
        out.extend_from_slice(cell.symbol().as_bytes());
        let after = x.saturating_add(cell.cell_width().max(1));
        // At the last column the cursor waits to wrap: address the next cell afresh.
        cursor = (after < width).then_some((after, y));
    }
    if pen != Pen::PLAIN {
        out.extend_from_slice(b"\x1b[m");
    }
}
