//! The create panel, right of the table: fields, live expiry preview and help, permission rows,
//! messages beside the fields (wrapped, never cut), and the lock while the call runs.

mod rows;

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use tui_input::Input;

use super::super::app::App;
use super::super::app::form::{Field, Form};
use super::super::glyphs::Glyphs;
use super::super::keymap::Mode;
use super::super::theme::Theme;
use super::spinner;
use crate::model::EntityKind;
use crate::model::scope::Action;

const LABEL: usize = 14;

/// The panel's title. A Custom token is what the Connect new UI calls a *Device Details Token*
/// ("General Settings → Account → Access Token → Device Details Token"; the old UI's "Custom";
/// reference/jfrog-api.md §3.4, docs.connect.jfrog.io "Create Access Token – New UI").
pub const CUSTOM_TITLE: &str = " New token · Device Details Token ";

fn radio(g: &Glyphs, label: &str, on: bool) -> String {
    format!("{} {label}", if on { g.radio_on } else { g.radio_off })
}

pub fn draw(f: &mut Frame, app: &App, form: &Form, theme: &Theme, area: Rect) {
    let g = theme.glyphs;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(g.border)
        .title(Span::styled(
            theme
                .text(if form.custom {
                    CUSTOM_TITLE
                } else {
                    " New token "
                })
                .into_owned(),
            theme.title(),
        ))
        .border_style(if form.picker.is_none() {
            theme.border_focus()
        } else {
            theme.dim()
        });
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.width < 4 || inner.height == 0 {
        return;
    }
    let w = usize::from(inner.width);
    let locked = form.submitting.is_some();
    let style_for = |field: Field| {
        if form.focus == field && !locked && form.picker.is_none() {
            theme.focus()
        } else {
            theme.base()
        }
    };
    // A message beside a field, wrapped under its mark: nothing is cut.
    let wrapped = |text: &str, style| -> Vec<Line<'static>> {
        crate::tui::text_fit::wrap(&theme.text(text), w.saturating_sub(4))
            .into_iter()
            .enumerate()
            .map(|(i, part)| {
                let lead = if i == 0 {
                    format!("  {} ", g.error)
                } else {
                    "    ".into()
                };
                Line::from(Span::styled(format!("{lead}{part}"), style))
            })
            .collect()
    };
    let err_line = |field: Field| -> Vec<Line<'static>> {
        form.error(field)
            .map(|e| wrapped(e, theme.error()))
            .unwrap_or_default()
    };
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor: Option<(u16, u16)> = None;
    let text_field =
        |input: &Input, field: Field, lines: &mut Vec<Line>, cursor: &mut Option<(u16, u16)>| {
            let fw = w.saturating_sub(2);
            let scroll = input.visual_scroll(fw.saturating_sub(1));
            let shown: String = input.value().chars().skip(scroll).collect();
            let shown = theme.fit(&shown, fw);
            let pad = fw.saturating_sub(unicode_width::UnicodeWidthStr::width(shown.as_str()));
            lines.push(Line::from(vec![
                Span::raw("["),
                Span::styled(format!("{shown}{}", "_".repeat(pad)), style_for(field)),
                Span::raw("]"),
            ]));
            if form.focus == field && app.mode() == Mode::FormText {
                let x = 1 + input.visual_cursor().saturating_sub(scroll);
                *cursor = Some((x.min(fw) as u16, (lines.len() - 1) as u16));
            }
        };

    // Which line each field is on, to keep the focused one in view when the panel is short.
    let mut at: Vec<(Field, usize)> = Vec::new();
    lines.push(Line::from(Span::styled("Description", theme.header())));
    at.push((Field::Description, lines.len()));
    text_field(
        &form.description,
        Field::Description,
        &mut lines,
        &mut cursor,
    );
    lines.extend(err_line(Field::Description));

    lines.push(Line::from(Span::styled("Expiration date", theme.header())));
    at.push((Field::Expiration, lines.len()));
    text_field(&form.expiration, Field::Expiration, &mut lines, &mut cursor);
    match (form.error(Field::Expiration), form.expiry_preview(app.now)) {
        (Some(_), _) => lines.extend(err_line(Field::Expiration)),
        (None, Ok(p)) => lines.push(Line::from(Span::styled(
            theme.fit(&format!("  {p}"), w),
            theme.ok(),
        ))),
        // Flagged as typed: a malformed or too-long expiry, before Generate.
        (None, Err(e)) => lines.extend(wrapped(&e, theme.error())),
    }
    // The field's help while it has focus: the formats, and the server's limits in days.
    if form.focus == Field::Expiration && !locked {
        for help in form.expiry_help() {
            for part in crate::tui::text_fit::wrap(&theme.text(&help), w.saturating_sub(2)) {
                lines.push(Line::from(Span::styled(format!("  {part}"), theme.dim())));
            }
        }
    }

    at.push((Field::ScopeKind, lines.len()));
    lines.push(Line::from(vec![
        Span::styled(format!("{:<LABEL$}", "Token scope"), theme.header()),
        Span::styled(
            format!(
                "{}  {}",
                radio(g, "User", !form.custom),
                radio(g, "Custom", form.custom)
            ),
            style_for(Field::ScopeKind),
        ),
    ]));
    // While the choice has focus, what Custom is called now (the title says it too).
    if form.focus == Field::ScopeKind && !locked {
        let text = theme
            .text("Custom is the new UI's Device Details token")
            .into_owned();
        for part in crate::tui::text_fit::wrap(&text, w.saturating_sub(2)) {
            lines.push(Line::from(Span::styled(format!("  {part}"), theme.dim())));
        }
    }

    let picker_value = |v: &Option<String>, placeholder: &str| match v.as_ref() {
        Some(s) => format!(
            "[ {} {}]",
            theme.fit(s, w.saturating_sub(LABEL + 6)),
            g.dropdown
        ),
        None => format!("[ {} {}]", theme.text(placeholder), g.dropdown),
    };
    at.push((Field::User, lines.len()));
    lines.push(Line::from(vec![
        Span::styled(format!("{:<LABEL$}", "User"), theme.header()),
        Span::styled(picker_value(&form.user, "choose…"), style_for(Field::User)),
    ]));
    lines.extend(err_line(Field::User));
    if form.custom {
        lines.push(Line::from(vec![
            // The old UI's words: "Permission Action Type", whose one value is Device.
            Span::styled("Permission action type", theme.header()),
            Span::raw("  Device"),
        ]));
        at.push((Field::Entity, lines.len()));
        lines.push(Line::from(vec![
            Span::styled(format!("{:<LABEL$}", "Target entity"), theme.header()),
            Span::styled(
                format!("{} {:<7} {}", g.prev, form.entity.label(), g.next),
                style_for(Field::Entity),
            ),
            Span::styled(format!(" {}/{}", g.left, g.right), theme.dim()),
        ]));
        at.push((Field::Project, lines.len()));
        lines.push(Line::from(vec![
            Span::styled(format!("{:<LABEL$}", "Project"), theme.header()),
            Span::styled(
                picker_value(&form.project, "choose…"),
                style_for(Field::Project),
            ),
        ]));
        lines.extend(err_line(Field::Project));
        if form.entity != EntityKind::Project {
            at.push((Field::Target, lines.len()));
            lines.push(Line::from(vec![
                Span::styled(format!("{:<LABEL$}", form.entity.label()), theme.header()),
                Span::styled(
                    picker_value(
                        &form.target_name.clone().or_else(|| form.target.clone()),
                        "choose…",
                    ),
                    style_for(Field::Target),
                ),
            ]));
            lines.extend(err_line(Field::Target));
        }
        lines.push(Line::from(Span::styled("Permission type", theme.header())));
        let mut perm = vec![Span::raw("  ")];
        for (i, a) in Action::ALL.iter().enumerate() {
            let text = format!(
                "{} {}",
                if form.perms.has(*a) {
                    g.check_on
                } else {
                    g.check_off
                },
                a.label()
            );
            let st = if form.focus == Field::Perms && form.perm_cursor == i && !locked {
                theme.focus()
            } else {
                theme.base()
            };
            perm.push(Span::styled(text, st));
            perm.push(Span::raw("  "));
        }
        at.push((Field::Perms, lines.len()));
        lines.push(Line::from(perm));
        lines.extend(err_line(Field::Perms));
        at.push((Field::Add, lines.len()));
        lines.push(Line::from(vec![
            Span::raw(" ".repeat(LABEL)),
            Span::styled("[ Add ]", style_for(Field::Add)),
        ]));
        let n = form.scope.grants().count();
        lines.push(Line::from(Span::styled(
            format!("Permissions ({n})"),
            theme.header(),
        )));
        if n > 0 {
            rows::lines(form, theme, w, locked, &mut at, &mut lines);
        }
        lines.extend(err_line(Field::Rows));
    }
    // The Custom form is long: its buttons follow the rows without a blank line.
    if !form.custom {
        lines.push(Line::from(""));
    }
    at.push((Field::Generate, lines.len()));
    at.push((Field::Cancel, lines.len()));
    lines.push(Line::from(vec![
        Span::raw("   "),
        Span::styled("[ Generate ]", style_for(Field::Generate)),
        Span::raw("  "),
        Span::styled("[ Cancel ]", style_for(Field::Cancel)),
    ]));
    lines.extend(err_line(Field::Generate));
    if locked {
        lines.push(Line::from(Span::styled(
            theme
                .text(&format!("{} creating token… Esc cancels", spinner(app)))
                .into_owned(),
            theme.warn(),
        )));
    }
    // Keep the focused line visible when the panel is short.
    let focus_line = at
        .iter()
        .find(|(f, _)| *f == form.focus)
        .map_or(0, |(_, l)| {
            l + usize::from(form.error(form.focus).is_some())
        });
    let h = usize::from(inner.height);
    let scroll = if lines.len() > h && focus_line >= h {
        focus_line + 1 - h
    } else if lines.len() > h
        && matches!(
            form.focus,
            Field::Generate | Field::Cancel | Field::Rows | Field::Add
        )
    {
        lines.len() - h
    } else {
        0
    };
    f.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), inner);
    if let (Some((x, y)), false) = (cursor, form.discarding) {
        let y = y as usize;
        if y >= scroll && y - scroll < h {
            f.set_cursor_position(Position::new(inner.x + x, inner.y + (y - scroll) as u16));
        }
    }
}

/// Esc on a form with input: "Discard the new token?" over the panel, answered with y or n.
pub fn discard_question(f: &mut Frame, theme: &Theme, area: Rect) {
    let r = super::popup(f, super::centered(area, 40, 6));
    let inner = super::framed(
        f,
        r,
        Span::styled(" Discard the new token? ", theme.warn()),
        theme,
    );
    let w = usize::from(inner.width);
    let lines = vec![
        Line::from(theme.fit("What you typed and chose is lost.", w)),
        Line::from(""),
        Line::from(Span::styled(
            theme.fit(&theme.text("y discard · n/Esc keep editing"), w),
            theme.header(),
        )),
    ];
    f.render_widget(Paragraph::new(lines), inner);
}
