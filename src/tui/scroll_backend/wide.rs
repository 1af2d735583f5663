//! A terminal that is written over half of a wide character it shows blanks the other half
//! itself, in the pen of the moment (a bold, underlined blank after a bold heading, say).
//! ratatui's diff does not always write that half again (its buffers call it unchanged), so the
//! terminal and the buffers part. Both paths of the backend add those halves, from the frame.

use ratatui::buffer::{Buffer, Cell, CellWidth};

/// Columns a cell covers: one for any single-byte symbol (printable ASCII once sanitised)
/// without asking Unicode, which most cells of a frame are.
fn width(cell: &Cell) -> u16 {
    if cell.symbol().len() == 1 {
        1
    } else {
        cell.cell_width()
    }
}

/// `cells` (in row order) and the cells the terminal will blank beside them, taken from `next`.
pub fn with_other_halves<'a>(
    shown: &Buffer,
    next: &'a Buffer,
    mut cells: Vec<(u16, u16, &'a Cell)>,
) -> Vec<(u16, u16, &'a Cell)> {
    let area = shown.area;
    if !cells.is_sorted_by_key(|&(x, y, _)| (y, x)) {
        cells.sort_by_key(|&(x, y, _)| (y, x));
    }
    let written = |x: u16, y: u16| {
        cells
            .binary_search_by_key(&(y, x), |&(cx, cy, _)| (cy, cx))
            .is_ok()
    };
    let mut extra: Vec<(u16, u16)> = Vec::new();
    let mut add = |x: u16, y: u16| {
        if x < area.width && !written(x, y) && !extra.contains(&(x, y)) {
            extra.push((x, y));
        }
    };
    for &(x, y, cell) in &cells {
        let end = x.saturating_add(width(cell).max(1));
        for k in x..end.min(area.width) {
            // k is the left half of a wide character shown: its right half goes blank.
            if width(&shown[(k, y)]) > 1 && k + 1 >= end {
                add(k + 1, y);
            }
            // k is the right half of one: its left half goes blank.
            if k == x && k > 0 && width(&shown[(k - 1, y)]) > 1 && width(&next[(k - 1, y)]) < 2 {
                add(k - 1, y);
            }
        }
    }
    if extra.is_empty() {
        return cells;
    }
    cells.extend(extra.into_iter().map(|(x, y)| (x, y, &next[(x, y)])));
    cells.sort_by_key(|&(x, y, _)| (y, x));
    cells
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Rect;

    use super::*;

    fn row(text: &str) -> Buffer {
        let mut b = Buffer::empty(Rect::new(0, 0, 8, 1));
        b.set_string(0, 0, text, ratatui::style::Style::default());
        b
    }

    fn xs(cells: &[(u16, u16, &Cell)]) -> Vec<u16> {
        cells.iter().map(|&(x, _, _)| x).collect()
    }

    #[test]
    fn the_other_half_of_a_wide_character_is_written_again() {
        let shown = row("a缘bcd");
        let next = row("ar bcd");
        // Over the left half (x 1): x 2 goes blank on the terminal.
        let cells = vec![(1, 0, &next[(1, 0)])];
        assert_eq!(xs(&with_other_halves(&shown, &next, cells)), [1, 2]);
        // Over the right half (x 2): x 1 goes blank.
        let cells = vec![(2, 0, &next[(2, 0)])];
        assert_eq!(xs(&with_other_halves(&shown, &next, cells)), [1, 2]);
        // Both halves written already: nothing added.
        let cells = vec![(1, 0, &next[(1, 0)]), (2, 0, &next[(2, 0)])];
        assert_eq!(xs(&with_other_halves(&shown, &next, cells)), [1, 2]);
        // No wide character shown: nothing added.
        let plain = row("abcdef");
        let cells = vec![(1, 0, &next[(1, 0)])];
        assert_eq!(xs(&with_other_halves(&plain, &next, cells)), [1]);
    }
}
