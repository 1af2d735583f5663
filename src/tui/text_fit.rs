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

/// A URL's scheme ("https://"), host, and port with what follows it (":8443/access"; the
/// path alone when there is no port).
fn url_parts(url: &str) -> (&str, &str, &str) {
    let (scheme, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    let tail = match rest[..host_end].rfind(':') {
        Some(i) if rest[i + 1..host_end].bytes().all(|b| b.is_ascii_digit()) => &rest[i..],
        _ => &rest[host_end..],
    };
    (scheme, &rest[..rest.len() - tail.len()], tail)
}

/// The host characters [`fit_url`] keeps at least (fewer say nothing).
const URL_HOST_MIN: usize = 6;

/// Shortens a URL to `width` columns keeping its scheme and its port (and path) readable:
/// the host loses its end ("http://127.0.…:40123"). Narrower than [`url_min_width`], the whole
/// URL loses its middle ([`fit_middle`]).
pub fn fit_url(url: &str, width: usize, ellipsis: &str) -> String {
    if url.width() <= width {
        return url.to_owned();
    }
    if width < url_min_width(url, ellipsis) {
        return fit_middle(url, width, ellipsis);
    }
    let (scheme, host, tail) = url_parts(url);
    let room = width - scheme.width() - ellipsis.width() - tail.width();
    format!("{scheme}{}{ellipsis}{tail}", take_width(host, room))
}

/// The narrowest width at which [`fit_url`] keeps scheme, port and a few host characters.
pub fn url_min_width(url: &str, ellipsis: &str) -> usize {
    let (scheme, host, tail) = url_parts(url);
    if host.width() <= URL_HOST_MIN {
        return url.width();
    }
    (scheme.width() + URL_HOST_MIN + ellipsis.width() + tail.width()).min(url.width())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_scheme_and_port() {
        let u = "http://127.0.0.1:40123";
        assert_eq!(fit_url(u, 40, "…"), u);
        assert_eq!(fit_url(u, 20, "…"), "http://127.0.…:40123");
        // Below scheme, port and 6 host characters, the middle goes.
        assert_eq!(fit_url(u, 19, "…").width(), 19);
        assert_eq!(fit_url(u, 16, "…").width(), 16);
        // Too narrow for scheme and port: the middle goes.
        assert_eq!(fit_url(u, 10, "…").width(), 10);
        let long = "https://artifactory.example.com:8443/access";
        assert_eq!(fit_url(long, 30, "..."), "https://artifac...:8443/access");
        assert_eq!(
            fit_url("https://acme.jfrog.io", 16, "…"),
            "https://acme.jf…"
        );
        assert_eq!(url_min_width(u, "…"), 20);
    }
}

/// `s`'s words, a unit kept with its number ("30 d)" is one piece, never split after "30").
fn words_with_units(s: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in s.split_whitespace() {
        let unit = word.trim_end_matches([')', ';', ',', '.']);
        match words.last_mut() {
            Some(prev) if ["d", "h", "min", "s"].contains(&unit) => {
                prev.push(' ');
                prev.push_str(word);
            }
            _ => words.push(word.to_owned()),
        }
    }
    words
}

/// `s` in lines of at most `width` columns, broken at spaces (a unit stays with its number);
/// a word wider than a line is split. Nothing is dropped: the lines joined by spaces give
/// `s`'s words back. The one word wrap of the tab: messages, dialogs, the form, the help.
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in words_with_units(s) {
        let mut word = word.as_str();
        loop {
            let sep = usize::from(!line.is_empty());
            if line.width() + sep + word.width() <= width {
                if sep == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                break;
            }
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
                continue;
            }
            // A word wider than a whole line: as much as fits, the rest on the next.
            let head = take_width(word, width);
            let head = if head.is_empty() {
                word.chars().take(1).collect()
            } else {
                head
            };
            word = &word[head.len()..];
            out.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

#[cfg(test)]
mod wrap_tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word() {
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("", 5), [""]);
        assert_eq!(
            wrap("allows (at most 30 d)", 16),
            ["allows (at most", "30 d)"]
        );
        let text = "formats: +30d, +12h, +90min, +6w, +1y, YYYY-MM-DD or never";
        let lines = wrap(text, 20);
        assert!(lines.iter().all(|l| l.width() <= 20), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        let s = "not used in 30 days (or never, issued before)";
        for w in 1..50 {
            let lines = wrap(s, w);
            assert!(lines.iter().all(|l| l.width() <= w), "{w}: {lines:?}");
            assert_eq!(lines.join(" ").replace(' ', ""), s.replace(' ', ""), "{w}");
        }
    }
}
