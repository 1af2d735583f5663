//! The revoke confirmation (focused on Cancel), the row menu and the details view.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::super::app::confirm::{Confirm, RevokeState};
use super::super::app::{App, Details, Load};
use super::super::text_fit::count;
use super::super::text_fit::wrap;
use super::super::theme::Theme;
use super::scope_lines;
use super::token_table::expiry_text;
use super::token_table::status_mark;
use super::{centered, framed, popup, spinner};
use crate::api::RevokeOutcome;

fn button<'a>(label: &'a str, focused: bool, theme: &Theme) -> Span<'a> {
    if focused {
        Span::styled(format!("[ {label} ]"), theme.focus())
    } else {
        Span::raw(format!("  {label}  "))
    }
}

pub fn draw(f: &mut Frame, app: &App, c: &Confirm, theme: &Theme, area: Rect) {
    let g = theme.glyphs;
    let list_h = c.targets.len().min(8) as u16;
    let notes = notes(c);
    let inner_w = 64usize.min(usize::from(area.width.saturating_sub(2)));
    let note_lines: Vec<String> = notes
        .iter()
        .flat_map(|n| wrap(&theme.text(n), inner_w))
        .collect();
    let h = 9 + list_h + u16::from(c.required.is_some()) * 2 + note_lines.len() as u16;
    let r = popup(f, centered(area, 66, h));
    let title = if c.bulk() {
        format!(" Revoke {}? ", count(c.targets.len(), "token"))
    } else {
        " Revoke token? ".into()
    };
    let inner = framed(f, r, Span::styled(title, theme.error()), theme);
    let w = usize::from(inner.width);
    let mut lines = vec![Line::from(if c.bulk() {
        "These tokens stop working at once:"
    } else {
        "This token stops working at once:"
    })];
    for t in c.targets.iter().take(8) {
        let state = match &t.state {
            RevokeState::Pending => "  ".to_string(),
            RevokeState::Running(_) => format!("{} ", spinner(app)),
            RevokeState::Done(Ok(RevokeOutcome::Revoked)) => format!("{} revoked ", g.ok),
            RevokeState::Done(Ok(RevokeOutcome::AlreadyGone)) => {
                format!("{} already revoked or unknown ", g.ok)
            }
            RevokeState::Done(Err(e)) => format!("{} {e} ", g.error),
        };
        let style = match &t.state {
            RevokeState::Done(Err(_)) => theme.error(),
            RevokeState::Done(Ok(_)) => theme.ok(),
            _ => theme.base(),
        };
        let admin = if t.admin { " [admin]" } else { "" };
        lines.push(Line::from(Span::styled(
            theme.fit(&format!("{state}\"{}\" {}{admin}", t.description, t.id), w),
            style,
        )));
    }
    if c.targets.len() > 8 {
        lines.push(Line::from(format!(
            "{} and {} more",
            g.ellipsis,
            c.targets.len() - 8
        )));
    }
    lines.push(Line::from(""));
    lines.push(Line::from("This cannot be undone."));
    for n in &note_lines {
        lines.push(Line::from(Span::styled(n.clone(), theme.warn())));
    }
    if let Some(p) = &c.required {
        let ask = if c.by_count {
            format!("Every row the filter shows: type how many ({p}) to revoke them all:")
        } else {
            format!("Admin token: type its ID's first 4 characters, any case ({p}):")
        };
        lines.push(Line::from(Span::styled(ask, theme.warn())));
        let ok = if c.unlocked() {
            format!(" {}", g.ok)
        } else {
            String::new()
        };
        lines.push(Line::from(vec![
            Span::raw("> "),
            Span::styled(format!("{:<4}", c.typed.value()), theme.header()),
            Span::styled(ok, theme.ok()),
        ]));
    }
    lines.push(Line::from(""));
    if c.finished() {
        lines.push(Line::from(button("Close", true, theme)));
    } else if c.started {
        lines.push(Line::from(Span::styled(
            theme
                .text(&format!("{} revoking… Esc cancels", spinner(app)))
                .into_owned(),
            theme.warn(),
        )));
    } else {
        lines.push(Line::from(vec![
            button("Cancel", !c.on_revoke, theme),
            Span::raw("   "),
            button("Revoke", c.on_revoke, theme),
        ]));
    }
    f.render_widget(Paragraph::new(lines), inner);
    if c.required.is_some() && !c.started {
        let y = inner.y + 3 + list_h + 2 + note_lines.len() as u16;
        let x = inner.x + 2 + c.typed.visual_cursor() as u16;
        if y < inner.y + inner.height && x < inner.x + inner.width {
            f.set_cursor_position(Position::new(x, y));
        }
    }
}

/// What the dialog must say besides the list: the tab's own token, marked rows left out.
fn notes(c: &Confirm) -> Vec<String> {
    let mut v = Vec::new();
    if c.revokes_own() {
        v.push(
            "This is the token this tab is signed in with: after revoking it the tab can do \
             nothing until you switch server or sign in again."
                .to_string(),
        );
    }
    if c.hidden_marked > 0 {
        let verb = if c.hidden_marked == 1 { "is" } else { "are" };
        v.push(format!(
            "{} {verb} hidden by the filter: not included.",
            count(c.hidden_marked, "marked row")
        ));
    }
    v
}

pub fn draw_menu(f: &mut Frame, app: &App, sel: usize, theme: &Theme, table: Rect) {
    let items = app.menu_items();
    let row_y = table.y
        + 2
        + (app
            .table
            .rows
            .selected
            .saturating_sub(app.table.rows.offset)) as u16;
    let h = items.len() as u16 + 2;
    let y = if row_y + 1 + h <= table.y + table.height {
        row_y + 1
    } else {
        row_y.saturating_sub(h).max(table.y)
    };
    let r = popup(
        f,
        Rect {
            x: table.x + 4,
            y,
            width: 22.min(table.width.saturating_sub(4)),
            height: h.min(table.height),
        },
    );
    let inner = framed(f, r, Span::styled(" Actions ", theme.title()), theme);
    let lines: Vec<Line> = items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let text = theme.text(&format!(" {:<18}", it.label())).into_owned();
            if i == sel {
                Line::from(Span::styled(text, theme.selected()))
            } else {
                Line::from(text)
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

pub fn draw_details(f: &mut Frame, app: &App, d: &Details, theme: &Theme, area: Rect) {
    let r = popup(f, centered(area, 90, area.height.saturating_sub(2)));
    let inner = framed(
        f,
        r,
        Span::styled(" Token details (Esc closes) ", theme.title()),
        theme,
    );
    let lines: Vec<Line> = match &d.load {
        Load::Loading(_) | Load::Idle => {
            vec![Line::from(
                theme
                    .text(&format!("{} loading {}…", spinner(app), d.id))
                    .into_owned(),
            )]
        }
        Load::Failed(e) => vec![Line::from(Span::styled(
            theme
                .text(&format!("{} {e}", theme.glyphs.error))
                .into_owned(),
            theme.error(),
        ))],
        Load::Loaded(t) => {
            let now = app.now;
            let status = t.status(now);
            let kv = |k: &str, v: String| {
                Line::from(vec![
                    Span::styled(format!("{k:<13}"), theme.header()),
                    Span::raw(" "),
                    Span::raw(theme.text(&v).into_owned()),
                ])
            };
            let mut l = vec![
                kv("Token ID", t.token_id.clone()),
                kv("Description", t.description.clone()),
                kv("Subject", t.subject.clone()),
                kv("User", t.username().to_owned()),
                kv("Issuer", t.issuer.clone()),
                kv(
                    "Issued",
                    t.issued_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                ),
                kv("Expiry", expiry_text(t.expiry, now)),
                kv(
                    "Status",
                    format!("{} {}", status_mark(theme.glyphs, status), status.word()),
                ),
                kv(
                    "Refreshable",
                    if t.refreshable { "yes" } else { "no" }.into(),
                ),
                kv(
                    "Last used",
                    format!(
                        "{} (recorded at most hourly)",
                        t.last_used.map_or("never".into(), |u| {
                            u.format("%Y-%m-%d %H:%M UTC").to_string()
                        })
                    ),
                ),
                kv("Scope", t.scope_summary()),
            ];
            // Where the last recorded use came from (issue 20), right under "Last used".
            if let Some(from) = &t.last_from {
                let at = l.len().min(10);
                let from_lines = [("Used from", &from.source), ("User agent", &from.agent)]
                    .into_iter()
                    .filter_map(|(k, v)| v.as_ref().map(|v| kv(k, v.clone())));
                l.splice(at..at, from_lines);
            }
            if let Some(note) = t.disabled_note() {
                // Right under the status it explains, in the error style, wrapped under the
                // values' column.
                let width = usize::from(inner.width).saturating_sub(14).max(20);
                let at = l.len().min(8);
                let note_lines = wrap(&theme.text(&note), width).into_iter().map(|part| {
                    Line::from(Span::styled(format!("{:<13} {part}", ""), theme.error()))
                });
                l.splice(at..at, note_lines);
            }
            match t.parsed_scope() {
                Some(s) => {
                    l.push(Line::from(Span::styled(
                        theme
                            .text(&format!("  {}", scope_lines::HEADING))
                            .into_owned(),
                        theme.header(),
                    )));
                    for item in s.items() {
                        let words = scope_lines::permission_line(item, &d.device_names);
                        l.push(Line::from(
                            theme
                                .text(&format!("  {} {words}", theme.glyphs.bullet))
                                .into_owned(),
                        ));
                    }
                    // The scope string itself, as a script or `jf` would send it.
                    l.push(kv("Scope string", s.to_string()));
                }
                None => {
                    if let Some(raw) = &t.scope {
                        l.push(Line::from(
                            theme
                                .text(&format!("  {} {raw}", theme.glyphs.bullet))
                                .into_owned(),
                        ));
                    }
                }
            }
            l
        }
    };
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((d.scroll.min(u16::MAX as usize) as u16, 0)),
        inner,
    );
}
