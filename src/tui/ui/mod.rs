//! Pure rendering: the model in, a frame out; where things go comes from `tui::layout`. Each part
//! has its own file.

pub mod audit_view;
pub mod confirm_dialog;
pub mod create_panel;
pub mod export_prompt;
pub mod help;
pub mod message_view;
pub mod picker;
pub mod profile_picker;
pub mod rotate_dialog;
pub mod scope_lines;
pub mod secret_view;
pub mod status_bar;
pub mod token_table;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use crate::model::counts::thousands;

use super::app::{App, Load, Overlay};
use super::layout::{self, Regions};
use super::text_fit::fit_middle;
use super::theme::Theme;

pub use super::layout::{MIN_H, MIN_W};

/// The spinner frame now, in the session's glyph set.
pub fn spinner(app: &App) -> &'static str {
    app.theme.glyphs.spin(app.spinner)
}

/// The screen's regions for `area` in the model's present shape.
pub fn regions(app: &App, area: Rect) -> Regions {
    layout::regions(area, app.shape())
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
    if layout::too_small(area.width, area.height) {
        let x = theme.glyphs.times;
        let text = format!(
            "enlarge the terminal: tokentab needs {MIN_W}{x}{MIN_H}, this one is {}{x}{}",
            area.width, area.height
        );
        f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let r = regions(app, area);
    header(f, app, &theme, r.header);
    if let (Some(b), Load::Failed(msg)) = (r.banner, &app.table.list) {
        let r_key = app
            .keymap
            .key_for(super::keymap::Mode::Table, super::keymap::Action::Refresh)
            .map_or_else(|| "r".into(), |k| k.label());
        let g = theme.glyphs;
        let (lead, msg, retry) = status_bar::banner_parts(app, msg, &r_key, g);
        let retry = theme.text(&retry).into_owned();
        // The message gives way (at a word) so what helps always shows.
        let room = usize::from(b.width).saturating_sub(lead.width() + retry.width());
        let line = Line::from(vec![
            Span::styled(lead, theme.error()),
            Span::styled(
                status_bar::fit_words(&theme.text(&msg), room, g.ellipsis),
                theme.error(),
            ),
            Span::styled(retry, theme.base()),
        ]);
        f.render_widget(Paragraph::new(line), b);
    }
    token_table::draw(f, app, &theme, r.table);
    if let (Some(p), Some(form)) = (r.panel, app.form.as_ref()) {
        create_panel::draw(f, app, form, &theme, p);
        if form.discarding {
            create_panel::discard_question(f, &theme, p);
        }
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
        Overlay::Switch(p) => profile_picker::draw(f, app, p, &theme, area),
        Overlay::Rotate(d) => rotate_dialog::draw(f, app, d, &theme, area),
        Overlay::Export(p) => export_prompt::draw(f, app, p, &theme, area),
        Overlay::Audit(v) => audit_view::draw(f, app, v, &theme, area),
        Overlay::Message(m) => message_view::draw(f, m, &theme, area),
    }
}

fn header(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    use crate::model::sanitize::clean;
    use ratatui::style::{Modifier, Style};
    let g = theme.glyphs;
    let sep = g.sep;
    let banner = theme.banner();
    // On a banner colour every part takes the banner's colours (readable on any background).
    let st = |s: Style| banner.map_or(s, |b| b.add_modifier(s.add_modifier));
    let kind = if app.cfg.embedded {
        "embedded"
    } else {
        "remote"
    };
    let who = match &app.table.me {
        Load::Loaded(name) => theme.text(name).into_owned(),
        Load::Loading(_) | Load::Idle => g.ellipsis.into(),
        Load::Failed(_) => "unknown user".into(),
    };
    let c = &app.table.rows.counts;
    let mut counts = Vec::new();
    // Counts stay while rows are shown, also after a failed refresh.
    if matches!(app.table.list, Load::Loaded(_)) || c.total > 0 {
        let noun = if c.total == 1 { "token" } else { "tokens" };
        let total = match app.table.load_progress() {
            Some((n, Some(est))) => {
                format!("loading {} of ~{}", thousands(n as u64), thousands(est))
            }
            Some((n, None)) => format!("loading {}{}", thousands(n as u64), g.ellipsis),
            None => format!("{} {noun}", c.total),
        };
        counts.push(Span::styled(format!("{sep}{total}"), st(theme.base())));
        counts.push(Span::styled(
            format!("{sep}{} expiring", c.expiring),
            st(theme.warn()),
        ));
        counts.push(Span::styled(
            format!("{sep}{} expired", c.expired),
            st(theme.error()),
        ));
        if c.disabled > 0 {
            counts.push(Span::styled(
                format!("{sep}{} disabled", c.disabled),
                st(theme.error()),
            ));
        }
        if app.table.mine_expiring > 0 {
            let key = app
                .keymap
                .key_for(
                    super::keymap::Mode::Table,
                    super::keymap::Action::MineExpiring,
                )
                .map(|k| format!(" ({})", theme.text(&k.label())))
                .unwrap_or_default();
            counts.push(Span::styled(
                format!("{sep}{} yours expiring{key}", app.table.mine_expiring),
                st(theme.warn()),
            ));
        }
    }
    let mut readonly = Vec::new();
    if app.cfg.readonly {
        readonly.push(Span::styled(" ", st(theme.base())));
        readonly.push(Span::styled(
            " READ-ONLY ",
            st(theme.warn()).add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ));
    }
    let help = app
        .keymap
        .key_for(super::keymap::Mode::Table, super::keymap::Action::Help)
        .map(|k| format!("{} help ", theme.text(&k.label())))
        .unwrap_or_default();
    let profile = app
        .cfg
        .profile
        .as_deref()
        .map(|p| format!(" [{}]", theme.fit(&clean(p), 24)))
        .unwrap_or_default();
    let url = theme.text(&clean(&app.cfg.server_label)).into_owned();
    let kind = format!(" ({kind})");
    let mut who = Some(who);
    let width = usize::from(area.width);
    let spans_w = |v: &[Span]| v.iter().map(Span::width).sum::<usize>();
    // Nothing is cut inside a word: the help hint goes first (the hint line has it too), then
    // the URL loses its middle, then the server and the user go whole. The profile and the
    // counts stay.
    let fixed = |who: &Option<String>| {
        9 + profile.width()
            + who.as_ref().map_or(0, |w| sep.width() + w.width())
            + spans_w(&counts)
            + spans_w(&readonly)
    };
    let full_server = sep.width() + url.width() + kind.width();
    let show_help = !help.is_empty() && fixed(&who) + full_server + 1 + help.width() <= width;
    let mut server = Some(format!("{sep}{url}{kind}"));
    if !show_help && fixed(&who) + full_server > width {
        let bare = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .unwrap_or(&url);
        let room = width.saturating_sub(fixed(&who) + sep.width());
        server = if room >= 10 + kind.width() {
            Some(format!(
                "{sep}{}{kind}",
                fit_middle(bare, room - kind.width(), g.ellipsis)
            ))
        } else if room >= 10 {
            Some(format!("{sep}{}", fit_middle(bare, room, g.ellipsis)))
        } else {
            None
        };
        if server.is_none() && fixed(&who) > width {
            who = None;
        }
    }
    // A read-only production session at 60 columns: the app's name goes before any count.
    let title = if server.is_none() && who.is_none() && fixed(&who) > width {
        ""
    } else {
        " tokentab"
    };
    let mut left = vec![
        Span::styled(title, st(theme.title())),
        Span::styled(profile.clone(), st(theme.title())),
    ];
    if let Some(s) = server {
        left.push(Span::styled(s, st(theme.base())));
    }
    if let Some(w) = who {
        left.push(Span::styled(format!("{sep}{w}"), st(theme.base())));
    }
    if readonly.len() == 2 && spans_w(&left) + spans_w(&counts) + spans_w(&readonly) > width {
        readonly.remove(0);
    }
    // Still too wide (a very long profile): whole counts go from the right, never half of one.
    while spans_w(&left) + spans_w(&counts) + spans_w(&readonly) > width && !counts.is_empty() {
        counts.pop();
    }
    left.extend(counts);
    left.extend(readonly);
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

/// A focused dialog's frame at `r` (borders of the glyph set, `title`), drawn; returns the
/// inside.
pub fn framed(f: &mut Frame, r: Rect, title: Span<'_>, theme: &Theme) -> Rect {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(theme.glyphs.border)
        .title(title)
        .border_style(theme.border_focus());
    let inner = block.inner(r);
    f.render_widget(block, r);
    inner
}
