//! The token table: only the visible window of rows is built; which columns a width shows is
//! `layout::columns`' rule; status by symbol (beside Expiry) and by word (its own column, when
//! shown); the sort on the right of the top border, also when its column is hidden.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::super::app::table::sort_column;
use super::super::app::tokens::Column;
use super::super::app::{App, Load};
use super::super::glyphs::Glyphs;
use super::super::layout::{Col, LEAD, columns};
use super::super::theme::Theme;
use super::spinner;
use crate::model::TokenStatus;
use crate::model::expiry::relative_text;
use crate::model::filter_query::last_used_text;
use unicode_width::UnicodeWidthStr;

/// A column's title (the sort column's own name; Status has none of its own).
fn col_title(col: Col) -> &'static str {
    match col {
        Col::Status => "Status",
        other => sort_column(other).map_or("", Column::title),
    }
}

/// "sort: issued ▼": the table's order, named also when its column is hidden.
pub fn sort_label(app: &App, g: &Glyphs) -> String {
    let rows = &app.table.rows;
    let arrow = if rows.descending {
        g.sort_desc
    } else {
        g.sort_asc
    };
    format!("sort: {} {arrow}", rows.sort.title().to_lowercase())
}

pub fn draw(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let rows = &app.table.rows;
    let g = theme.glyphs;
    // The sort stays whole on the right of the top border; the left title gives way to it.
    let sort = format!(" {} ", sort_label(app, g));
    let sort = if sort.width() + 17 <= usize::from(area.width.saturating_sub(2)) {
        sort
    } else {
        format!(" {} ", rows.sort.title().to_lowercase())
    };
    let left_room = usize::from(area.width.saturating_sub(2)).saturating_sub(sort.width() + 1);
    let mut title = vec![Span::styled(" Access Tokens ", theme.title())];
    if !rows.filter().is_empty() || app.table.filtering {
        let cursor = if app.table.filtering {
            g.text_cursor
        } else {
            ""
        };
        let counts = format!(" ({} of {}) ", rows.visible_len(), rows.len());
        let room = left_room.saturating_sub(15 + 1 + cursor.width() + counts.width());
        title.push(Span::styled(
            format!(
                "/{}{cursor}{counts}",
                theme.fit(app.table.filter.value(), room.min(30)),
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
    let focused = app.form.is_none();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(g.border)
        .title(Line::from(title))
        .title(Line::from(Span::styled(sort, theme.dim())).right_aligned())
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
    let cols = columns(inner.width);
    // Without the Status column, its symbol goes in front of the expiry.
    let mark_expiry = !cols.iter().any(|(c, _)| *c == Col::Status);
    let body_h = usize::from(inner.height.saturating_sub(1));

    let header = Row::new(
        std::iter::once(Cell::from(""))
            .chain(cols.iter().map(|(c, w)| {
                let mut t = col_title(*c).to_string();
                if sort_column(*c) == Some(rows.sort) && *c != Col::Status {
                    let arrow = if rows.descending {
                        g.sort_desc
                    } else {
                        g.sort_asc
                    };
                    // "Expiry v", not "Expiryv", with the ASCII set's letter arrow.
                    if arrow.chars().all(|c| c.is_ascii_alphanumeric()) {
                        t.push(' ');
                    }
                    t.push_str(arrow);
                }
                Cell::from(theme.fit(&t, usize::from(*w)))
            }))
            .collect::<Vec<_>>(),
    )
    .style(theme.header());

    let empty_msg = match &app.table.list {
        Load::Loading(_) | Load::Idle if rows.is_empty() => {
            Some(format!("{} loading tokens…", spinner(app)))
        }
        Load::Failed(e) if rows.is_empty() => Some(format!("{} {e}", g.error)),
        _ if rows.is_empty() => Some(format!(
            "No access tokens yet {} press n to create one",
            g.dash
        )),
        _ if rows.query_error.is_some() => Some(format!(
            "{} {}",
            g.error,
            rows.query_error.as_deref().unwrap_or("")
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
                TokenStatus::Disabled | TokenStatus::Expired => theme.error(),
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
                        theme.fit(&format!("{} {}", status_mark(g, status), status.word()), w),
                        status_style,
                    )),
                    Col::Expiry if mark_expiry => {
                        let mark = format!("{} ", status_mark(g, status));
                        let rest = w.saturating_sub(mark.width());
                        Cell::from(Line::from(vec![
                            Span::styled(mark, status_style),
                            Span::raw(theme.fit(&expiry_text(t.expiry, now), rest)),
                        ]))
                    }
                    Col::Expiry => Cell::from(theme.fit(&expiry_text(t.expiry, now), w)),
                    Col::LastUsed => Cell::from(theme.fit(&last_used_text(t.last_used, now), w)),
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
        let style = if matches!(app.table.list, Load::Failed(_)) {
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
        TokenStatus::Disabled => g.disabled,
        TokenStatus::Active => g.active,
        TokenStatus::Expiring => g.expiring,
        TokenStatus::Expired => g.expired,
        TokenStatus::NeverExpires => g.never,
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
