//! `Action`: what a key means. `KeyMap::resolve(mode, key)`; key hints and help are generated
//! from the same table, so they cannot drift from what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// User intents: what a key resolves to in a mode. The config file may rebind those named in
/// `key_overrides::BINDABLE`; Enter, Esc, Tab, the form's arrows and Ctrl-C stay fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Left,
    Right,
    Filter,
    SortNext,
    SortReverse,
    New,
    RowActions,
    Revoke,
    /// `D`: revoke every row the filter shows (after the count is typed).
    RevokeShown,
    Mark,
    Refresh,
    Help,
    /// Esc: close, cancel, clear.
    Back,
    /// Enter: choose, press, open.
    Confirm,
    NextField,
    PrevField,
    Toggle,
    Generate,
    Remove,
    Reveal,
    /// `c` in the secret view: copy the token again while it is still on screen.
    CopySecret,
    CopyId,
    Details,
    /// Switch to another configured server (profile).
    SwitchServer,
    Rotate,
    Export,
    MineExpiring,
    /// The audit trail (tokentab serve only).
    Audit,
    /// The last message in full.
    Messages,
}

/// Where the keys go; each mode has its own bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Table,
    Filter,
    Menu,
    Confirm,
    /// The confirmation asks to type the ID prefix.
    ConfirmText,
    Form,
    /// A form text field has focus.
    FormText,
    Picker,
    Details,
    Help,
    Secret,
    /// The audit view.
    Audit,
    /// The audit view's filter has focus.
    AuditFilter,
}

impl Mode {
    pub const ALL: [Mode; 13] = [
        Mode::Table,
        Mode::Filter,
        Mode::Menu,
        Mode::Confirm,
        Mode::ConfirmText,
        Mode::Form,
        Mode::FormText,
        Mode::Picker,
        Mode::Details,
        Mode::Help,
        Mode::Secret,
        Mode::Audit,
        Mode::AuditFilter,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Mode::Table => "Table",
            Mode::Filter => "Filter",
            Mode::Menu => "Row actions",
            Mode::Confirm => "Confirm",
            Mode::ConfirmText => "Confirm (typing)",
            Mode::Form => "New token",
            Mode::FormText => "New token (text field)",
            Mode::Picker => "Picker",
            Mode::Details => "Details",
            Mode::Help => "Help",
            Mode::Secret => "Secret view",
            Mode::Audit => "Audit trail",
            Mode::AuditFilter => "Audit trail (filter)",
        }
    }

    /// True when unbound keys are typed into a text field.
    pub fn takes_text(self) -> bool {
        matches!(
            self,
            Mode::Filter | Mode::ConfirmText | Mode::FormText | Mode::Picker | Mode::AuditFilter
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            mods: KeyModifiers::NONE,
        }
    }
    pub const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }
    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        }
    }

    /// "Ctrl-S", "⏎", "j".
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "⏎".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        let mut out = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            out.push_str("Ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            out.push_str("Alt-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            out.push_str("Shift-");
        }
        if self.mods.contains(KeyModifiers::CONTROL) {
            out.push_str(&base.to_uppercase());
        } else {
            out.push_str(&base);
        }
        out
    }

    pub fn matches(&self, ev: &KeyEvent) -> bool {
        // Shift is part of the character itself ('S'), so it is ignored for Char keys.
        let mods = match ev.code {
            KeyCode::Char(_) | KeyCode::BackTab => ev.modifiers - KeyModifiers::SHIFT,
            _ => ev.modifiers,
        };
        self.code == ev.code && self.mods == mods
    }
}

/// A set of modes (a bit per mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Modes(u16);

impl Modes {
    pub fn of(modes: &[Mode]) -> Modes {
        Modes(modes.iter().fold(0, |acc, m| acc | Modes::bit(*m)))
    }
    fn bit(m: Mode) -> u16 {
        1 << (m as u16)
    }
    pub fn contains(&self, m: &Mode) -> bool {
        self.0 & Modes::bit(*m) != 0
    }
    pub fn union(self, other: Modes) -> Modes {
        Modes(self.0 | other.0)
    }
    pub fn iter(self) -> impl Iterator<Item = Mode> {
        Mode::ALL.into_iter().filter(move |m| self.contains(m))
    }
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub modes: Modes,
    pub key: Key,
    pub action: Action,
    pub desc: &'static str,
    /// Shown in the hint line of its modes.
    pub hint: bool,
}

/// The active keymap (defaults; a remapped table has the same shape).
#[derive(Debug, Clone)]
pub struct KeyMap {
    pub(super) bindings: Vec<Binding>,
}

mod defaults;

impl KeyMap {
    /// The action bound to `key` in `mode`, if any. Key releases resolve to nothing.
    pub fn resolve(&self, mode: Mode, key: &KeyEvent) -> Option<Action> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        self.bindings
            .iter()
            .find(|b| b.modes.contains(&mode) && b.key.matches(key))
            .map(|b| b.action)
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// Every binding of a mode (help screen), keys of the same action joined: "j/↓  down".
    pub fn help(&self, mode: Mode) -> Vec<(String, &'static str)> {
        let mut out: Vec<(String, &'static str)> = Vec::new();
        let mut keys: Vec<Key> = Vec::new();
        for b in self.bindings.iter().filter(|b| b.modes.contains(&mode)) {
            if keys.contains(&b.key) {
                continue;
            }
            keys.push(b.key);
            let label = b.key.label();
            match out.iter_mut().find(|(_, d)| *d == b.desc) {
                Some((keys, _)) => {
                    keys.push('/');
                    keys.push_str(&label);
                }
                None => out.push((label, b.desc)),
            }
        }
        out
    }

    /// The first key bound to `action` in `mode` ("Esc"), for hints outside the keymap.
    pub fn key_for(&self, mode: Mode, action: Action) -> Option<Key> {
        self.bindings
            .iter()
            .find(|b| b.action == action && b.modes.contains(&mode))
            .map(|b| b.key)
    }

    /// The hint line of a mode: "n new token · ⏎ row actions · …". Each action and each key
    /// appears once; a key shadowed by an earlier binding is not hinted.
    pub fn hints(&self, mode: Mode) -> String {
        self.hints_except(mode, &[])
    }

    /// The hint line without some actions (a read-only session does not offer New or Revoke).
    pub fn hints_except(&self, mode: Mode, hidden: &[Action]) -> String {
        let parts: Vec<String> = self
            .hint_parts(mode, hidden)
            .into_iter()
            .map(|(_, h)| h)
            .collect();
        parts.join(" · ")
    }

    /// The hints of a mode one by one, with their action ("n new"), in keymap order.
    pub fn hint_parts(&self, mode: Mode, hidden: &[Action]) -> Vec<(Action, String)> {
        let mut seen: Vec<&str> = Vec::new();
        let mut keys: Vec<Key> = Vec::new();
        let mut parts = Vec::new();
        for b in self.bindings.iter().filter(|b| b.modes.contains(&mode)) {
            let shadowed = keys.contains(&b.key);
            keys.push(b.key);
            // Esc in the table only clears a filter; the status bar hints it when one is on.
            let table_back = mode == Mode::Table && b.action == Action::Back;
            if !b.hint
                || shadowed
                || table_back
                || hidden.contains(&b.action)
                || seen.contains(&b.desc)
            {
                continue;
            }
            seen.push(b.desc);
            // The hint is the description up to its parenthesis: "sort (next column)" -> "sort".
            let short = b.desc.split(" (").next().unwrap_or(b.desc);
            parts.push((b.action, format!("{} {short}", b.key.label())));
        }
        parts
    }
}
