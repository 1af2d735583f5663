//! The server list (`P`): one line per configured server with its kind, URL and read-only flag,
//! the current one marked; and the question that comes first when the open form has input.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::super::app::{App, ServerPicker, Stage};
use super::super::keymap::{Action, Mode};
use super::super::theme::Theme;
use super::{centered, framed, popup, spinner};

pub fn draw(f: &mut Frame, app: &App, p: &ServerPicker, theme: &Theme, area: Rect) {
    match &p.stage {
        Stage::Discard { on_discard } => discard(f, *on_discard, theme, area),
        Stage::Choose | Stage::Connecting { .. } => list(f, app, p, theme, area),
    }
}

fn button(label: &str, focused: bool, theme: &Theme) -> Span<'static> {
    if focused {
        Span::styled(format!("[ {label} ]"), theme.focus())
    } else {
        Span::raw(format!("  {label}  "))
    }
}

fn discard(f: &mut Frame, on_discard: bool, theme: &Theme, area: Rect) {
    let r = popup(f, centered(area, 56, 8));
    let inner = framed(
        f,
        r,
        Span::styled(" Discard the new token? ", theme.warn()),
        theme,
    );
    let lines = vec![
        Line::from("The form has input. Switching servers closes it"),
        Line::from("and what you typed is lost."),
        Line::from(""),
        Line::from(vec![
            button("Cancel", !on_discard, theme),
            Span::raw("   "),
            button("Discard and switch", on_discard, theme),
        ]),
    ];
    f.render_widget(Paragraph::new(lines), inner);
}

fn list(f: &mut Frame, app: &App, p: &ServerPicker, theme: &Theme, area: Rect) {
    let g = theme.glyphs;
    let n = app.servers.entries.len() as u16;
    let r = popup(f, centered(area, 72, n.min(12) + 4));
    let inner = framed(f, r, Span::styled(" Switch server ", theme.title()), theme);
    if inner.height < 3 {
        return;
    }
    let w = usize::from(inner.width);
    let name_w = app
        .servers
        .entries
        .iter()
        .map(|s| s.name.width())
        .max()
        .unwrap_or(0)
        .clamp(8, 20);
    let kind_w = 9;
    let list_h = usize::from(inner.height.saturating_sub(2));
    let offset = p.selected.saturating_sub(list_h.saturating_sub(1));
    let mut lines: Vec<Line> = Vec::new();
    for (i, s) in app
        .servers
        .entries
        .iter()
        .enumerate()
        .skip(offset)
        .take(list_h)
    {
        let current = app.servers.current.as_deref() == Some(s.key.as_str());
        let mark = if current { g.radio_on } else { g.radio_off };
        let flag = match (&s.problem, s.readonly) {
            (Some(_), _) => format!("{} broken", g.error),
            (None, true) => "read-only".to_string(),
            (None, false) => String::new(),
        };
        let lead = format!(
            " {mark} {:<name_w$} {:<kind_w$} ",
            theme.fit(&s.name, name_w),
            theme.fit(&s.kind, kind_w)
        );
        let url_w = w.saturating_sub(lead.width() + flag.width() + 1);
        let url = super::super::text_fit::fit_middle(&s.url, url_w, g.ellipsis);
        let text = format!("{lead}{url:<url_w$} {flag}");
        let text = format!("{:<w$}", theme.fit(&text, w));
        let style = if i == p.selected {
            theme.selected()
        } else if s.problem.is_some() {
            theme.dim()
        } else {
            theme.base()
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    while lines.len() < list_h {
        lines.push(Line::from(""));
    }
    lines.push(Line::from(""));
    let key = |a: Action, fallback: &str| {
        app.keymap
            .key_for(Mode::Picker, a)
            .map_or_else(|| fallback.to_string(), |k| k.label())
    };
    let foot = match &p.stage {
        Stage::Connecting { .. } => format!(
            " {} connecting{} {} cancels",
            spinner(app),
            g.ellipsis,
            key(Action::Back, "Esc")
        ),
        _ => format!(
            " {} connect{}{} close{}{mark} current",
            key(Action::Confirm, "Enter"),
            g.sep,
            key(Action::Back, "Esc"),
            g.sep,
            mark = g.radio_on
        ),
    };
    lines.push(Line::from(Span::styled(
        theme.fit(&theme.text(&foot), w),
        theme.dim(),
    )));
    f.render_widget(Paragraph::new(lines), inner);
}
