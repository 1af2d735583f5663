//! The new token, once: whole on one line (never truncated), how it was copied, and the
//! clipboard countdown.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::super::app::{App, SecretView};
use super::super::theme::Theme;
use super::{centered, framed, popup};

pub fn draw(f: &mut Frame, app: &App, v: &SecretView, theme: &Theme, area: Rect) {
    let secret = v.created.secret.expose();
    let need = secret.len() as u16 + 4;
    let rotation = app.rotation.as_ref().map(|r| r.message());
    let extra = if rotation.is_some() { 3 } else { 0 };
    let r = popup(f, centered(area, need.max(70), 13 + extra));
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
    lines.push(Line::from(Span::styled(
        format!(
            "shown once {} it will not be stored; copy it and keep it in a safe place",
            theme.glyphs.dash
        ),
        theme.warn(),
    )));
    let copy = match &v.copy {
        Some(c) => theme.text(&c.label()).into_owned(),
        None => theme.text("copying…").into_owned(),
    };
    lines.push(Line::from(copy));
    match app.countdown() {
        Some(s) => lines.push(Line::from(format!(
            "the clipboard will be cleared in {s} s"
        ))),
        None => lines.push(Line::from("")),
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
    let keys = if app.cfg.mask_secret {
        "⏎/Esc close (the token cannot be shown again) · v reveal / mask"
    } else {
        "⏎/Esc close (the token cannot be shown again)"
    };
    lines.push(Line::from(Span::styled(
        theme.text(keys).into_owned(),
        theme.dim(),
    )));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
