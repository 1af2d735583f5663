//! Semantic styles. Monochrome (NO_COLOR / --no-color) still shows selection, focus and status
//! through reverse video, bold and underline; status always has a symbol and a word too.
//! Colours come from a `Palette` that `[theme]` in the config file may override.

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

use super::glyphs::{Glyphs, UNICODE};

/// The colours behind the semantic styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    /// Titles, focused borders, the focused control.
    pub accent: Color,
    /// The selected row's background.
    pub selection: Color,
    pub dim: Color,
    pub ok: Color,
    pub warning: Color,
    pub danger: Color,
    pub marked: Color,
    pub secret: Color,
}

impl Default for Palette {
    fn default() -> Self {
        Palette {
            accent: Color::Cyan,
            selection: Color::Blue,
            dim: Color::DarkGray,
            ok: Color::Green,
            warning: Color::Yellow,
            danger: Color::Red,
            marked: Color::Magenta,
            secret: Color::Yellow,
        }
    }
}

/// The names `[theme]` accepts.
pub const THEME_NAMES: [&str; 8] = [
    "accent",
    "selection",
    "dim",
    "ok",
    "warning",
    "danger",
    "marked",
    "secret",
];

/// "red", "light-blue", "#334455", or an ANSI index "208".
pub fn parse_color(text: &str) -> Result<Color, String> {
    let t = text.trim();
    let bad = || format!("\"{text}\" is not a colour (a name like \"red\" or \"#rrggbb\")");
    if let Some(hex) = t.strip_prefix('#')
        && (hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()))
    {
        return Err(bad());
    }
    match Color::from_str(t) {
        // "reset" would make a style invisible against the default background.
        Ok(Color::Reset) | Err(_) => Err(bad()),
        Ok(c) => Ok(c),
    }
}

impl Palette {
    /// The defaults with `[theme]` applied; an unknown name or a bad colour is an error naming
    /// the entry.
    pub fn with_overrides(map: &BTreeMap<String, String>) -> Result<Palette, String> {
        let mut p = Palette::default();
        for (name, value) in map {
            let color = parse_color(value).map_err(|e| format!("{name} = {e}"))?;
            let slot = match name.trim().to_ascii_lowercase().as_str() {
                "accent" => &mut p.accent,
                "selection" => &mut p.selection,
                "dim" => &mut p.dim,
                "ok" => &mut p.ok,
                "warning" => &mut p.warning,
                "danger" => &mut p.danger,
                "marked" => &mut p.marked,
                "secret" => &mut p.secret,
                _ => {
                    return Err(format!(
                        "unknown colour name \"{name}\" (known: {})",
                        THEME_NAMES.join(", ")
                    ));
                }
            };
            *slot = color;
        }
        Ok(p)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub mono: bool,
    pub palette: Palette,
    /// The header's background (the profile's banner colour, e.g. red for production).
    pub banner: Option<Color>,
    /// The symbols drawn (unicode, vt or ascii).
    pub glyphs: &'static Glyphs,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            mono: false,
            palette: Palette::default(),
            banner: None,
            glyphs: &UNICODE,
        }
    }
}

impl Theme {
    /// Colour unless `no_color` or the NO_COLOR convention says otherwise.
    pub fn from_env(no_color: bool) -> Theme {
        let env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme {
            mono: no_color || env,
            ..Theme::default()
        }
    }

    fn color(&self, fg: Color) -> Style {
        if self.mono {
            Style::default()
        } else {
            Style::default().fg(fg)
        }
    }

    /// Text from other layers in the chosen glyph set.
    pub fn text<'a>(&self, s: &'a str) -> std::borrow::Cow<'a, str> {
        self.glyphs.text(s)
    }

    /// `fit` with the set's ellipsis; `s` is put in the set first.
    pub fn fit(&self, s: &str, width: usize) -> String {
        super::text_fit::fit_with(&self.glyphs.text(s), width, self.glyphs.ellipsis)
    }

    pub fn base(&self) -> Style {
        Style::default()
    }
    pub fn title(&self) -> Style {
        self.color(self.palette.accent).add_modifier(Modifier::BOLD)
    }
    pub fn header(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
    /// The top line: on the banner colour when the profile has one (reverse video in
    /// monochrome), so a production session is told apart at a glance.
    pub fn banner(&self) -> Option<Style> {
        let bg = self.banner?;
        Some(if self.mono {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().bg(bg).fg(contrast(bg))
        })
    }
    pub fn selected(&self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
                .bg(self.palette.selection)
                .fg(contrast(self.palette.selection))
                .add_modifier(Modifier::BOLD)
        }
    }
    pub fn focus(&self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::default()
                .fg(contrast(self.palette.accent))
                .bg(self.palette.accent)
                .add_modifier(Modifier::BOLD)
        }
    }
    pub fn border_focus(&self) -> Style {
        self.color(self.palette.accent).add_modifier(Modifier::BOLD)
    }
    pub fn dim(&self) -> Style {
        self.color(self.palette.dim)
    }
    pub fn ok(&self) -> Style {
        self.color(self.palette.ok)
    }
    pub fn warn(&self) -> Style {
        self.color(self.palette.warning)
    }
    pub fn error(&self) -> Style {
        self.color(self.palette.danger).add_modifier(Modifier::BOLD)
    }
    pub fn marked(&self) -> Style {
        self.color(self.palette.marked).add_modifier(Modifier::BOLD)
    }
    pub fn secret(&self) -> Style {
        self.color(self.palette.secret).add_modifier(Modifier::BOLD)
    }
}

/// Black or white text, whichever reads on `bg`.
fn contrast(bg: Color) -> Color {
    let light = match bg {
        Color::Rgb(r, g, b) => {
            u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114 > 150_000
        }
        Color::Cyan
        | Color::Yellow
        | Color::White
        | Color::Gray
        | Color::LightGreen
        | Color::LightYellow
        | Color::LightCyan
        | Color::Green => true,
        _ => false,
    };
    if light { Color::Black } else { Color::White }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::string_map as map;

    #[test]
    fn colours_parse() {
        assert_eq!(parse_color("red"), Ok(Color::Red));
        assert_eq!(parse_color("#334455"), Ok(Color::Rgb(0x33, 0x44, 0x55)));
        assert_eq!(parse_color("208"), Ok(Color::Indexed(208)));
        for bad in ["", "#12345", "#gggggg", "reddish", "reset", "#1234567"] {
            assert!(parse_color(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn overrides_apply_and_bad_entries_are_named() {
        let p = Palette::with_overrides(&map(&[("accent", "magenta"), ("selection", "#334455")]))
            .unwrap();
        assert_eq!(p.accent, Color::Magenta);
        assert_eq!(p.selection, Color::Rgb(0x33, 0x44, 0x55));
        assert_eq!(p.danger, Palette::default().danger);
        let t = Theme {
            palette: p,
            ..Theme::default()
        };
        assert_eq!(t.title().fg, Some(Color::Magenta));
        assert_eq!(t.selected().bg, Some(Color::Rgb(0x33, 0x44, 0x55)));

        let e = Palette::with_overrides(&map(&[("acent", "red")])).unwrap_err();
        assert!(e.contains("\"acent\"") && e.contains("accent"), "{e}");
        let e = Palette::with_overrides(&map(&[("danger", "blood")])).unwrap_err();
        assert!(e.starts_with("danger = \"blood\""), "{e}");
    }

    #[test]
    fn monochrome_ignores_colours_but_keeps_the_banner_visible() {
        let t = Theme {
            mono: true,
            banner: Some(Color::Red),
            ..Theme::default()
        };
        assert_eq!(t.title().fg, None);
        let b = t.banner().unwrap();
        assert_eq!(b.bg, None);
        assert!(b.add_modifier.contains(Modifier::REVERSED));
        let c = Theme {
            banner: Some(Color::Red),
            ..Theme::default()
        };
        assert_eq!(c.banner().unwrap().bg, Some(Color::Red));
        assert_eq!(Theme::default().banner(), None);
    }
}
