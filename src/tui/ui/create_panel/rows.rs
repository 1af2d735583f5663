//! The create panel's permissions table, with the headings the Connect UI gives it (Target
//! entity · Target · Read Write Delete; check boxes under the permission types, not `R--`):
//! one line a row when the panel is wide, else "Device · kiosk-12 (d-03c2…)" over its boxes.
//! And the word wrapping the panel's help and messages use so that nothing is cut.

use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::super::super::app::form::{Field, Form};
use super::super::super::theme::Theme;
use crate::model::scope::Action;

/// "Target entity": the widest entity cell.
const ENTITY: usize = 13;
/// "Read Write Delete" and the spaces around it.
const PERMS: usize = 17;
/// A target column narrower than this puts each row's boxes on a line of their own.
const MIN_TARGET: usize = 22;

/// The boxes under "Read Write Delete".
fn boxes(theme: &Theme, actions: crate::model::Actions) -> String {
    let g = theme.glyphs;
    let [r, w, d] = Action::ALL.map(|a| {
        if actions.has(a) {
            g.check_on
        } else {
            g.check_off
        }
    });
    format!("{r:<4} {w:<5} {d:<6}").trim_end().to_owned()
}

/// The table's lines: headings, then one row per grant (two lines each when the panel is
/// narrow). `at` learns the line of the row under the cursor.
pub fn lines(
    form: &Form,
    theme: &Theme,
    w: usize,
    locked: bool,
    at: &mut Vec<(Field, usize)>,
    out: &mut Vec<Line<'static>>,
) {
    let one_line = w >= 1 + ENTITY + 2 + MIN_TARGET + 1 + PERMS;
    let sep = theme.text("·").into_owned();
    let tw = if one_line {
        w - (1 + ENTITY + 2 + 1 + PERMS)
    } else {
        // " Project · " at most: the name follows its entity, as the heading says.
        w.saturating_sub(1 + 7 + 3)
    };
    let pad = " ".repeat(1 + ENTITY + 2);
    if one_line {
        out.push(Line::from(Span::styled(
            format!(
                " {:<ENTITY$}  {:<tw$} Read Write Delete",
                "Target entity", "Target"
            ),
            theme.dim(),
        )));
    } else {
        out.push(Line::from(Span::styled(
            format!(" Target entity {sep} Target"),
            theme.dim(),
        )));
        out.push(Line::from(Span::styled(
            format!("{pad}Read Write Delete"),
            theme.dim(),
        )));
    }
    for (i, (target, actions)) in form.scope.grants().enumerate() {
        if i == form.row_cursor {
            at.push((Field::Rows, out.len()));
        }
        let st = if form.focus == Field::Rows && form.row_cursor == i && !locked {
            theme.focus()
        } else {
            theme.base()
        };
        let name = theme.fit(&form.row_name(target), tw);
        let name_w = UnicodeWidthStr::width(name.as_str());
        let label = target.kind().label();
        let text = if one_line {
            let gap = " ".repeat(tw.saturating_sub(name_w));
            format!(" {label:<ENTITY$}  {name}{gap} {}", boxes(theme, actions))
        } else {
            format!(" {label} {sep} {name}")
        };
        out.push(Line::from(Span::styled(theme.fit(&text, w), st)));
        if !one_line {
            out.push(Line::from(Span::styled(
                format!("{pad}{}", boxes(theme, actions)),
                st,
            )));
        }
    }
}
