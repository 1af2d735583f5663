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

/// `text` in lines of at most `width` columns, broken between words (a longer word is cut
/// into pieces, never dropped).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out: Vec<String> = Vec::new();
    // A unit stays with its number ("30 d)" is never split after "30").
    let mut words: Vec<String> = Vec::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let unit = word.trim_end_matches([')', ';', ',', '.']);
        match words.last_mut() {
            Some(prev) if ["d", "h", "min", "s"].contains(&unit) => {
                prev.push(' ');
                prev.push_str(word);
            }
            _ => words.push(word.to_owned()),
        }
    }
    let mut line = String::new();
    for word in words.iter().map(String::as_str) {
        let need = UnicodeWidthStr::width(word);
        let have = UnicodeWidthStr::width(line.as_str());
        if !line.is_empty() && have + 1 + need <= width {
            line.push(' ');
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            out.push(std::mem::take(&mut line));
        }
        let mut rest = word;
        while UnicodeWidthStr::width(rest) > width {
            let cut = rest
                .char_indices()
                .scan(0, |w, (i, c)| {
                    *w += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                    Some((i + c.len_utf8(), *w))
                })
                .take_while(|(_, w)| *w <= width)
                .last()
                .map_or(rest.len(), |(i, _)| i);
            out.push(rest[..cut].to_owned());
            rest = &rest[cut..];
        }
        line.push_str(rest);
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_between_words_and_keeps_every_character() {
        let text = "formats: +30d, +12h, +90min, +6w, +1y, YYYY-MM-DD or never";
        let lines = wrap(text, 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(
            wrap("allows (at most 30 d)", 16),
            ["allows (at most", "30 d)"]
        );
        assert_eq!(wrap("", 5), [""]);
    }
}
