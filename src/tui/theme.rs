//! Semantic styles. Monochrome (NO_COLOR / --no-color) still shows selection, focus and status
//! through reverse video, bold and underline; status always has a symbol and a word too.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Theme {
    pub mono: bool,
}

impl Theme {
    /// Colour unless `no_color` or the NO_COLOR convention says otherwise.
    pub fn from_env(no_color: bool) -> Theme {
        let env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme {
            mono: no_color || env,
        }
    }

    fn color(&self, fg: Color) -> Style {
        if self.mono {
            Style::default()
        } else {
            Style::default().fg(fg)
        }
    }

    pub fn base(&self) -> Style {
        Style::default()
    }
    pub fn title(&self) -> Style {
        self.color(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn header(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
    pub fn selected(&self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD)
        }
    }
    pub fn focus(&self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::default()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD)
        }
    }
    pub fn border_focus(&self) -> Style {
        self.color(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn dim(&self) -> Style {
        if self.mono {
            Style::default()
        } else {
            Style::default().fg(Color::DarkGray)
        }
    }
    pub fn ok(&self) -> Style {
        self.color(Color::Green)
    }
    pub fn warn(&self) -> Style {
        self.color(Color::Yellow)
    }
    pub fn error(&self) -> Style {
        self.color(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn marked(&self) -> Style {
        self.color(Color::Magenta).add_modifier(Modifier::BOLD)
    }
    pub fn secret(&self) -> Style {
        self.color(Color::Yellow).add_modifier(Modifier::BOLD)
    }
}
