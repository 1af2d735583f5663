//! Pure rendering: the model in, a frame out; where things go comes from `tui::layout`. Each part
//! has its own file.

pub mod confirm_dialog;
pub mod create_panel;
pub mod help;
pub mod picker;
pub mod secret_view;
pub mod status_bar;
pub mod token_table;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::app::{App, Load, Overlay};
use super::layout::{self, Regions};
use super::theme::Theme;

pub const MIN_W: u16 = 60;
pub const MIN_H: u16 = 16;
pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn spinner(app: &App) -> &'static str {
    SPINNER[app.spinner % SPINNER.len()]
}

/// The screen's regions for `area` in the model's present shape.
pub fn regions(app: &App, area: Rect) -> Regions {
    layout::regions(area, app.shape())
}

/// Cuts `s` to `width` display columns, ending with "…" when cut. Wide characters never split.
pub fn fit(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// A centred rectangle of at most `w`×`h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    let theme = Theme {
        mono: app.cfg.mono,
        ..app.theme
    };
    if area.width < MIN_W || area.height < MIN_H {
        let text = format!(
            "enlarge the terminal: tokentab needs {MIN_W}×{MIN_H}, this one is {}×{}",
            area.width, area.height
        );
        f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let r = regions(app, area);
    header(f, app, &theme, r.header);
    if let (Some(b), Load::Failed(msg)) = (r.banner, &app.list) {
        let r_key = app
            .keymap
            .key_for(super::keymap::Mode::Table, super::keymap::Action::Refresh)
            .map_or_else(|| "r".into(), |k| k.label());
        let (lead, retry) = (
            " ✕ cannot load tokens: ",
            format!(" — press {r_key} to retry"),
        );
        // The message gives way so "press r to retry" always shows.
        let room = usize::from(b.width).saturating_sub(lead.width() + retry.width());
        let line = Line::from(vec![
            Span::styled(lead, theme.error()),
            Span::styled(fit(msg, room), theme.error()),
            Span::styled(retry, theme.base()),
        ]);
        f.render_widget(Paragraph::new(line), b);
    }
    token_table::draw(f, app, &theme, r.table);
    if let (Some(p), Some(form)) = (r.panel, app.form.as_ref()) {
        create_panel::draw(f, app, form, &theme, p);
        if let Some(pk) = form.picker.as_ref() {
            picker::draw(f, pk, app, &theme, area);
        }
    }
    status_bar::draw(f, app, &theme, r.status);
    match &app.overlay {
        Overlay::None => {}
        Overlay::Menu(sel) => confirm_dialog::draw_menu(f, app, *sel, &theme, r.table),
        Overlay::Confirm(c) => confirm_dialog::draw(f, app, c, &theme, area),
        Overlay::Details(d) => confirm_dialog::draw_details(f, app, d, &theme, area),
        Overlay::Help(scroll) => help::draw(f, app, *scroll, &theme, area),
        Overlay::Secret(v) => secret_view::draw(f, app, v, &theme, area),
    }
}

fn header(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    use crate::model::sanitize::clean;
    use ratatui::style::{Modifier, Style};
    let banner = theme.banner();
    // On a banner colour every part takes the banner's colours (readable on any background).
    let st = |s: Style| banner.map_or(s, |b| b.add_modifier(s.add_modifier));
    let kind = if app.cfg.embedded {
        "embedded"
    } else {
        "remote"
    };
    let who = match &app.me {
        Load::Loaded(name) => name.clone(),
        Load::Loading(_) | Load::Idle => "…".into(),
        Load::Failed(_) => "unknown user".into(),
    };
    let c = &app.rows.counts;
    let mut tail = vec![Span::styled(format!(" · {who}"), st(theme.base()))];
    // Counts stay while rows are shown, also after a failed refresh.
    if matches!(app.list, Load::Loaded(_)) || c.total > 0 {
        let noun = if c.total == 1 { "token" } else { "tokens" };
        tail.push(Span::styled(
            format!(" · {} {noun}", c.total),
            st(theme.base()),
        ));
        tail.push(Span::styled(
            format!(" · {} expiring", c.expiring),
            st(theme.warn()),
        ));
        tail.push(Span::styled(
            format!(" · {} expired", c.expired),
            st(theme.error()),
        ));
    }
    if app.cfg.readonly {
        tail.push(Span::styled(" ", st(theme.base())));
        tail.push(Span::styled(
            " READ-ONLY ",
            st(theme.warn()).add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ));
    }
    let help = app
        .keymap
        .key_for(super::keymap::Mode::Table, super::keymap::Action::Help)
        .map(|k| format!("{} help ", k.label()))
        .unwrap_or_default();
    // The profile stays whole (it says which server this is); the server label gives way
    // first, then the help hint.
    let profile = app
        .cfg
        .profile
        .as_deref()
        .map(|p| format!(" [{}]", fit(&clean(p), 24)))
        .unwrap_or_default();
    let tail_w: usize = tail.iter().map(|s| s.width()).sum();
    let server = format!(" · {} ({kind})", clean(&app.cfg.server_label));
    let room = usize::from(area.width).saturating_sub(9 + profile.width() + tail_w);
    let show_help = room > server.width() + help.width();
    let mut left = vec![
        Span::styled(" tokentab", st(theme.title())),
        Span::styled(profile, st(theme.title())),
        Span::styled(fit(&server, room), st(theme.base())),
    ];
    left.extend(tail);
    let mut line = Paragraph::new(Line::from(left));
    if let Some(b) = banner {
        line = line.style(b);
    }
    f.render_widget(line, area);
    if show_help {
        let w = help.width() as u16;
        let r = Rect {
            x: area.x + area.width - w,
            width: w,
            ..area
        };
        f.render_widget(Paragraph::new(Span::styled(help, st(theme.dim()))), r);
    }
}

/// Clears a popup's area and returns it.
pub fn popup(f: &mut Frame, area: Rect) -> Rect {
    f.render_widget(Clear, area);
    area
}
