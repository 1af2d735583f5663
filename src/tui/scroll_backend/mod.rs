//! The flush path: a ratatui [`Backend`] around [`CrosstermBackend`] that scrolls a band of rows
//! on the terminal when the next frame shows rows the screen already has, a row or more higher or
//! lower (the table's window moved), and then writes only the cells that still differ.
//!
//! ratatui's buffers stay the source of truth. ratatui hands [`Backend::draw`] the cells that
//! differ between its previous and its next frame; this backend keeps a mirror of what the
//! terminal shows (ratatui's previous frame, as the terminal received it), applies those cells to
//! a copy of the mirror to get the whole next frame, and asks [`plan::candidates`] for scrolls
//! that would move rows already on the screen into place. Each is priced in bytes — the scroll
//! (DECSTBM + IL/DL) plus the cells that still differ after it — against ratatui's own diff, and
//! the cheapest is written. The mirror then is the next frame, whichever was written.
//!
//! Plain path (ratatui's diff, byte for byte as before) when: regions are off
//! ([`regions_allowed`]: `TERM=dumb` or unset, `TOKENTAB_SCROLL_REGIONS=off`); the mirror is
//! unknown (after a partial clear, until the next full one); no scroll saves a byte (an overlay
//! across the rows, the create panel beside the table: rows that moved are not full-width rows).
//! A full clear (ratatui's `Terminal::clear`, and its resize) resets the mirror to blank, as
//! ratatui resets its previous buffer.

mod encode;
pub mod plan;
#[cfg(test)]
mod tests;
mod wide;

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell, CellWidth};
use ratatui::layout::{Position, Rect, Size};

/// Scrolls priced per frame (the best by rows gained).
const CANDIDATES: usize = 4;

/// The environment switch: `off`, `0`, `no` or `false` keeps the plain path.
pub const SWITCH: &str = "TOKENTAB_SCROLL_REGIONS";

/// Whether scroll regions may be used on this terminal: not where `TERM` is unset or `dumb` (no
/// cursor addressing to speak of), not when [`SWITCH`] says off. Every other terminal this tab
/// runs on (xterm and its kin, tmux, screen, the Linux console) has DECSTBM and IL/DL.
pub fn regions_allowed(term: Option<&str>, switch: Option<&str>) -> bool {
    let off = switch.is_some_and(|s| {
        matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "off" | "0" | "no" | "false"
        )
    });
    let term = term.unwrap_or("").trim();
    !off && !term.is_empty() && !term.starts_with("dumb")
}

/// What the backend did (tests and benches read it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScrollStats {
    /// Frames written with a region scroll.
    pub scrolled: u64,
    /// Frames written as ratatui's diff.
    pub plain: u64,
}

/// See the module doc.
pub struct ScrollBackend<W: Write> {
    out: W,
    /// What the terminal shows; `None` while unknown (the plain path runs until a full clear).
    screen: Option<Buffer>,
    /// [`plan::row_hashes`] of `screen`, once computed.
    rows: Option<Vec<u64>>,
    regions: bool,
    /// For a backend with no terminal behind it (tests, benches): its size, and where the cursor
    /// was put last. `None`: both are asked of the terminal.
    detached: Option<(Size, Position)>,
    stats: ScrollStats,
    /// The screen as a scroll would leave it, and the screen before the last frame: buffers
    /// kept for the next frame (a fresh one per scroll priced cost ~15% of a frame's flush).
    moved: Buffer,
    spare: Buffer,
}

impl<W: Write> ScrollBackend<W> {
    /// On the process's terminal: the mirror starts blank at the terminal's size, as ratatui's
    /// previous buffer does (the alternate screen starts blank).
    pub fn new(out: W, regions: bool) -> io::Result<ScrollBackend<W>> {
        let (width, height) = crossterm::terminal::size()?;
        let size = Size::new(width, height);
        Ok(ScrollBackend {
            out,
            screen: regions.then(|| blank(size)),
            rows: None,
            regions,
            detached: None,
            stats: ScrollStats::default(),
            moved: Buffer::default(),
            spare: Buffer::default(),
        })
    }

    /// Writing to `out` as to a terminal of `width`×`height` that starts blank.
    pub fn detached(out: W, width: u16, height: u16, regions: bool) -> ScrollBackend<W> {
        let size = Size::new(width, height);
        ScrollBackend {
            out,
            screen: regions.then(|| blank(size)),
            rows: None,
            regions,
            detached: Some((size, Position::ORIGIN)),
            stats: ScrollStats::default(),
            moved: Buffer::default(),
            spare: Buffer::default(),
        }
    }

    /// A detached backend's terminal changed size (ratatui notices at the next draw, clears, and
    /// redraws everything).
    pub fn set_size(&mut self, width: u16, height: u16) {
        if let Some((size, _)) = self.detached.as_mut() {
            *size = Size::new(width, height);
        }
    }

    pub fn stats(&self) -> ScrollStats {
        self.stats
    }

    /// What the backend writes to (tests read a `Vec<u8>` here).
    pub fn writer_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// ratatui's crossterm backend over the same writer, for everything but the frame's cells.
    fn crossterm(&mut self) -> CrosstermBackend<&mut W> {
        CrosstermBackend::new(&mut self.out)
    }

    fn forget(&mut self) {
        self.screen = None;
        self.rows = None;
    }
}

fn blank(size: Size) -> Buffer {
    Buffer::empty(Rect::new(0, 0, size.width, size.height))
}

/// `updates` applied to `screen`: false when one falls outside it. A wide symbol hides the cells
/// after it; they are blank, as ratatui's buffer has them.
fn apply(screen: &mut Buffer, updates: &[(u16, u16, &Cell)]) -> bool {
    let area = screen.area;
    for &(x, y, cell) in updates {
        if x >= area.width || y >= area.height {
            return false;
        }
        screen[(x, y)] = cell.clone();
        for i in 1..cell.cell_width() {
            if let Some(hidden) = screen.cell_mut((x.saturating_add(i), y)) {
                *hidden = Cell::default();
            }
        }
    }
    true
}

/// The bytes ratatui's crossterm backend writes for `cells`.
fn ratatui_bytes<'a>(cells: impl Iterator<Item = (u16, u16, &'a Cell)>) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    CrosstermBackend::new(&mut bytes).draw(cells)?;
    Ok(bytes)
}

impl<W: Write> Write for ScrollBackend<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> Backend for ScrollBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let Some(screen) = self.screen.as_ref() else {
            self.stats.plain += 1;
            return self.crossterm().draw(content);
        };
        let updates: Vec<(u16, u16, &Cell)> = content.collect();
        if updates.is_empty() {
            self.stats.plain += 1;
            return self.crossterm().draw(updates.into_iter());
        }
        let mut next = std::mem::take(&mut self.spare);
        if next.area == screen.area {
            next.content.clone_from_slice(&screen.content);
        } else {
            next = screen.clone();
        }
        if !apply(&mut next, &updates) {
            self.forget();
            self.stats.plain += 1;
            return self.crossterm().draw(updates.into_iter());
        }
        let plain = wide::with_other_halves(screen, &next, updates.clone());
        let mut best = ratatui_bytes(plain.into_iter())?;
        let mut scrolled = false;
        let old_rows = match self.rows.take() {
            Some(r) => r,
            None => plan::row_hashes(screen),
        };
        let new_rows = plan::row_hashes(&next);
        let mut moved = std::mem::take(&mut self.moved);
        for shift in plan::candidates(&old_rows, &new_rows, CANDIDATES) {
            if moved.area == screen.area {
                moved.content.clone_from_slice(&screen.content);
            } else {
                moved = screen.clone();
            }
            shift.apply(&mut moved);
            let mut bytes = Vec::with_capacity(best.len());
            shift.write(&mut bytes);
            if bytes.len() >= best.len() {
                continue;
            }
            let cells = wide::with_other_halves(&moved, &next, moved.diff_iter(&next).collect());
            encode::changes(&next, cells.into_iter(), &mut bytes);
            if bytes.len() < best.len() {
                best = bytes;
                scrolled = true;
            }
        }
        self.moved = moved;
        if scrolled {
            self.stats.scrolled += 1;
        } else {
            self.stats.plain += 1;
        }
        self.out.write_all(&best)?;
        if let Some(old) = self.screen.replace(next) {
            self.spare = old;
        }
        self.rows = Some(new_rows);
        Ok(())
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.forget();
        self.crossterm().append_lines(n)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.crossterm().hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.crossterm().show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        match self.detached {
            Some((_, at)) => Ok(at),
            None => self.crossterm().get_cursor_position(),
        }
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let at = position.into();
        if let Some((_, cursor)) = self.detached.as_mut() {
            *cursor = at;
        }
        self.crossterm().set_cursor_position(at)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.crossterm().clear_region(clear_type)?;
        // Only a whole-screen clear says what every cell shows; after another the plain path
        // runs until the next one.
        self.screen = match clear_type {
            ClearType::All if self.regions => Some(blank(self.size()?)),
            _ => None,
        };
        self.rows = None;
        Ok(())
    }

    fn size(&self) -> io::Result<Size> {
        match self.detached {
            Some((size, _)) => Ok(size),
            None => {
                let (width, height) = crossterm::terminal::size()?;
                Ok(Size::new(width, height))
            }
        }
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        match self.detached {
            Some((size, _)) => Ok(WindowSize {
                columns_rows: size,
                pixels: Size::default(),
            }),
            None => self.crossterm().window_size(),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
