//! The bottom line: a message while it lasts, else the hint line of the mode (generated from the
//! keymap); on the right what is running.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::super::app::{App, Load, Overlay, signed_out};
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
        Overlay::Confirm(c) if c.running() && c.by_count => {
            return Some(format!("{s} {}", c.progress()));
        }
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

/// The "cannot load tokens" banner in three parts: lead, message (it gives way) and what
/// helps. `r` while the server may answer; while signed out (the tab's token was revoked, or a
/// 401) `r` cannot help, and the banner offers the server list instead (to switch, or to sign
/// in again on the same entry) or, without one, a restart with a valid token.
pub fn banner_parts(
    app: &App,
    msg: &str,
    r_key: &str,
    g: &crate::tui::glyphs::Glyphs,
) -> (String, String, String) {
    if !app.table.signed_out {
        return (
            format!(" {} cannot load tokens: ", g.error),
            msg.to_owned(),
            format!(" {} press {r_key} to retry", g.dash),
        );
    }
    let switch = app
        .keymap
        .key_for(Mode::Table, Action::SwitchServer)
        .filter(|_| !app.servers.entries.is_empty())
        .map(|k| k.label());
    (
        format!(" {} signed out: ", g.error),
        msg.to_owned(),
        format!(" {} {}", g.dash, signed_out::offer(switch.as_deref())),
    )
}

/// `s` in at most `width` columns, cut only between words and then ending with `ellipsis`
/// (a single word longer than the width is cut where it must).
pub fn fit_words(s: &str, width: usize, ellipsis: &str) -> String {
    if s.width() <= width {
        return s.to_owned();
    }
    let room = width.saturating_sub(ellipsis.width());
    let mut out = String::new();
    for word in s.split(' ') {
        let next = if out.is_empty() {
            word.width()
        } else {
            out.width() + 1 + word.width()
        };
        if next > room {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        return crate::tui::text_fit::fit_with(s, width, ellipsis);
    }
    let out = out.trim_end_matches([':', ',', ';']).to_owned();
    format!("{out}{ellipsis}")
}

/// A message in `width` columns on at most two lines (`two`: the line above the status bar may
/// be used): whole when it fits, else wrapped between words, and what still does not fit ends
/// with the key that shows it all ("… m: all"). Never cut inside a word.
pub fn message_lines(
    app: &App,
    text: &str,
    width: usize,
    two: bool,
    g: &crate::tui::glyphs::Glyphs,
) -> (Option<String>, String) {
    if text.width() <= width {
        return (None, text.to_owned());
    }
    let marker = app
        .keymap
        .key_for(app.mode(), Action::Messages)
        .map(|k| format!(" {}: all", k.label()))
        .unwrap_or_default();
    let last = |rest: &str| {
        if rest.width() <= width {
            rest.to_owned()
        } else {
            let cut = fit_words(rest, width.saturating_sub(marker.width()), g.ellipsis);
            format!("{cut}{marker}")
        }
    };
    if !two {
        return (None, last(text));
    }
    let lines = crate::tui::text_fit::wrap(text, width);
    let rest = lines[1..].join(" ");
    (Some(lines[0].clone()), last(&rest))
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
    if mode == Mode::Table {
        // What `s` sorts by next, so cycling (through hidden columns too) is never blind.
        let next = app.table.rows.sort.next().title().to_lowercase();
        for (action, hint) in parts.iter_mut() {
            if *action == Action::SortNext {
                hint.push_str(&format!(": {next}"));
            }
        }
    }
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
        Some(s) => {
            let style = if s.error { theme.error() } else { theme.ok() };
            let mark = if s.error { g.error } else { g.ok };
            let full = theme.text(&format!("{mark} {}", s.text)).into_owned();
            let (above, line) = message_lines(app, &full, left_w.saturating_sub(1), area.y > 0, g);
            if let Some(above) = above {
                let r = Rect {
                    y: area.y - 1,
                    height: 1,
                    ..area
                };
                f.render_widget(ratatui::widgets::Clear, r);
                f.render_widget(Paragraph::new(Span::styled(format!(" {above}"), style)), r);
            }
            Span::styled(format!(" {line}"), style)
        }
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
