//! The export prompt: where the CSV goes, and whether to replace a file that is there.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::app::App;
use super::super::app::export::{ExportPrompt, ExportStep};
use super::super::theme::Theme;
use super::{centered, framed, popup, spinner};

fn button<'a>(label: &'a str, focused: bool, theme: &Theme) -> Span<'a> {
    if focused {
        Span::styled(format!("[ {label} ]"), theme.focus())
    } else {
        Span::raw(format!("  {label}  "))
    }
}

pub fn draw(f: &mut Frame, app: &App, p: &ExportPrompt, theme: &Theme, area: Rect) {
    let r = popup(f, centered(area, 66, 8));
    let inner = framed(f, r, Span::styled(" Export CSV ", theme.title()), theme);
    let w = usize::from(inner.width);
    let noun = if p.rows == 1 { "row" } else { "rows" };
    let path = p.path.value();
    let mut lines = vec![
        Line::from(theme.fit(
            &format!(
                "{} {noun} as shown (filter and sort applied), no secrets, to:",
                p.rows
            ),
            w,
        )),
        Line::from(vec![
            Span::raw("> "),
            Span::styled(theme.fit(path, w.saturating_sub(2)), theme.header()),
        ]),
        Line::from(""),
    ];
    match &p.step {
        ExportStep::Typing => lines.push(Line::from(Span::styled(
            theme
                .text(&format!(
                    "{} write {} Esc cancel",
                    theme.glyphs.enter, theme.glyphs.dash
                ))
                .into_owned(),
            theme.dim(),
        ))),
        ExportStep::Overwrite { yes } => {
            lines.push(Line::from(Span::styled(
                "That file exists. Replace it?",
                theme.warn(),
            )));
            lines.push(Line::from(vec![
                button("Cancel", !yes, theme),
                Span::raw("   "),
                button("Overwrite", *yes, theme),
            ]));
        }
        ExportStep::Writing(_) => lines.push(Line::from(Span::styled(
            theme
                .text(&format!("{} writing…", spinner(app)))
                .into_owned(),
            theme.warn(),
        ))),
    }
    f.render_widget(Paragraph::new(lines), inner);
    if p.typing() {
        let x = inner.x + 2 + p.path.visual_cursor() as u16;
        let y = inner.y + 1;
        if x < inner.x + inner.width {
            f.set_cursor_position(Position::new(x, y));
        }
    }
}
