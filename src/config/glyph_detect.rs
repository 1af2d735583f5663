//! The automatic glyph set: when neither `--glyphs`, `TOKENTAB_GLYPHS` nor the config file
//! chooses, the locale and TERM do. A pure function of what it is given; part of resolving the
//! profile, so it lives in `config` (which never imports the TUI that draws the set).

use crate::model::settings::GlyphSet;

/// What the automatic choice looks at (passed in, so the choice is a pure function).
#[derive(Debug, Clone, Default)]
pub struct Terminal<'a> {
    pub lc_all: Option<&'a str>,
    pub lc_ctype: Option<&'a str>,
    pub lang: Option<&'a str>,
    pub term: Option<&'a str>,
}

/// The automatic choice and why, e.g. `(Vt, "TERM=linux (the Linux console's font)")`.
pub fn detect(t: &Terminal) -> (GlyphSet, String) {
    let locale = [
        ("LC_ALL", t.lc_all),
        ("LC_CTYPE", t.lc_ctype),
        ("LANG", t.lang),
    ]
    .into_iter()
    .find_map(|(name, v)| v.filter(|v| !v.is_empty()).map(|v| (name, v)));
    match locale {
        None => {
            return (
                GlyphSet::Ascii,
                "no locale set (LC_ALL, LC_CTYPE and LANG empty): not UTF-8".into(),
            );
        }
        Some((name, v)) if !utf8_locale(v) => {
            return (GlyphSet::Ascii, format!("{name}={v} is not a UTF-8 locale"));
        }
        Some(_) => {}
    }
    let term = t.term.unwrap_or("");
    let base = term.split('-').next().unwrap_or("");
    if matches!(base, "vt100" | "vt102" | "vt220" | "vt52" | "dumb") || base.is_empty() {
        let shown = if term.is_empty() { "(unset)" } else { term };
        return (GlyphSet::Ascii, format!("TERM={shown} is a 7-bit terminal"));
    }
    if base == "linux" {
        return (
            GlyphSet::Vt,
            format!("TERM={term}: the Linux console's font"),
        );
    }
    (GlyphSet::Unicode, format!("UTF-8 locale and TERM={term}"))
}

/// `en_US.UTF-8`, `C.utf8`, `de_DE.utf-8@euro` are UTF-8; `C`, `POSIX`, `en_US.ISO-8859-1` not.
fn utf8_locale(v: &str) -> bool {
    let charset = v
        .split('@')
        .next()
        .and_then(|s| s.split_once('.'))
        .map_or("", |(_, cs)| cs);
    let cs = charset.to_ascii_lowercase().replace('-', "");
    cs == "utf8"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term<'a>(pairs: &[(&str, &'a str)]) -> Terminal<'a> {
        let mut t = Terminal::default();
        for (k, v) in pairs {
            match *k {
                "LC_ALL" => t.lc_all = Some(v),
                "LC_CTYPE" => t.lc_ctype = Some(v),
                "LANG" => t.lang = Some(v),
                "TERM" => t.term = Some(v),
                _ => unreachable!(),
            }
        }
        t
    }

    #[test]
    fn term_linux_gets_the_console_font_set() {
        let (set, why) = detect(&term(&[("LANG", "en_US.UTF-8"), ("TERM", "linux")]));
        assert_eq!(set, GlyphSet::Vt, "{why}");
        assert!(why.contains("TERM=linux"), "{why}");
    }

    #[test]
    fn term_vt220_gets_ascii() {
        let (set, why) = detect(&term(&[("LANG", "en_US.UTF-8"), ("TERM", "vt220")]));
        assert_eq!(set, GlyphSet::Ascii, "{why}");
        assert!(why.contains("vt220"), "{why}");
        for t in ["vt100", "vt102", "dumb", "vt100-am"] {
            let (set, _) = detect(&term(&[("LANG", "C.UTF-8"), ("TERM", t)]));
            assert_eq!(set, GlyphSet::Ascii, "{t}");
        }
    }

    #[test]
    fn lang_c_gets_ascii_even_on_a_capable_terminal() {
        let (set, why) = detect(&term(&[("LANG", "C"), ("TERM", "xterm-256color")]));
        assert_eq!(set, GlyphSet::Ascii, "{why}");
        assert!(why.contains("LANG=C"), "{why}");
        for l in ["POSIX", "en_US.ISO-8859-1", "en_US"] {
            let (set, _) = detect(&term(&[("LANG", l), ("TERM", "xterm")]));
            assert_eq!(set, GlyphSet::Ascii, "{l}");
        }
        let (set, _) = detect(&term(&[("TERM", "xterm")]));
        assert_eq!(set, GlyphSet::Ascii, "no locale at all");
    }

    #[test]
    fn lc_all_utf8_wins_over_lang_c() {
        let (set, why) = detect(&term(&[
            ("LC_ALL", "en_US.UTF-8"),
            ("LANG", "C"),
            ("TERM", "xterm-256color"),
        ]));
        assert_eq!(set, GlyphSet::Unicode, "{why}");
        // An empty LC_ALL does not count; LC_CTYPE is next.
        let (set, why) = detect(&term(&[
            ("LC_ALL", ""),
            ("LC_CTYPE", "C"),
            ("LANG", "en_US.UTF-8"),
            ("TERM", "xterm"),
        ]));
        assert_eq!(set, GlyphSet::Ascii, "{why}");
        assert!(why.contains("LC_CTYPE=C"), "{why}");
        for l in ["C.UTF-8", "de_DE.utf8@euro", "en_US.utf-8"] {
            assert!(utf8_locale(l), "{l}");
        }
    }
}
