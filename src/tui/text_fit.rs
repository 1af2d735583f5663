//! Cutting text to a number of display columns (wide characters counted, never split). Below
//! both `theme` and `ui`: the theme's `fit` and the renderer's both come here, so neither
//! imports the other.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Cuts `s` to `width` display columns, ending with `ellipsis` ("…", "..." in the ascii set)
/// when cut; wide characters never split. The ellipsis itself is cut when the
/// width is smaller than it.
pub fn fit_with(s: &str, width: usize, ellipsis: &str) -> String {
    if s.width() <= width {
        return s.to_owned();
    }
    let ell: String = take_width(ellipsis, width);
    let room = width - ell.width();
    let mut out = take_width(s, room);
    out.push_str(&ell);
    out
}

/// The longest prefix of `s` at most `width` columns wide.
fn take_width(s: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out
}

/// Shortens `s` to `width` columns by taking out its middle ("https://tok…:8443"), so both
/// ends stay readable.
pub fn fit_middle(s: &str, width: usize, ellipsis: &str) -> String {
    if s.width() <= width {
        return s.to_owned();
    }
    let ew = ellipsis.width();
    if width <= ew + 2 {
        return fit_with(s, width, ellipsis);
    }
    let keep = width - ew;
    let head = take_width(s, keep - keep / 2);
    let rev: String = s.chars().rev().collect();
    let tail: String = take_width(&rev, keep / 2).chars().rev().collect();
    format!("{head}{ellipsis}{tail}")
}

/// "1 row", "2 rows", "0 tokens": a count with its noun in the right number (nouns here take
/// a plain "s").
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
