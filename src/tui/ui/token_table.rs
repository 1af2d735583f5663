//! The token table: only the visible window of rows is built; columns drop by priority on narrow
//! terminals; status by symbol and word.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::super::app::tokens::Column;
use super::super::app::{App, Load};
use super::super::glyphs::Glyphs;
use super::super::theme::Theme;
use super::spinner;
use crate::model::TokenStatus;
use crate::model::expiry::relative_text;

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
    Scope,
}

impl Col {
    const ORDER: [Col; 7] = [
        Col::Description,
        Col::Subject,
        Col::TokenId,
        Col::Issued,
        Col::Status,
        Col::Expiry,
        Col::Scope,
    ];
    /// Kept first when space is short.
    const PRIORITY: [Col; 7] = [
        Col::Description,
        Col::Status,
        Col::Expiry,
        Col::Scope,
        Col::Subject,
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
            Col::Scope => 20,
        }
    }
    pub fn sort_column(self) -> Option<Column> {
        Some(match self {
            Col::Description => Column::Description,
            Col::Subject => Column::Subject,
            Col::TokenId => Column::TokenId,
            Col::Issued => Column::Issued,
            Col::Status | Col::Expiry => Column::Expiry,
            Col::Scope => Column::Scope,
        })
    }
    fn title(self) -> &'static str {
        match self {
            Col::Status => "Status",
            other => other.sort_column().map_or("", Column::title),
        }
    }
}

/// Columns and widths for an inner width, in display order. Description takes what is left.
pub fn layout(inner_w: u16) -> Vec<(Col, u16)> {
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

pub fn draw(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let rows = &app.rows;
    let mut title = vec![Span::styled(" Access Tokens ", theme.title())];
    if !rows.filter().is_empty() || app.filtering {
        let g = theme.glyphs;
        let cursor = if app.filtering { g.text_cursor } else { "" };
        title.push(Span::styled(
            format!(
                "/{}{cursor} ({} of {}) ",
                theme.fit(app.filter.value(), 30),
                rows.visible_len(),
                rows.len()
            ),
            theme.warn(),
        ));
    }
    if !rows.marked.is_empty() {
        title.push(Span::styled(
            format!("{} marked ", rows.marked.len()),
            theme.marked(),
        ));
    }
    let g = theme.glyphs;
    let focused = app.form.is_none();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(g.border)
        .title(Line::from(title))
        .border_style(if focused {
            theme.border_focus()
        } else {
            theme.dim()
        });
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let cols = layout(inner.width);
    let body_h = usize::from(inner.height.saturating_sub(1));

    let header = Row::new(
        std::iter::once(Cell::from(""))
            .chain(cols.iter().map(|(c, w)| {
                let mut t = c.title().to_string();
                if c.sort_column() == Some(rows.sort) && *c != Col::Status {
                    t.push_str(if rows.descending {
                        g.sort_desc
                    } else {
                        g.sort_asc
                    });
                }
                Cell::from(theme.fit(&t, usize::from(*w)))
            }))
            .collect::<Vec<_>>(),
    )
    .style(theme.header());

    let empty_msg = match &app.list {
        Load::Loading(_) | Load::Idle if rows.is_empty() => {
            Some(format!("{} loading tokens…", spinner(app)))
        }
        Load::Failed(e) if rows.is_empty() => Some(format!("{} {e}", g.error)),
        _ if rows.is_empty() => Some(format!(
            "No access tokens yet {} press n to create one",
            g.dash
        )),
        _ if rows.visible_len() == 0 => Some(format!(
            "No token matches /{} {} Esc clears the filter",
            rows.filter(),
            g.dash
        )),
        _ => None,
    };

    let now = app.now;
    let body: Vec<Row> = (rows.offset..(rows.offset + body_h).min(rows.visible_len()))
        .filter_map(|pos| rows.at(pos).map(|r| (pos, r)))
        .map(|(pos, r)| {
            let t = &r.token;
            let status = t.status(now);
            let sel = pos == rows.selected;
            let marked = rows.marked.contains(&t.token_id);
            let lead = format!(
                "{}{}",
                if sel { g.selected } else { " " },
                if marked { g.marked } else { " " }
            );
            let status_style = match status {
                TokenStatus::Expired => theme.error(),
                TokenStatus::Expiring => theme.warn(),
                TokenStatus::Active => theme.ok(),
                TokenStatus::NeverExpires => theme.base(),
            };
            let cells = std::iter::once(Cell::from(lead)).chain(cols.iter().map(|(c, w)| {
                let w = usize::from(*w);
                match c {
                    Col::Description => Cell::from(theme.fit(&t.description, w)),
                    Col::Subject => Cell::from(theme.fit(&r.username, w)),
                    Col::TokenId => Cell::from(theme.fit(&r.id_short, w)),
                    Col::Issued => Cell::from(theme.fit(&r.issued, w)),
                    Col::Status => Cell::from(Span::styled(
                        theme.fit(
                            &format!("{} {}", status_mark(g, status), short_word(status)),
                            w,
                        ),
                        status_style,
                    )),
                    Col::Expiry => Cell::from(theme.fit(&expiry_text(t.expiry, now), w)),
                    Col::Scope => Cell::from(theme.fit(&r.scope_summary, w)),
                }
            }));
            let row = Row::new(cells.collect::<Vec<_>>());
            if sel && focused {
                row.style(theme.selected())
            } else if marked {
                row.style(theme.marked())
            } else {
                row
            }
        })
        .collect();

    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(LEAD))
        .chain(cols.iter().map(|(_, w)| Constraint::Length(*w)))
        .collect();
    let table = Table::new(body, widths).header(header).column_spacing(1);
    f.render_widget(table, inner);
    if let Some(msg) = empty_msg {
        let r = Rect {
            y: inner.y + 2.min(inner.height.saturating_sub(1)),
            height: 1,
            x: inner.x + 2.min(inner.width),
            width: inner.width.saturating_sub(2),
        };
        let style = if matches!(app.list, Load::Failed(_)) {
            theme.error()
        } else {
            theme.dim()
        };
        f.render_widget(
            Paragraph::new(Span::styled(theme.fit(&msg, usize::from(r.width)), style)),
            r,
        );
    }
}

/// The status symbol of the session's glyph set.
pub fn status_mark(g: &Glyphs, s: TokenStatus) -> &'static str {
    match s {
        TokenStatus::Active => g.active,
        TokenStatus::Expiring => g.expiring,
        TokenStatus::Expired => g.expired,
        TokenStatus::NeverExpires => g.never,
    }
}

fn short_word(s: TokenStatus) -> &'static str {
    match s {
        TokenStatus::NeverExpires => "never",
        other => other.word(),
    }
}

/// "2026-12-05 in 12 d", "2026-11-20 3 d ago", "never".
pub fn expiry_text(
    expiry: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    match expiry {
        None => "never".into(),
        // The Status column already says "expired": "2026-11-20 3 d ago" keeps the column narrow.
        Some(at) => {
            let rel = relative_text(at, now);
            let rel = rel.strip_prefix("expired ").unwrap_or(&rel);
            format!("{} {rel}", at.format("%Y-%m-%d"))
        }
    }
}
