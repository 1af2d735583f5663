//! The last message in full (`m`): wrapped between words, nothing cut.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::super::app::messages::MessageView;
use super::super::theme::Theme;
use super::{centered, framed, popup};

pub fn draw(f: &mut Frame, m: &MessageView, theme: &Theme, area: Rect) {
    let g = theme.glyphs;
    let mark = if m.error { g.error } else { g.ok };
    let text = theme.text(&format!("{mark} {}", m.text)).into_owned();
    let w = area.width.saturating_sub(4).min(76);
    let lines = crate::tui::text_fit::wrap(&text, usize::from(w.saturating_sub(2)));
    let h = (lines.len() as u16 + 4).min(area.height);
    let r = popup(f, centered(area, w, h));
    let inner = framed(
        f,
        r,
        Span::styled(" Message (Esc closes) ", theme.title()),
        theme,
    );
    let style = if m.error { theme.error() } else { theme.ok() };
    let body: Vec<Line> = lines
        .into_iter()
        .map(|l| Line::from(Span::styled(l, style)))
        .collect();
    f.render_widget(Paragraph::new(body).wrap(Wrap { trim: false }), inner);
}
