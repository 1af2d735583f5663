//! The rotate confirmation (focused on Cancel): which token, what happens, and why it stopped
//! if it did.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::super::app::App;
use super::super::app::rotate::{RotateDialog, RotateStep};
use super::super::theme::Theme;
use super::token_table::expiry_text;
use super::{centered, framed, popup, spinner};

fn button<'a>(label: &'a str, focused: bool, theme: &Theme) -> Span<'a> {
    if focused {
        Span::styled(format!("[ {label} ]"), theme.focus())
    } else {
        Span::raw(format!("  {label}  "))
    }
}

/// "90 d", "12 h", "never expires": how long the replacement will live.
fn lifetime_words(d: &RotateDialog) -> String {
    match crate::model::rotate::lifetime_secs(&d.token) {
        None => "never expires (if the server allows it)".into(),
        Some(s) if s >= 86_400 && s % 86_400 == 0 => format!("lives {} d from now", s / 86_400),
        Some(s) if s >= 86_400 => format!("lives {:.1} d from now", s as f64 / 86_400.0),
        Some(s) if s >= 3_600 => format!("lives {} h from now", s / 3_600),
        Some(s) => format!("lives {} min from now", (s / 60).max(1)),
    }
}

pub fn draw(f: &mut Frame, app: &App, d: &RotateDialog, theme: &Theme, area: Rect) {
    let g = theme.glyphs;
    let expired = d.token.expiry.is_some_and(|e| e <= app.now);
    let h = if d.scope_unknown { 16 } else { 13 } + if expired { 3 } else { 0 };
    let r = popup(f, centered(area, 70, h));
    let inner = framed(f, r, Span::styled(" Rotate token? ", theme.warn()), theme);
    let w = usize::from(inner.width);
    let t = &d.token;
    let scope = match &t.scope {
        Some(_) => t.scope_summary(),
        None if d.scope_unknown => "not reported by the server".into(),
        None => "(reading the scope…)".into(),
    };
    let mut lines = vec![
        Line::from(Span::styled(
            theme.fit(&format!("\"{}\" {}", t.description, t.token_id), w),
            theme.header(),
        )),
        Line::from(theme.fit(
            &format!(
                "{} {} expiry {}",
                t.username(),
                g.dash,
                expiry_text(t.expiry, app.now)
            ),
            w,
        )),
        Line::from(theme.fit(&format!("scope {scope}"), w)),
        Line::from(""),
        Line::from(
            theme
                .text(&format!(
                    "A new token with the same scope, description and owner is created; it {}. \
                     Its secret is shown once. Then this token is revoked {} whatever uses it \
                     stops working.",
                    lifetime_words(d),
                    g.dash
                ))
                .into_owned(),
        ),
        Line::from(""),
    ];
    if expired {
        // What rotating an expired token does: the old one works no more already, so nothing
        // stops working; the revoke only tidies it away.
        lines.push(Line::from(Span::styled(
            theme
                .text(&format!(
                    "{} This token has expired: it already works nowhere. Rotating makes a \
                     working replacement for whatever used it, then removes the expired one.",
                    g.error
                ))
                .into_owned(),
            theme.warn(),
        )));
        lines.push(Line::from(""));
    }
    if d.scope_unknown {
        lines.push(Line::from(Span::styled(
            theme
                .text(&format!(
                    "{} The server does not say what this token may do: the replacement is a User \
                     token (acts with {}'s rights). Cancel if this is a Custom or admin token.",
                    g.error,
                    t.username()
                ))
                .into_owned(),
            theme.warn(),
        )));
    }
    match &d.step {
        RotateStep::Failed(e) => {
            lines.push(Line::from(Span::styled(
                theme.text(&format!("{} {e}", g.error)).into_owned(),
                theme.error(),
            )));
            lines.push(Line::from(button("Close", true, theme)));
        }
        RotateStep::Fetching(_) | RotateStep::Creating(_) => {
            let what = if matches!(d.step, RotateStep::Fetching(_)) {
                "reading the token's scope"
            } else {
                "creating the replacement"
            };
            lines.push(Line::from(Span::styled(
                theme
                    .text(&format!("{} {what}… Esc cancels", spinner(app)))
                    .into_owned(),
                theme.warn(),
            )));
        }
        RotateStep::Ready => lines.push(Line::from(vec![
            button("Cancel", !d.on_rotate, theme),
            Span::raw("   "),
            button("Rotate", d.on_rotate, theme),
        ])),
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
