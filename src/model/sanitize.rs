//! Makes untrusted text (server strings, user paste) safe to draw or print: no control characters,
//! no bidirectional overrides, no zero-width tricks. Applied where text enters the program.

use std::borrow::Cow;

/// True for characters that must never reach a terminal as they are: C0/C1 controls, DEL,
/// bidi embedding/override/isolate marks and other invisible format characters.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM, RLM
            | '\u{202A}'..='\u{202E}' // LRE RLE PDF LRO RLO
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // LRI RLI FSI PDI
            | '\u{061C}'              // Arabic letter mark
            | '\u{FEFF}'              // BOM / zero-width no-break space
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation
            | '\u{00AD}'              // soft hyphen
        )
}

/// What kind of unsafe character `c` is, for error messages; None when it is safe.
pub fn unsafe_kind(c: char) -> Option<&'static str> {
    if !is_unsafe_char(c) {
        return None;
    }
    Some(match c {
        '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{061C}' => "bidi control",
        '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' => "zero-width character",
        c if c.is_control() => "control character",
        _ => "invisible format character",
    })
}

/// The first character of `text` that [`is_unsafe_char`] refuses, with its kind: the one
/// predicate the TUI's sanitiser and the service's input checks share.
pub fn first_unsafe_char(text: &str) -> Option<(char, &'static str)> {
    text.chars().find_map(|c| unsafe_kind(c).map(|k| (c, k)))
}

/// One line of display text: every unsafe character becomes U+FFFD (newlines and tabs included,
/// so a table cell never breaks).
pub fn sanitize_line(input: &str) -> Cow<'_, str> {
    if !input.chars().any(is_unsafe_char) {
        return Cow::Borrowed(input);
    }
    Cow::Owned(
        input
            .chars()
            .map(|c| if is_unsafe_char(c) { '\u{FFFD}' } else { c })
            .collect(),
    )
}

/// Like [`sanitize_line`] but owned, for storing in models.
pub fn clean(input: &str) -> String {
    sanitize_line(input).into_owned()
}

/// Multi-line text (error details): keeps '\n', replaces every other unsafe character.
pub fn sanitize_text(input: &str) -> String {
    input
        .chars()
        .map(|c| {
            if c != '\n' && is_unsafe_char(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escapes_bidi_and_controls() {
        let hostile = "a\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}\r\n\u{202e}b\u{9b}c\u{7f}";
        let out = sanitize_line(hostile);
        assert!(!out.chars().any(is_unsafe_char));
        assert!(out.starts_with('a'));
        assert!(out.contains("[2J"), "printable rest stays visible: {out}");
    }

    #[test]
    fn first_unsafe_char_names_the_kind() {
        assert_eq!(first_unsafe_char("plain 漢字"), None);
        assert_eq!(
            first_unsafe_char("a\u{202E}b"),
            Some(('\u{202E}', "bidi control"))
        );
        assert_eq!(
            first_unsafe_char("a\u{200B}"),
            Some(('\u{200B}', "zero-width character"))
        );
        assert_eq!(
            first_unsafe_char("\u{7}"),
            Some(('\u{7}', "control character"))
        );
        assert_eq!(
            first_unsafe_char("\u{9b}"),
            Some(('\u{9b}', "control character"))
        );
        assert_eq!(
            first_unsafe_char("soft\u{AD}"),
            Some(('\u{AD}', "invisible format character"))
        );
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(sanitize_line("plain 漢字"), Cow::Borrowed(_)));
    }
}
