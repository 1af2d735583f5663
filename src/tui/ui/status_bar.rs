//! The bottom line: a message while it lasts, else the hint line of the mode (generated from the
//! keymap); on the right what is running.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::super::app::{App, Load, Overlay};
use super::super::keymap::{Action, Mode};
use super::super::theme::Theme;
use super::{fit, spinner};

/// What runs now, for the right side.
fn activity(app: &App) -> Option<String> {
    let s = spinner(app);
    if let Some(f) = &app.form {
        if f.submitting.is_some() {
            return Some(format!("{s} creating token…"));
        }
        if f.picker.as_ref().is_some_and(|p| p.loading.is_some()) {
            return Some(format!("{s} searching…"));
        }
    }
    match &app.overlay {
        Overlay::Confirm(c) if c.running() => return Some(format!("{s} revoking…")),
        Overlay::Details(d) if d.load.is_loading() => return Some(format!("{s} loading details…")),
        _ => {}
    }
    if let Load::Loading(_) = app.list {
        return Some(format!("{s} loading tokens…"));
    }
    if app.refreshing.is_some() {
        return Some(format!("{s} refreshing…"));
    }
    None
}

/// The hint line: the mode's keys, and "Esc clear filter" in the table while a filter is on.
pub fn hints(app: &App) -> String {
    let mode = app.mode();
    let mut hidden: Vec<Action> = Vec::new();
    if app.cfg.readonly {
        hidden.extend([Action::New, Action::Revoke, Action::Mark, Action::Generate]);
    }
    if !app.cfg.mask_secret {
        // Reveal only means something for a masked secret.
        hidden.push(Action::Reveal);
    }
    let h = app.keymap.hints_except(mode, &hidden);
    // First, so a narrow terminal cuts something else.
    if mode == Mode::Table
        && !app.rows.filter().is_empty()
        && let Some(k) = app.keymap.key_for(Mode::Table, Action::Back)
    {
        return format!("{} clear filter · {h}", k.label());
    }
    h
}

pub fn draw(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let right = activity(app).unwrap_or_default();
    let rw = right.width() as u16;
    let left_w = usize::from(area.width.saturating_sub(rw + 2));
    let left = match &app.status {
        Some(s) if s.error => Span::styled(fit(&format!(" ✕ {}", s.text), left_w), theme.error()),
        Some(s) => Span::styled(fit(&format!(" ✓ {}", s.text), left_w), theme.ok()),
        None => Span::styled(fit(&format!(" {}", hints(app)), left_w), theme.dim()),
    };
    f.render_widget(Paragraph::new(Line::from(left)), area);
    if rw > 0 && rw + 1 < area.width {
        let r = Rect {
            x: area.x + area.width - rw - 1,
            width: rw + 1,
            ..area
        };
        f.render_widget(Paragraph::new(Span::styled(right, theme.warn())), r);
    }
}
