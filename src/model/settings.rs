//! Settings enums: the closed choices a person makes by flag, environment variable or config
//! file (`--glyphs`, `--clipboard`). They live here, below every layer that reads them, and know
//! neither clap nor the layers that act on them: `cli.rs` teaches clap their names
//! ([`Setting::ALL`], [`Setting::name`]), `config` reads them from the environment and the file,
//! `tui::glyphs` and `secret::clipboard` act on them.

use serde::{Deserialize, Serialize};

/// A settings enum: its every value, each with one lowercase name (the same in flags,
/// environment variables and the config file).
pub trait Setting: Copy + Sized + 'static {
    const ALL: &'static [Self];

    fn name(self) -> &'static str;

    /// The value named `text` (surrounding blanks and case ignored).
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.name().eq_ignore_ascii_case(text))
    }

    /// "one of a, b, c", for error messages.
    fn one_of() -> String {
        let names: Vec<&str> = Self::ALL.iter().map(|v| v.name()).collect();
        format!("one of {}", names.join(", "))
    }
}

/// The symbol sets the UI draws with (`--glyphs`, `TOKENTAB_GLYPHS`, config `glyphs`): `unicode`
/// (the full look), `vt` (only what the Linux console's font has), `ascii` (7-bit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GlyphSet {
    #[default]
    Unicode,
    Vt,
    Ascii,
}

impl Setting for GlyphSet {
    const ALL: &'static [Self] = &[GlyphSet::Unicode, GlyphSet::Vt, GlyphSet::Ascii];

    fn name(self) -> &'static str {
        GlyphSet::name(self)
    }
}

impl GlyphSet {
    /// The one name of this value (flag, environment variable, config file).
    pub fn name(self) -> &'static str {
        match self {
            GlyphSet::Unicode => "unicode",
            GlyphSet::Vt => "vt",
            GlyphSet::Ascii => "ascii",
        }
    }
}

/// How a one-time secret is copied (`--clipboard`, `TOKENTAB_CLIPBOARD`, config `clipboard`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClipboardMode {
    #[default]
    Auto,
    Native,
    Tmux,
    Osc52,
    Off,
}

impl Setting for ClipboardMode {
    const ALL: &'static [Self] = &[
        ClipboardMode::Auto,
        ClipboardMode::Native,
        ClipboardMode::Tmux,
        ClipboardMode::Osc52,
        ClipboardMode::Off,
    ];

    fn name(self) -> &'static str {
        ClipboardMode::name(self)
    }
}

impl ClipboardMode {
    /// The one name of this value (flag, environment variable, config file).
    pub fn name(self) -> &'static str {
        match self {
            ClipboardMode::Auto => "auto",
            ClipboardMode::Native => "native",
            ClipboardMode::Tmux => "tmux",
            ClipboardMode::Osc52 => "osc52",
            ClipboardMode::Off => "off",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: Setting + PartialEq + std::fmt::Debug + Serialize>() {
        for &v in T::ALL {
            assert_eq!(T::parse(v.name()), Some(v));
            assert_eq!(T::parse(&format!(" {} ", v.name().to_uppercase())), Some(v));
            // The config file's spelling is the flag's.
            assert_eq!(serde_json::to_value(v).unwrap(), v.name());
        }
        assert_eq!(T::parse("nope"), None);
    }

    #[test]
    fn names_are_the_same_everywhere() {
        round_trips::<GlyphSet>();
        round_trips::<ClipboardMode>();
        assert_eq!(GlyphSet::one_of(), "one of unicode, vt, ascii");
        assert_eq!(
            ClipboardMode::one_of(),
            "one of auto, native, tmux, osc52, off"
        );
    }
}
