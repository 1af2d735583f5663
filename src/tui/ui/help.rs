//! `?`: every key of the active keymap, mode by mode (generated from the keymap).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::app::App;
use super::super::keymap::Mode;
use super::super::theme::Theme;
use super::{centered, framed, popup};

pub fn lines(app: &App) -> Vec<(Option<&'static str>, String, &'static str)> {
    let mut out = Vec::new();
    for mode in Mode::ALL {
        out.push((Some(mode.title()), String::new(), ""));
        for (keys, desc) in app.keymap.help(mode) {
            out.push((None, keys, desc));
        }
    }
    out.push((
        Some("Filter words (with free text; all must match)"),
        String::new(),
        "",
    ));
    for (word, desc) in crate::model::filter_query::KEYS {
        out.push((None, (*word).to_owned(), desc));
    }
    out
}

pub fn draw(f: &mut Frame, app: &App, scroll: usize, theme: &Theme, area: Rect) {
    let r = popup(f, centered(area, 64, area.height.saturating_sub(2)));
    let inner = framed(
        f,
        r,
        Span::styled(" Keys (Esc closes) ", theme.title()),
        theme,
    );
    let all = lines(app);
    let max_scroll = all.len().saturating_sub(usize::from(inner.height));
    let text: Vec<Line> = all
        .into_iter()
        .skip(scroll.min(max_scroll))
        .map(|(title, keys, desc)| match title {
            Some(t) => Line::from(Span::styled(t, theme.header())),
            None => Line::from(vec![
                Span::styled(format!("  {:<22}", theme.text(&keys)), theme.title()),
                Span::raw(theme.text(desc).into_owned()),
            ]),
        })
        .collect();
    f.render_widget(Paragraph::new(text), inner);
}
