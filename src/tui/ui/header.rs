//! The header line: the app, the profile, the server, the user and the counts. The server is
//! never dropped (at 60 columns and up): when the line is short, the other parts give way first,
//! in the order of [`GIVE_WAY`].

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::super::app::{App, Load};
use super::super::keymap::{Action, Mode};
use super::super::text_fit::{fit_url, url_min_width};
use super::super::theme::Theme;
use crate::model::counts::thousands;
use crate::model::sanitize::clean;

/// A part of the header that may give way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// "? help" on the right: the hint line has it too.
    Help,
    /// The " (x)" key after "N yours expiring".
    MineKey,
    /// "31 tokens": the table shows the rows themselves.
    Total,
    /// The URL's host loses its end; scheme and port stay ("http://127.0.…:40123").
    UrlHost,
    /// Then the counts, least urgent first: tokens already expired, expiring ones, the
    /// person's own expiring ones, and last disabled ones (rare, and every call with them is
    /// refused).
    Expired,
    Expiring,
    Mine,
    Disabled,
    /// The user name (Details and the secret view name users too).
    User,
    /// " (embedded)" / " (remote)".
    Kind,
    /// A long profile name is cut to 12 columns.
    Profile,
    /// The app's name; last, then the URL takes whatever room is left.
    Title,
}

/// What gives way, first to last.
const GIVE_WAY: [Part; 12] = [
    Part::Help,
    Part::MineKey,
    Part::Total,
    Part::UrlHost,
    Part::Expired,
    Part::Expiring,
    Part::Mine,
    Part::Disabled,
    Part::User,
    Part::Kind,
    Part::Profile,
    Part::Title,
];

struct Count {
    part: Part,
    text: String,
    style: Style,
}

pub fn draw(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let g = theme.glyphs;
    let sep = g.sep;
    let banner = theme.banner();
    // On a banner colour every part takes the banner's colours (readable on any background).
    let st = |s: Style| banner.map_or(s, |b| b.add_modifier(s.add_modifier));
    let kind = if app.cfg.embedded {
        " (embedded)"
    } else {
        " (remote)"
    };
    let who = match &app.table.me {
        Load::Loaded(name) => theme.text(name).into_owned(),
        Load::Loading(_) | Load::Idle => g.ellipsis.into(),
        Load::Failed(_) => "unknown user".into(),
    };
    let counts = counts(app, theme, st);
    let mine_key = app
        .keymap
        .key_for(Mode::Table, Action::MineExpiring)
        .map(|k| format!(" ({})", theme.text(&k.label())))
        .unwrap_or_default();
    let help = app
        .keymap
        .key_for(Mode::Table, Action::Help)
        .map(|k| format!("{} help ", theme.text(&k.label())))
        .unwrap_or_default();
    let profile_of = |w: usize| {
        app.cfg
            .profile
            .as_deref()
            .map(|p| format!(" [{}]", theme.fit(&clean(p), w)))
            .unwrap_or_default()
    };
    let url = theme.text(&clean(&app.cfg.server_label)).into_owned();
    let readonly = if app.cfg.readonly { " READ-ONLY " } else { "" };
    let width = usize::from(area.width);

    // The first number of give-way steps with which the line fits, and the URL's room then.
    let gone = |n: usize, p: Part| GIVE_WAY[..n].contains(&p);
    let others_w = |n: usize| {
        let profile = profile_of(if gone(n, Part::Profile) { 12 } else { 24 });
        let mut w = if gone(n, Part::Title) { 0 } else { 9 };
        w += profile.width() + sep.width();
        if !gone(n, Part::Kind) {
            w += kind.width();
        }
        if !gone(n, Part::User) {
            w += sep.width() + who.width();
        }
        for c in counts.iter().filter(|c| !gone(n, c.part)) {
            w += sep.width() + c.text.width();
            if c.part == Part::Mine && !gone(n, Part::MineKey) {
                w += mine_key.width();
            }
        }
        if !readonly.is_empty() {
            w += 1 + readonly.width();
        }
        if !help.is_empty() && !gone(n, Part::Help) {
            w += 1 + help.width();
        }
        w
    };
    let min_url = url_min_width(&url, g.ellipsis);
    let n = (0..=GIVE_WAY.len())
        .find(|&n| {
            let room = width.saturating_sub(others_w(n));
            room >= url.width() || (gone(n, Part::UrlHost) && room >= min_url)
        })
        .unwrap_or(GIVE_WAY.len());
    let room = width.saturating_sub(others_w(n)).max(1);

    let mut left = Vec::new();
    if !gone(n, Part::Title) {
        left.push(Span::styled(" tokentab", st(theme.title())));
    }
    left.push(Span::styled(
        profile_of(if gone(n, Part::Profile) { 12 } else { 24 }),
        st(theme.title()),
    ));
    let mut server = format!("{sep}{}", fit_url(&url, room, g.ellipsis));
    if !gone(n, Part::Kind) {
        server.push_str(kind);
    }
    left.push(Span::styled(server, st(theme.base())));
    if !gone(n, Part::User) {
        left.push(Span::styled(format!("{sep}{who}"), st(theme.base())));
    }
    for c in counts.into_iter().filter(|c| !gone(n, c.part)) {
        let key = if c.part == Part::Mine && !gone(n, Part::MineKey) {
            mine_key.as_str()
        } else {
            ""
        };
        left.push(Span::styled(format!("{sep}{}{key}", c.text), c.style));
    }
    if !readonly.is_empty() {
        left.push(Span::styled(" ", st(theme.base())));
        left.push(Span::styled(
            readonly,
            st(theme.warn()).add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ));
    }
    let mut line = Paragraph::new(Line::from(left));
    if let Some(b) = banner {
        line = line.style(b);
    }
    f.render_widget(line, area);
    if !help.is_empty() && !gone(n, Part::Help) {
        let w = help.width() as u16;
        let r = Rect {
            x: area.x + area.width.saturating_sub(w),
            width: w.min(area.width),
            ..area
        };
        f.render_widget(Paragraph::new(Span::styled(help, st(theme.dim()))), r);
    }
}

/// The counts, in the order shown. They stay while rows are shown, also after a failed refresh.
fn counts(app: &App, theme: &Theme, st: impl Fn(Style) -> Style) -> Vec<Count> {
    let g = theme.glyphs;
    let c = &app.table.rows.counts;
    let mut out = Vec::new();
    if !(matches!(app.table.list, Load::Loaded(_)) || c.total > 0) {
        return out;
    }
    let total = match app.table.load_progress() {
        Some((n, Some(est))) => format!("loading {} of ~{}", thousands(n as u64), thousands(est)),
        Some((n, None)) => format!("loading {}{}", thousands(n as u64), g.ellipsis),
        None => crate::tui::text_fit::count(c.total, "token"),
    };
    let mut push = |part, text, style| {
        out.push(Count {
            part,
            text,
            style: st(style),
        })
    };
    push(Part::Total, total, theme.base());
    push(
        Part::Expiring,
        format!("{} expiring", c.expiring),
        theme.warn(),
    );
    push(
        Part::Expired,
        format!("{} expired", c.expired),
        theme.error(),
    );
    if c.disabled > 0 {
        push(
            Part::Disabled,
            format!("{} disabled", c.disabled),
            theme.error(),
        );
    }
    if app.table.mine_expiring > 0 {
        push(
            Part::Mine,
            format!("{} yours expiring", app.table.mine_expiring),
            theme.warn(),
        );
    }
    out
}
