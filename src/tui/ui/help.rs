//! `?`: every key of the active keymap, mode by mode (generated from the keymap), the filter
//! words and the sort order. As wide as its text needs (up to the screen); narrower, the
//! descriptions wrap, and the frame says which lines are shown and how to scroll: nothing is cut.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::super::app::App;
use super::super::app::tokens::Column;
use super::super::keymap::{Action, Mode};
use super::super::text_fit::wrap;
use super::super::theme::Theme;
use super::{centered, framed, popup};

/// One entry of the help: a heading, or keys and what they do.
type Entry = (Option<String>, String, String);

pub fn lines(app: &App) -> Vec<Entry> {
    let mut out = Vec::new();
    for mode in Mode::ALL {
        out.push((Some(mode.title().to_owned()), String::new(), String::new()));
        for (keys, desc) in app.keymap.help(mode) {
            out.push((None, keys, desc.to_owned()));
        }
    }
    out.push((
        Some("Filter words (with free text; all must match)".into()),
        String::new(),
        String::new(),
    ));
    for (word, desc) in crate::model::filter_query::KEYS {
        out.push((None, (*word).to_owned(), (*desc).to_owned()));
    }
    // The order `s` goes through, the present one named: cycling is never blind.
    let key = |a| {
        app.keymap
            .key_for(Mode::Table, a)
            .map_or_else(String::new, |k| k.label())
    };
    let order: Vec<&str> = Column::ALL.iter().map(|c| c.title()).collect();
    out.push((Some("Sort order".into()), String::new(), String::new()));
    out.push((
        None,
        key(Action::SortNext),
        format!("next: {}", order.join(" → ")),
    ));
    out.push((None, key(Action::SortReverse), "reverse".into()));
    out.push((
        None,
        String::new(),
        format!(
            "now: {}",
            super::token_table::sort_label(app, app.theme.glyphs).trim_start_matches("sort: ")
        ),
    ));
    out
}

/// Columns before a description: indent, keys, gap.
const INDENT: usize = 2;
const GAP: usize = 2;
/// The keys column never takes more than this; longer keys get a line of their own.
const KEYS_MAX: usize = 24;

/// The help's lines for an inner width `inner_w` (wrapped) and the width it would need unwrapped.
fn layout(entries: &[Entry], theme: &Theme, inner_w: usize) -> (Vec<Line<'static>>, usize) {
    let kw = entries
        .iter()
        .map(|(_, k, _)| theme.text(k).width())
        .filter(|w| *w <= KEYS_MAX)
        .max()
        .unwrap_or(0);
    let lead = INDENT + kw + GAP;
    let mut natural = 0;
    let mut out = Vec::new();
    for (title, keys, desc) in entries {
        if let Some(t) = title {
            let t = theme.text(t).into_owned();
            natural = natural.max(t.width());
            for l in wrap(&t, inner_w) {
                out.push(Line::from(Span::styled(l, theme.header())));
            }
            continue;
        }
        let keys = theme.text(keys).into_owned();
        let desc = theme.text(desc).into_owned();
        natural = natural.max(lead + desc.width()).max(INDENT + keys.width());
        // Room for the description beside the keys; too little, it goes under them.
        let (beside, room) = if keys.width() <= kw && inner_w >= lead + 12 {
            (true, inner_w - lead)
        } else {
            (false, inner_w.saturating_sub(INDENT * 2).max(1))
        };
        if !beside {
            for l in wrap(&keys, inner_w.saturating_sub(INDENT).max(1)) {
                out.push(Line::from(Span::styled(
                    format!("{:INDENT$}{l}", ""),
                    theme.title(),
                )));
            }
        }
        for (i, l) in wrap(&desc, room).into_iter().enumerate() {
            if beside && i == 0 {
                out.push(Line::from(vec![
                    Span::styled(
                        format!("{:INDENT$}{keys:<kw$}{:GAP$}", "", ""),
                        theme.title(),
                    ),
                    Span::raw(l),
                ]));
            } else {
                let pad = if beside { lead } else { INDENT * 2 };
                out.push(Line::from(Span::raw(format!("{:pad$}{l}", ""))));
            }
        }
    }
    (out, natural)
}

pub fn draw(f: &mut Frame, app: &App, scroll: usize, theme: &Theme, area: Rect) {
    let entries = lines(app);
    let (_, natural) = layout(&entries, theme, usize::MAX / 4);
    let w = u16::try_from(natural + 2)
        .unwrap_or(u16::MAX)
        .min(area.width);
    let (text, _) = layout(&entries, theme, usize::from(w.saturating_sub(2)));
    let h = u16::try_from(text.len() + 2)
        .unwrap_or(u16::MAX)
        .min(area.height.saturating_sub(2));
    let r = popup(f, centered(area, w, h));
    let inner = framed(
        f,
        r,
        Span::styled(" Keys (Esc closes) ", theme.title()),
        theme,
    );
    let shown = usize::from(inner.height);
    let max_scroll = text.len().saturating_sub(shown);
    let top = scroll.min(max_scroll);
    if max_scroll > 0 {
        // Where the view is, and the keys that move it, on the bottom border.
        let key = |a| {
            app.keymap
                .key_for(Mode::Help, a)
                .map_or_else(String::new, |k| theme.text(&k.label()).into_owned())
        };
        let g = theme.glyphs;
        let label = format!(
            " {}-{} of {} {} {}/{} scroll ",
            top + 1,
            (top + shown).min(text.len()),
            text.len(),
            g.sep.trim(),
            key(Action::Down),
            key(Action::Up),
        );
        let lw = u16::try_from(label.width()).unwrap_or(u16::MAX);
        if lw + 2 <= r.width {
            let at = Rect {
                x: r.x + r.width - lw - 1,
                y: r.y + r.height - 1,
                width: lw,
                height: 1,
            };
            f.render_widget(Paragraph::new(Span::styled(label, theme.dim())), at);
        }
    }
    let visible: Vec<Line> = text.into_iter().skip(top).take(shown).collect();
    f.render_widget(Paragraph::new(visible), inner);
}
