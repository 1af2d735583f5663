//! Pure rendering: the model in, a frame out; where things go comes from `tui::layout`. Each part
//! has its own file.

pub mod audit_view;
pub mod confirm_dialog;
pub mod create_panel;
pub mod export_prompt;
pub mod header;
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

use super::app::{App, Load, Overlay};
use super::layout::{self, Regions};
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
    header::draw(f, app, &theme, r.header);
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
