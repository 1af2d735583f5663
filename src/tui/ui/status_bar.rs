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
use super::spinner;

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
        Overlay::Rotate(d) if d.running() => return Some(format!("{s} rotating…")),
        Overlay::Export(p)
            if !p.typing()
                && matches!(p.step, super::super::app::export::ExportStep::Writing(_)) =>
        {
            return Some(format!("{s} writing CSV…"));
        }
        Overlay::Details(d) if d.load.is_loading() => return Some(format!("{s} loading details…")),
        _ => {}
    }
    if app.rotation.as_ref().is_some_and(|r| r.revoke.is_some()) {
        return Some(format!("{s} revoking the old token…"));
    }
    if let Load::Loading(_) = app.table.list {
        return Some(format!("{s} loading tokens…"));
    }
    if app.table.refreshing.is_some() {
        return Some(format!("{s} refreshing…"));
    }
    None
}

/// The hint line: the mode's keys, and "Esc clear filter" in the table while a filter is on.
pub fn hints(app: &App) -> String {
    let parts: Vec<String> = hint_parts(app).into_iter().map(|(_, h)| h).collect();
    parts.join(" · ")
}

/// The hints one by one with their action, in the order they are shown.
pub fn hint_parts(app: &App) -> Vec<(Action, String)> {
    let mode = app.mode();
    let mut hidden: Vec<Action> = Vec::new();
    if app.cfg.readonly {
        hidden.extend([Action::New, Action::Revoke, Action::Mark, Action::Generate]);
    }
    if !app.cfg.mask_secret {
        // Reveal only means something for a masked secret.
        hidden.push(Action::Reveal);
    }
    let mut parts = app.keymap.hint_parts(mode, &hidden);
    if mode == Mode::Table
        && !app.table.rows.filter().is_empty()
        && let Some(k) = app.keymap.key_for(Mode::Table, Action::Back)
    {
        parts.insert(0, (Action::Back, format!("{} clear filter", k.label())));
    }
    parts
}

/// Which hints stay longest when the line is short: help, then quit, then the way back;
/// the rest in the order shown.
fn keep_rank(action: Action, pos: usize) -> usize {
    match action {
        Action::Help => 0,
        Action::Quit => 1,
        Action::Back => 2,
        _ => 3 + pos,
    }
}

/// The hints that fit in `width` columns, whole, joined by `sep`: the lowest-ranked are dropped
/// until the rest fits, so no hint is ever cut.
pub fn fit_hints(parts: &[String], actions: &[Action], width: usize, sep: &str) -> String {
    let mut keep: Vec<usize> = (0..parts.len()).collect();
    let line_w = |keep: &[usize]| {
        keep.iter().map(|&i| parts[i].width()).sum::<usize>()
            + sep.width() * keep.len().saturating_sub(1)
    };
    while !keep.is_empty() && line_w(&keep) > width {
        if let Some(at) = keep
            .iter()
            .enumerate()
            .max_by_key(|(_, i)| keep_rank(actions[**i], **i))
            .map(|(at, _)| at)
        {
            keep.remove(at);
        }
    }
    let kept: Vec<&str> = keep.iter().map(|&i| parts[i].as_str()).collect();
    kept.join(sep)
}

pub fn draw(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let g = theme.glyphs;
    let right = activity(app)
        .map(|r| theme.text(&r).into_owned())
        .unwrap_or_default();
    let rw = right.width() as u16;
    let left_w = usize::from(area.width.saturating_sub(rw + 2));
    let left = match &app.status {
        Some(s) if s.error => Span::styled(
            theme.fit(&format!(" {} {}", g.error, s.text), left_w),
            theme.error(),
        ),
        Some(s) => Span::styled(
            theme.fit(&format!(" {} {}", g.ok, s.text), left_w),
            theme.ok(),
        ),
        None => {
            let (actions, parts): (Vec<Action>, Vec<String>) = hint_parts(app)
                .into_iter()
                .map(|(a, h)| (a, theme.text(&h).into_owned()))
                .unzip();
            let line = fit_hints(&parts, &actions, left_w.saturating_sub(1), g.sep);
            Span::styled(format!(" {line}"), theme.dim())
        }
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
