//! Which rows moved: compares what the terminal shows with the next frame, row by row (a hash of
//! each full-width row), and proposes scrolls of a band of rows that would put rows already on
//! the screen where the next frame wants them. Pure: buffers in, [`Shift`]s out; the backend
//! prices each against the plain diff in bytes and keeps the cheapest.
//!
//! Like ncurses' `scrollOptimize`, only whole rows count: a row that moved inside a column (the
//! table beside the create panel) does not hash equal, so nothing is proposed and the plain diff
//! is written.

use std::hash::{Hash, Hasher};
use std::io::Write;

use ratatui::buffer::{Buffer, Cell};

/// A scroll of the screen rows `top..bottom` by `by` rows: positive moves their content up
/// (rows enter blank at the bottom), negative moves it down (rows enter blank at the top).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    pub top: u16,
    pub bottom: u16,
    pub by: i16,
}

impl Shift {
    /// What the terminal does to `screen` when it receives [`Shift::write`]'s bytes: the band's
    /// rows move, the rows that enter are blank in the default colours (the attributes are reset
    /// first, so a background-colour-erase terminal fills them with the default background).
    pub fn apply(&self, screen: &mut Buffer) {
        let w = usize::from(screen.area.width);
        let (top, bottom) = (usize::from(self.top), usize::from(self.bottom));
        let k = usize::from(self.by.unsigned_abs());
        let rows = &mut screen.content[top * w..bottom * w];
        if self.by > 0 {
            rows.rotate_left(k * w);
            let n = rows.len();
            rows[n - k * w..].fill(Cell::default());
        } else {
            rows.rotate_right(k * w);
            rows[..k * w].fill(Cell::default());
        }
    }

    /// The bytes: attributes reset, the margins set to the band (DECSTBM), the cursor to the
    /// band's first row, delete (DL) or insert (IL) `|by|` lines there, the margins back to the
    /// whole screen. IL/DL inside margins rather than SU/SD: the Linux console and every VT102
    /// descendant know them; the Linux console has no SU/SD. DECSTBM homes the cursor; the frame's
    /// cells that follow each start with a cursor move, and ratatui places or hides the cursor
    /// after the frame.
    pub fn write(&self, out: &mut Vec<u8>) {
        let verb = if self.by > 0 { 'M' } else { 'L' };
        let _ = write!(
            out,
            "\x1b[m\x1b[{};{}r\x1b[{}H\x1b[{}{verb}\x1b[r",
            self.top + 1,
            self.bottom,
            self.top + 1,
            self.by.unsigned_abs()
        );
    }
}

/// A fast multiplicative hash (FxHash's step): a collision only costs a candidate that saves
/// nothing, since what is written after a scroll is a cell-by-cell diff.
#[derive(Default)]
struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// One hash per full-width row of `buf`.
pub fn row_hashes(buf: &Buffer) -> Vec<u64> {
    let w = usize::from(buf.area.width).max(1);
    buf.content
        .chunks(w)
        .map(|row| {
            let mut h = Fx::default();
            row.hash(&mut h);
            h.finish()
        })
        .collect()
}

/// A proposal and how many rows it would put in place that are not in place now.
struct Scored {
    shift: Shift,
    gained: usize,
}

/// Scrolls that would move rows of the screen to where the next frame shows them, the most rows
/// gained first, at most `max`; from the [`row_hashes`] of both (the same height).
pub fn candidates(ho: &[u64], hn: &[u64], max: usize) -> Vec<Shift> {
    let h = ho.len();
    if hn.len() != h || h < 2 {
        return Vec::new();
    }
    let mut found: Vec<Scored> = Vec::new();
    for k in 1..h {
        // Up: new row y shows old row y + k. Down: new row y shows old row y - k.
        for up in [true, false] {
            let source = |y: usize| if up { y + k } else { y.wrapping_sub(k) };
            let mut y = 0;
            while y < h {
                let matches = |y: usize| source(y) < h && hn[y] == ho[source(y)];
                if !matches(y) {
                    y += 1;
                    continue;
                }
                let start = y;
                let mut gained = 0;
                while y < h && matches(y) {
                    gained += usize::from(hn[y] != ho[y]);
                    y += 1;
                }
                if gained == 0 {
                    continue;
                }
                // The band: the run and the rows its content comes from.
                let (top, bottom) = if up { (start, y + k) } else { (start - k, y) };
                found.push(Scored {
                    shift: Shift {
                        top: top as u16,
                        bottom: bottom as u16,
                        by: if up { k as i16 } else { -(k as i16) },
                    },
                    gained,
                });
            }
        }
    }
    found.sort_by_key(|s| std::cmp::Reverse(s.gained));
    found.truncate(max);
    found.into_iter().map(|s| s.shift).collect()
}
