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

/// Why a stored text field (a description, a device name, a tag) is refused, in words that
/// follow the field's name: longer than `max` characters, or holding a character
/// [`is_unsafe_char`] refuses. The one rule of the service's checks and the import parser.
pub fn text_field_problem(text: &str, max: usize) -> Option<String> {
    if text.chars().count() > max {
        return Some(format!("is longer than {max} characters"));
    }
    first_unsafe_char(text).map(|(c, kind)| format!("contains U+{:04X} ({kind})", u32::from(c)))
}

/// The first character of `text` that [`is_unsafe_char`] refuses, with its kind: the one
/// predicate the TUI's sanitiser and the service's input checks share.
pub fn first_unsafe_char(text: &str) -> Option<(char, &'static str)> {
    text.chars().find_map(|c| unsafe_kind(c).map(|k| (c, k)))
}

/// One line of display text: every unsafe character becomes U+FFFD (newlines and tabs included,
/// so a table cell never breaks).
pub fn sanitize_line(input: &str) -> Cow<'_, str> {
    // Printable ASCII is never unsafe: a byte test the compiler vectorises decides most text
    // (a 2M-token load cleans three strings per token).
    if input.bytes().all(|b| (0x20..0x7f).contains(&b)) || !input.chars().any(is_unsafe_char) {
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

/// Longest text the service stores or logs from a request (audit fields, logged paths).
pub const MAX_RECORDED_CHARS: usize = 256;

/// Text from a request made safe to store or log: every unsafe character escaped as `\u{…}`
/// (so an operator still sees what was sent, and a terminal never receives it raw), then cut
/// to `max` characters with a marker saying how much was cut.
pub fn escape_capped(input: &str, max: usize) -> Cow<'_, str> {
    let fits = input.len() <= max || input.chars().count() <= max;
    if fits && !input.chars().any(is_unsafe_char) {
        return Cow::Borrowed(input);
    }
    let mut out = String::with_capacity(max.min(input.len()) + 32);
    let mut kept = 0;
    let mut chars = input.chars();
    for c in chars.by_ref() {
        let piece = if is_unsafe_char(c) {
            format!("\\u{{{:x}}}", c as u32)
        } else {
            c.to_string()
        };
        let width = piece.chars().count();
        if kept + width > max {
            let rest = 1 + chars.count();
            out.push_str(&format!("…[cut {rest} chars]"));
            return Cow::Owned(out);
        }
        kept += width;
        out.push_str(&piece);
    }
    Cow::Owned(out)
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
    fn recorded_text_is_escaped_and_capped() {
        assert!(matches!(escape_capped("plain", 10), Cow::Borrowed("plain")));
        assert_eq!(escape_capped("a\x1b[2Jb", 64), "a\\u{1b}[2Jb");
        assert_eq!(escape_capped("x\u{202E}y", 64), "x\\u{202e}y");
        let long = "é".repeat(1000);
        let cut = escape_capped(&long, 256);
        assert!(cut.starts_with(&"é".repeat(256)), "{cut}");
        assert!(cut.ends_with("…[cut 744 chars]"), "{cut}");
        assert!(cut.chars().count() < 300);
        // An escape is never split by the cut.
        let bells = "\x07".repeat(100);
        let cut = escape_capped(&bells, 20);
        assert_eq!(cut, format!("{}…[cut 96 chars]", "\\u{7}".repeat(4)));
        assert!(!cut.chars().any(is_unsafe_char));
    }

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
