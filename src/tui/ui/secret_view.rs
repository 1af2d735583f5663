//! The new token, once: whole on one line (never truncated), where the copy went (the tmux
//! buffer by name and how to paste it, which system clipboard, OSC 52 unconfirmed, or why not),
//! what the clear will really do (a countdown only for what can be cleared) and what it did.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::super::app::{App, SecretView};
use super::super::keymap::{Action, Mode};
use super::super::theme::Theme;
use super::{centered, framed, popup};

/// The words under the token, each with its style (wrapped to the view's width).
fn words(app: &App, v: &SecretView, theme: &Theme) -> Vec<(String, Style)> {
    let mut out = vec![(
        format!(
            "shown once {} it will not be stored; copy it and keep it in a safe place",
            theme.glyphs.dash
        ),
        theme.warn(),
    )];
    let failed = v.copy.as_ref().is_some_and(|c| !c.copied());
    let copy_style = if failed { theme.warn() } else { theme.base() };
    out.push((theme.text(&v.copy_line()).into_owned(), copy_style));
    if let Some(how) = v.copy.as_ref().and_then(|c| c.how_to_use()) {
        out.push((how, theme.base()));
    }
    let clearing_off = app.cfg.clipboard_clear_secs == 0;
    if let Some(line) = v.clear_line(app.countdown(), clearing_off) {
        out.push((theme.text(&line).into_owned(), theme.dim()));
    }
    out
}

fn key(app: &App, action: Action, fallback: &str) -> String {
    app.keymap
        .key_for(Mode::Secret, action)
        .map_or_else(|| fallback.to_string(), |k| k.label())
}

/// Rows `text` takes when word-wrapped at `width` (greedy, as the paragraph wraps).
fn rows(text: &str, width: usize) -> u16 {
    let width = width.max(1);
    let (mut rows, mut used) = (1u16, 0usize);
    for word in text.split(' ') {
        let n = word.chars().count();
        let need = if used == 0 { n } else { used + 1 + n };
        if need <= width {
            used = need;
        } else {
            rows += 1;
            // A word longer than the line is broken over as many rows as it takes.
            rows += (n.saturating_sub(1) / width) as u16;
            used = n % width;
        }
    }
    rows
}

pub fn draw(f: &mut Frame, app: &App, v: &SecretView, theme: &Theme, area: Rect) {
    let secret = v.created.secret.expose();
    let need = secret.len() as u16 + 4;
    let width = need.max(70).min(area.width);
    let inner_w = usize::from(width.saturating_sub(2));
    let rotation = app.rotation.as_ref().map(|r| r.message());
    let said = words(app, v, theme);
    let mut keys = format!(
        "{}/{} close (the token cannot be shown again) · {} copy again",
        key(app, Action::Confirm, "⏎"),
        key(app, Action::Back, "Esc"),
        key(app, Action::CopySecret, "c"),
    );
    if app.cfg.mask_secret {
        keys.push_str(&format!(
            " · {} reveal / mask",
            key(app, Action::Reveal, "v")
        ));
    }
    let keys = theme.text(&keys).into_owned();
    let mut height = 2 + 4 + 1; // borders; id, blank, token, blank; blank before the keys
    height += said.iter().map(|(t, _)| rows(t, inner_w)).sum::<u16>();
    height += rows(&keys, inner_w);
    if let Some((text, _)) = &rotation {
        height += rows(text, inner_w) + 1;
    }
    let r = popup(f, centered(area, width, height));
    let inner = framed(
        f,
        r,
        Span::styled(" Your new access token ", theme.title()),
        theme,
    );
    let mut lines = vec![Line::from(format!(
        "Token ID {}",
        crate::model::sanitize::clean(&v.created.meta.token_id)
    ))];
    lines.push(Line::from(""));
    if usize::from(inner.width) < secret.len() + 2 {
        lines.push(Line::from(Span::styled(
            format!(
                "The terminal is too narrow to show the whole token: it needs {} columns. Widen the window; it is never cut.",
                secret.len() + 6
            ),
            theme.error(),
        )));
    } else if v.revealed {
        lines.push(Line::from(vec![
            Span::raw(" "),
            Span::styled(secret, theme.secret()),
        ]));
    } else {
        lines.push(Line::from(vec![
            Span::raw(" "),
            Span::styled(theme.glyphs.bullet.repeat(secret.len()), theme.secret()),
        ]));
    }
    lines.push(Line::from(""));
    for (text, style) in said {
        lines.push(Line::from(Span::styled(text, style)));
    }
    lines.push(Line::from(""));
    if let Some((text, error)) = rotation {
        let style = if error { theme.error() } else { theme.ok() };
        lines.push(Line::from(Span::styled(
            theme.text(&text).into_owned(),
            style,
        )));
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(keys, theme.dim())));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
