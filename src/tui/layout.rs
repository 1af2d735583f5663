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
/// The narrowest Description: every other column gives way before it gets narrower.
pub const DESC_MIN: u16 = 12;
/// The Expiry column's text ("2026-12-05 in 12 d", "2036-11-23 in 3650 d").
pub const EXPIRY_W: u16 = 20;
/// The status symbol and its space in front of the expiry while the Status column is hidden
/// (status is never told by colour alone).
pub const EXPIRY_MARK: u16 = 2;

/// Display columns: the seed's six (Description, Subject, Token ID, Issued, Expiry, Scope) and
/// ours (Status, Last used).
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
    /// The column rule: columns join the table in this order as it widens, each only while
    /// Description keeps at least the width beside it. The seed's six come first (what a token
    /// is, whose, when it ends and what it may do; then which one and since when), ours (the
    /// Status word, which Expiry's symbol already tells, and Last used) only once all six fit.
    /// A column joins only when every column before it has: a wider table never loses one.
    /// On a screen (two borders, lead column): Expiry from 40 columns, Subject from 51, Scope
    /// from 70, Token ID from 93, Issued from 108, Status from 123, Last used from 135.
    const RULE: [(Col, u16); 7] = [
        (Col::Expiry, DESC_MIN),
        (Col::Subject, DESC_MIN),
        (Col::Scope, DESC_MIN),
        (Col::TokenId, 24),
        (Col::Issued, 28),
        (Col::Status, 34),
        (Col::LastUsed, 34),
    ];
    fn width(self) -> u16 {
        match self {
            Col::Description => DESC_MIN,
            // "alice", "svc-deploy"; Details shows a longer name whole.
            Col::Subject => 10,
            // The heading with its sort arrow ("Token ID v"); the short ID is 8 characters.
            Col::TokenId => 10,
            Col::Issued => 10,
            Col::Status => 10,
            Col::Expiry => EXPIRY_W,
            // "59 min ago", "never"; the heading with its ASCII arrow "Last used v".
            Col::LastUsed => 11,
            // "Custom: project d…"; it gets a share of the room left.
            Col::Scope => 18,
        }
    }
}

/// Columns and widths for an inner width, in display order (see [`Col::RULE`]). Description
/// takes what is left after Scope's share.
pub fn columns(inner_w: u16) -> Vec<(Col, u16)> {
    // The lead column is followed by one space like every other column.
    let avail = inner_w.saturating_sub(LEAD + 1);
    let mut chosen = vec![Col::Description];
    // What the chosen columns other than Description take, each with the space before it.
    let mut used = 0u16;
    let mut floor = DESC_MIN;
    for (c, desc_floor) in Col::RULE {
        let cost = match c {
            Col::Expiry => 1 + c.width() + EXPIRY_MARK,
            // With the Status column shown, Expiry gives its symbol back.
            Col::Status => 1 + c.width() - EXPIRY_MARK,
            _ => 1 + c.width(),
        };
        if used + cost + desc_floor > avail {
            break;
        }
        used += cost;
        floor = desc_floor;
        chosen.push(c);
    }
    let rest = avail.saturating_sub(used);
    // Scope gets a little of the room above Description's floor; the description the rest.
    let scope_extra = if chosen.contains(&Col::Scope) {
        (rest.saturating_sub(floor) / 2).min(20)
    } else {
        0
    };
    let status_shown = chosen.contains(&Col::Status);
    Col::ORDER
        .iter()
        .filter(|c| chosen.contains(c))
        .map(|c| {
            let w = match c {
                Col::Description => rest - scope_extra,
                Col::Scope => c.width() + scope_extra,
                Col::Expiry if !status_shown => c.width() + EXPIRY_MARK,
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
        assert_eq!(narrow, vec![Col::Description, Col::Subject, Col::Expiry]);
        let wide: Vec<Col> = columns(158).into_iter().map(|(c, _)| c).collect();
        assert_eq!(wide, Col::ORDER.to_vec());
        // Every width fits: the lead column and each column with the space before it.
        for w in [20u16, 58, 78, 120, 158] {
            let used: u16 = columns(w).iter().map(|(_, cw)| cw + 1).sum();
            assert!(used + LEAD <= w, "{w}: {used}");
        }
    }

    #[test]
    fn the_seeds_columns_come_before_ours_at_every_width() {
        let seed = [
            Col::Description,
            Col::Subject,
            Col::TokenId,
            Col::Issued,
            Col::Expiry,
            Col::Scope,
        ];
        let mut before: Vec<Col> = Vec::new();
        for screen in 60u16..=200 {
            let inner = screen - 2;
            let cols = columns(inner);
            let names: Vec<Col> = cols.iter().map(|(c, _)| *c).collect();
            // Fits: the lead column and each column with the space before it.
            let used: u16 = cols.iter().map(|(_, w)| w + 1).sum();
            assert!(used + LEAD <= inner, "{screen}: {cols:?}");
            let desc = cols[0];
            assert_eq!(desc.0, Col::Description, "{screen}");
            assert!(desc.1 >= DESC_MIN, "{screen}: {cols:?}");
            // Ours only once all six of the seed's fit.
            if names.contains(&Col::Status) || names.contains(&Col::LastUsed) {
                assert!(
                    seed.iter().all(|c| names.contains(c)),
                    "{screen}: {names:?}"
                );
            }
            // A wider table never loses a column.
            assert!(
                before.iter().all(|c| names.contains(c)),
                "{screen}: {names:?}"
            );
            // Display order is the seed's, whatever is shown.
            let order: Vec<Col> = Col::ORDER
                .iter()
                .copied()
                .filter(|c| names.contains(c))
                .collect();
            assert_eq!(order, names, "{screen}");
            if screen >= 80 {
                for c in [Col::Subject, Col::Expiry, Col::Scope] {
                    assert!(names.contains(&c), "{screen}: {names:?}");
                }
            }
            if screen >= 100 {
                assert!(names.contains(&Col::TokenId), "{screen}: {names:?}");
            }
            if screen >= 120 {
                assert!(names.contains(&Col::Issued), "{screen}: {names:?}");
            }
            if screen < 120 {
                assert!(!names.contains(&Col::Status), "{screen}: {names:?}");
            }
            if screen >= 160 {
                assert_eq!(names, Col::ORDER.to_vec(), "{screen}");
            }
            before = names;
        }
    }

    #[test]
    fn the_screen_widths_each_column_joins_at() {
        let joins =
            |col: Col| (20u16..=220).find(|s| columns(s - 2).iter().any(|(c, _)| *c == col));
        let got: Vec<Option<u16>> = [
            Col::Expiry,
            Col::Subject,
            Col::Scope,
            Col::TokenId,
            Col::Issued,
            Col::Status,
            Col::LastUsed,
        ]
        .into_iter()
        .map(joins)
        .collect();
        let want = [40, 51, 70, 93, 108, 123, 135].map(Some);
        assert_eq!(got, want);
    }

    #[test]
    fn expiry_carries_the_status_mark_only_while_status_is_hidden() {
        let width_of = |inner: u16, col: Col| {
            columns(inner)
                .into_iter()
                .find(|(c, _)| *c == col)
                .map(|(_, w)| w)
        };
        assert_eq!(width_of(78, Col::Expiry), Some(EXPIRY_W + EXPIRY_MARK));
        assert_eq!(width_of(158, Col::Expiry), Some(EXPIRY_W));
        assert!(width_of(158, Col::Status).is_some());
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
