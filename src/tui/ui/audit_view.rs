//! The audit view (`A`): pure drawing of [`AuditView`]. Wide terminals show the description
//! and source columns; every server-sent text is cleaned and put in the glyph set.

use chrono::DateTime;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::model::sanitize::clean;
use crate::model::wire::AUDIT_COLUMNS;

use super::super::app::audit::AuditView;
use super::super::app::{App, Load};
use super::super::text_fit::count;
use super::super::theme::Theme;
use super::{framed, popup, spinner};

/// Wider than this, the description and source columns appear.
const WIDE: u16 = 120;

fn when(epoch: i64, wide: bool) -> String {
    let fmt = if wide {
        "%Y-%m-%d %H:%M:%S"
    } else {
        "%m-%d %H:%M"
    };
    DateTime::from_timestamp(epoch, 0)
        .map(|t| t.format(fmt).to_string())
        .unwrap_or_else(|| epoch.to_string())
}

/// Column widths (time, actor, action, target, description, source, result) for `width`.
fn widths(width: u16) -> [usize; 7] {
    let w = usize::from(width);
    if width > WIDE {
        let fixed = 19 + 12 + 15 + 36 + 21 + 6 * 2;
        [19, 12, 15, 36, w.saturating_sub(fixed + 20).max(8), 21, 20]
    } else {
        // The result column fits "404 NOT_FOUND x999" (an aggregated refusal); the target
        // (ids, cut) takes the rest.
        let fixed = 11 + 10 + 15 + 18 + 4 * 2;
        [11, 10, 15, w.saturating_sub(fixed).max(8), 0, 0, 18]
    }
}

fn row_line(cells: [String; 7], w: [usize; 7], theme: &Theme) -> String {
    cells
        .iter()
        .zip(w)
        .filter(|(_, w)| *w > 0)
        .map(|(c, w)| format!("{:<w$}", theme.fit(&clean(c), w)))
        .collect::<Vec<_>>()
        .join("  ")
        .trim_end()
        .to_owned()
}

pub fn draw(f: &mut Frame, app: &App, v: &AuditView, theme: &Theme, area: Rect) {
    // Between the header line and the hint line: the keys stay in view.
    let r = popup(
        f,
        Rect {
            y: area.y.saturating_add(1),
            height: area.height.saturating_sub(2),
            ..area
        },
    );
    let about = match (&v.token, v.everyone) {
        (Some((id, desc)), false) => {
            let short: String = id.chars().take(8).collect();
            format!("{} ({short})", clean(desc))
        }
        _ => "everyone".into(),
    };
    let title = format!(" Audit trail {} {} (Esc closes) ", theme.glyphs.dash, about);
    let inner = framed(
        f,
        r,
        Span::styled(
            theme.fit(&title, usize::from(r.width.saturating_sub(2))),
            theme.title(),
        ),
        theme,
    );
    let wide = inner.width > WIDE;
    let w = widths(inner.width);
    let mut lines: Vec<Line> = Vec::new();
    let filter_line = if v.filtering {
        format!("/ {}{}", v.filter.value(), theme.glyphs.text_cursor)
    } else if v.filter.value().is_empty() {
        match &v.load {
            Load::Loaded(rows) => format!("{}, newest first", count(rows.len(), "row")),
            _ => String::new(),
        }
    } else {
        format!("/ {}", v.filter.value())
    };
    lines.push(Line::from(Span::raw(theme.text(&filter_line).into_owned())));
    match &v.load {
        Load::Idle | Load::Loading(_) => lines.push(Line::from(
            theme
                .text(&format!("{} loading the audit trail…", spinner(app)))
                .into_owned(),
        )),
        Load::Failed(e) => lines.push(Line::from(Span::styled(
            theme
                .text(&format!("{} {e}", theme.glyphs.error))
                .into_owned(),
            theme.error(),
        ))),
        Load::Loaded(_) => {
            let rows = v.visible();
            let header = AUDIT_COLUMNS.map(str::to_owned);
            lines.push(Line::from(Span::styled(
                row_line(header, w, theme),
                theme.header(),
            )));
            if rows.is_empty() {
                lines.push(Line::from(Span::styled(
                    if v.filter.value().is_empty() {
                        "no audit rows"
                    } else {
                        "no audit rows match the filter"
                    },
                    theme.dim(),
                )));
            }
            let room = usize::from(inner.height.saturating_sub(2));
            let start = v.scroll.min(rows.len().saturating_sub(room.max(1)));
            for e in rows.iter().skip(start).take(room) {
                let cells = [
                    when(e.time, wide),
                    e.actor.clone(),
                    e.action.clone(),
                    e.target(),
                    e.description.clone().unwrap_or_default(),
                    e.source.clone().unwrap_or_default(),
                    e.outcome(),
                ];
                let style = if e.result == "ok" || e.result.starts_with("ok:") {
                    theme.base()
                } else {
                    theme.warn()
                };
                lines.push(Line::from(Span::styled(row_line(cells, w, theme), style)));
            }
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}
