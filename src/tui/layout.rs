//! Where things go on screen: the regions of a frame and the token table's geometry. Both the
//! model (page height, mouse clicks) and the renderer use it; it knows neither of them.

use ratatui::layout::Rect;

/// The screen's regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Regions {
    pub header: Rect,
    pub banner: Option<Rect>,
    pub table: Rect,
    pub panel: Option<Rect>,
    pub status: Rect,
}

/// What changes the split of the screen besides its size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shape {
    /// The "cannot load tokens" line under the header.
    pub banner: bool,
    /// The create panel beside the table.
    pub panel: bool,
}

/// Splits `area`: header and status lines, the banner when shown, the table and the panel.
pub fn regions(area: Rect, shape: Shape) -> Regions {
    let header = Rect { height: 1, ..area };
    let status = Rect {
        y: area.y + area.height.saturating_sub(1),
        height: 1,
        ..area
    };
    let mut main = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(2),
        ..area
    };
    let banner = if shape.banner {
        let b = Rect { height: 1, ..main };
        main.y += 1;
        main.height = main.height.saturating_sub(1);
        Some(b)
    } else {
        None
    };
    let (table, panel) = if shape.panel {
        let pw = (area.width * 2 / 5).clamp(38.min(area.width), 64);
        let tw = main.width.saturating_sub(pw);
        (
            Rect { width: tw, ..main },
            Some(Rect {
                x: main.x + tw,
                width: pw,
                ..main
            }),
        )
    } else {
        (main, None)
    };
    Regions {
        header,
        banner,
        table,
        panel,
        status,
    }
}

/// Rows of the table body that fit in the table's region (border, header and border take 3).
pub fn table_body_height(table: Rect) -> usize {
    usize::from(table.height.saturating_sub(3)).max(1)
}

/// The smallest screen the tab draws; below it only "enlarge the terminal" shows.
pub const MIN_W: u16 = 60;
pub const MIN_H: u16 = 16;

/// Whether a `w`×`h` screen is below the smallest the tab draws (then no key but quit acts).
pub fn too_small(w: u16, h: u16) -> bool {
    w < MIN_W || h < MIN_H
}

/// Width of the leading selection/mark column.
pub const LEAD: u16 = 2;
const DESC_MIN: u16 = 12;
/// Lower-priority columns are added only while the description keeps at least this much.
const DESC_PREF: u16 = 22;

/// Display columns (Status is shown apart from Expiry so it reads without colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Description,
    Subject,
    TokenId,
    Issued,
    Status,
    Expiry,
    LastUsed,
    Scope,
}

impl Col {
    const ORDER: [Col; 8] = [
        Col::Description,
        Col::Subject,
        Col::TokenId,
        Col::Issued,
        Col::Status,
        Col::Expiry,
        Col::LastUsed,
        Col::Scope,
    ];
    /// Kept first when space is short. Last used comes after who owns a token (finding unused
    /// tokens is a clean-up chore, less often needed than owner and scope) and before the ID
    /// and issue date, which Details shows too.
    const PRIORITY: [Col; 8] = [
        Col::Description,
        Col::Status,
        Col::Expiry,
        Col::Scope,
        Col::Subject,
        Col::LastUsed,
        Col::TokenId,
        Col::Issued,
    ];
    fn width(self) -> u16 {
        match self {
            Col::Description => DESC_MIN,
            Col::Subject => 12,
            Col::TokenId => 9,
            Col::Issued => 10,
            Col::Status => 10,
            Col::Expiry => 20,
            // "59 min ago", "never".
            Col::LastUsed => 10,
            Col::Scope => 20,
        }
    }
}

/// Columns and widths for an inner width, in display order. Description takes what is left.
pub fn columns(inner_w: u16) -> Vec<(Col, u16)> {
    // The lead column is followed by one space like every other column.
    let avail = inner_w.saturating_sub(LEAD + 1);
    let mut chosen = vec![Col::Description];
    let mut used = DESC_PREF;
    for c in Col::PRIORITY.iter().skip(1) {
        if used + 1 + c.width() <= avail {
            used += 1 + c.width();
            chosen.push(*c);
        }
    }
    let extra = avail.saturating_sub(used);
    // Scope gets a little of the room too; the description takes the rest.
    let scope_extra = if chosen.contains(&Col::Scope) {
        (extra / 4).min(20)
    } else {
        0
    };
    Col::ORDER
        .iter()
        .filter(|c| chosen.contains(c))
        .map(|c| {
            let w = match c {
                Col::Description => (DESC_PREF + extra - scope_extra).min(avail.max(DESC_MIN)),
                Col::Scope => c.width() + scope_extra,
                other => other.width(),
            };
            (*c, w)
        })
        .collect()
}

/// Where the table's header, body and columns are, for mouse clicks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableGeometry {
    pub area: Rect,
    pub header_y: u16,
    pub body_y: u16,
    /// Each column with its first x and its width.
    pub columns: Vec<(Col, u16, u16)>,
}

impl TableGeometry {
    /// The geometry of a table drawn in `area` (a bordered block).
    pub fn of(area: Rect) -> TableGeometry {
        let inner_x = area.x + 1;
        let inner_w = area.width.saturating_sub(2);
        let mut x = inner_x + LEAD + 1;
        let columns = columns(inner_w)
            .into_iter()
            .map(|(c, w)| {
                let at = x;
                x += w + 1;
                (c, at, w)
            })
            .collect();
        TableGeometry {
            area,
            header_y: area.y + 1,
            body_y: area.y + 2,
            columns,
        }
    }

    pub fn area_contains(&self, x: u16, y: u16) -> bool {
        x >= self.area.x
            && x < self.area.x + self.area.width
            && y >= self.area.y
            && y < self.area.y + self.area.height
    }

    /// The column under `x` (its separator space counts as part of it).
    pub fn column_at(&self, x: u16) -> Option<Col> {
        self.columns
            .iter()
            .find(|(_, cx, w)| x >= *cx && x < cx + w + 1)
            .map(|(c, _, _)| *c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_status_and_table_share_the_screen() {
        let r = regions(Rect::new(0, 0, 80, 24), Shape::default());
        assert_eq!(r.header, Rect::new(0, 0, 80, 1));
        assert_eq!(r.status, Rect::new(0, 23, 80, 1));
        assert_eq!(r.table, Rect::new(0, 1, 80, 22));
        assert_eq!((r.banner, r.panel), (None, None));
        assert_eq!(table_body_height(r.table), 19);
    }

    #[test]
    fn banner_takes_a_line_and_panel_a_column() {
        let r = regions(
            Rect::new(0, 0, 100, 30),
            Shape {
                banner: true,
                panel: true,
            },
        );
        assert_eq!(r.banner, Some(Rect::new(0, 1, 100, 1)));
        assert_eq!(r.table, Rect::new(0, 2, 60, 27));
        assert_eq!(r.panel, Some(Rect::new(60, 2, 40, 27)));
        // The panel never grows past 64 columns nor below 38.
        let wide = regions(
            Rect::new(0, 0, 300, 30),
            Shape {
                banner: false,
                panel: true,
            },
        );
        assert_eq!(wide.panel.map(|p| p.width), Some(64));
        let narrow = regions(
            Rect::new(0, 0, 60, 30),
            Shape {
                banner: false,
                panel: true,
            },
        );
        assert_eq!(narrow.panel.map(|p| p.width), Some(38));
    }

    #[test]
    fn a_tiny_table_still_has_one_body_row() {
        assert_eq!(table_body_height(Rect::new(0, 0, 10, 2)), 1);
    }

    #[test]
    fn narrow_tables_drop_low_priority_columns_first() {
        let narrow: Vec<Col> = columns(58).into_iter().map(|(c, _)| c).collect();
        assert_eq!(narrow, vec![Col::Description, Col::Status, Col::Expiry]);
        let wide: Vec<Col> = columns(158).into_iter().map(|(c, _)| c).collect();
        assert_eq!(wide, Col::ORDER.to_vec());
        // Every width fits: the lead column and each column with the space before it.
        for w in [20u16, 58, 78, 120, 158] {
            let used: u16 = columns(w).iter().map(|(_, cw)| cw + 1).sum();
            assert!(used + LEAD <= w, "{w}: {used}");
        }
    }

    #[test]
    fn clicks_map_to_columns_and_rows() {
        let g = TableGeometry::of(Rect::new(0, 1, 80, 22));
        assert_eq!((g.header_y, g.body_y), (2, 3));
        // The first column starts after the border, the lead column and its space.
        let (first, x, w) = g.columns[0];
        assert_eq!((first, x), (Col::Description, 1 + LEAD + 1));
        assert_eq!(g.column_at(x), Some(Col::Description));
        assert_eq!(g.column_at(x + w), Some(Col::Description));
        assert_eq!(g.column_at(x + w + 1), Some(g.columns[1].0));
        assert_eq!(g.column_at(0), None);
        assert!(g.area_contains(0, 1) && g.area_contains(79, 22));
        assert!(!g.area_contains(80, 5) && !g.area_contains(5, 23) && !g.area_contains(5, 0));
    }
}
