//! The searchable picker popup: a search line and the window of items around the selection.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::app::App;
use super::super::app::picker::Picker;
use super::super::theme::Theme;
use super::{centered, framed, popup, spinner};

pub fn draw(f: &mut Frame, p: &Picker, app: &App, theme: &Theme, area: Rect) {
    let r = popup(f, centered(area, 56, 18));
    let inner = framed(
        f,
        r,
        Span::styled(
            theme.text(&format!(" {} ", p.title())).into_owned(),
            theme.title(),
        ),
        theme,
    );
    if inner.height < 3 {
        return;
    }
    let w = usize::from(inner.width);
    let scroll = p.search.visual_scroll(w.saturating_sub(10));
    let shown: String = p.search.value().chars().skip(scroll).collect();
    let search = Line::from(vec![
        Span::styled("Search: ", theme.header()),
        Span::raw(theme.fit(&shown, w.saturating_sub(9))),
    ]);
    f.render_widget(Paragraph::new(search), Rect { height: 1, ..inner });
    let cx = inner.x + 8 + (p.search.visual_cursor().saturating_sub(scroll)) as u16;
    f.set_cursor_position(Position::new(cx.min(inner.x + inner.width - 1), inner.y));

    let list_h = usize::from(inner.height.saturating_sub(2));
    let offset = p.selected.saturating_sub(list_h.saturating_sub(1));
    let mut lines: Vec<Line> = p
        .items
        .iter()
        .enumerate()
        .skip(offset)
        .take(list_h)
        .map(|(i, item)| {
            let text = theme.fit(&format!(" {}", item.label), w);
            if i == p.selected {
                Line::from(Span::styled(format!("{text:<w$}"), theme.selected()))
            } else {
                Line::from(text)
            }
        })
        .collect();
    let foot = if p.loading.is_some() || p.debounce.is_some() {
        theme
            .text(&format!("{} loading…", spinner(app)))
            .into_owned()
    } else if let Some(e) = &p.error {
        format!("{} {e}", theme.glyphs.error)
    } else if p.items.is_empty() {
        "nothing found".into()
    } else if p.next.is_some() {
        format!("{} shown{}more below", p.items.len(), theme.glyphs.sep)
    } else {
        format!("{} found", p.items.len())
    };
    while lines.len() < list_h {
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        theme.fit(&foot, w),
        if p.error.is_some() {
            theme.error()
        } else {
            theme.dim()
        },
    )));
    f.render_widget(
        Paragraph::new(lines),
        Rect {
            y: inner.y + 1,
            height: inner.height - 1,
            ..inner
        },
    );
}
