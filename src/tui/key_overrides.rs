//! `[keys]` in the config file: readable action names and key strings ("n", "ctrl-n", "f2",
//! "del", "shift-tab") turned into a remapped `KeyMap`, or an error naming the bad entry.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyModifiers};

use super::keymap::{Action, Binding, Key, KeyMap, Mode, Modes};

/// The actions a config file may bind, by name. Enter, Esc, Tab, the arrows of the form and
/// Ctrl-C (always quits) stay fixed.
pub const BINDABLE: &[(&str, Action)] = &[
    ("new", Action::New),
    ("revoke", Action::Revoke),
    ("revoke_shown", Action::RevokeShown),
    ("filter", Action::Filter),
    ("help", Action::Help),
    ("quit", Action::Quit),
    ("refresh", Action::Refresh),
    ("sort_next", Action::SortNext),
    ("sort_reverse", Action::SortReverse),
    ("mark", Action::Mark),
    ("copy_id", Action::CopyId),
    ("details", Action::Details),
    ("rotate", Action::Rotate),
    ("export", Action::Export),
    ("mine_expiring", Action::MineExpiring),
    ("audit", Action::Audit),
    ("messages", Action::Messages),
    ("row_actions", Action::RowActions),
    ("up", Action::Up),
    ("down", Action::Down),
    ("top", Action::Top),
    ("bottom", Action::Bottom),
    ("page_up", Action::PageUp),
    ("page_down", Action::PageDown),
    ("generate", Action::Generate),
    ("reveal", Action::Reveal),
    ("copy_secret", Action::CopySecret),
    ("remove", Action::Remove),
    ("switch_server", Action::SwitchServer),
];

impl Action {
    /// The config name of a bindable action ("sort_next"); `-` may stand for `_`.
    pub fn from_name(name: &str) -> Option<Action> {
        let name = name.trim().to_ascii_lowercase().replace('-', "_");
        BINDABLE.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }

    /// None for internal actions (not bindable).
    pub fn name(self) -> Option<&'static str> {
        BINDABLE.iter().find(|(_, a)| *a == self).map(|(n, _)| *n)
    }
}

fn named_key(name: &str) -> Option<KeyCode> {
    Some(match name {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "backspace" | "bs" => KeyCode::Backspace,
        "del" | "delete" => KeyCode::Delete,
        "ins" | "insert" => KeyCode::Insert,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pgup" | "pageup" | "page_up" => KeyCode::PageUp,
        "pgdn" | "pgdown" | "pagedown" | "page_down" => KeyCode::PageDown,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        _ => {
            let n: u8 = name.strip_prefix('f')?.parse().ok()?;
            if !(1..=24).contains(&n) {
                return None;
            }
            KeyCode::F(n)
        }
    })
}

impl Key {
    /// "n", "S", "ctrl-n", "alt-x", "f2", "del", "shift-tab", "pgdn", "space".
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut rest = text.trim();
        let mut mods = KeyModifiers::NONE;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") && rest.len() > 5 {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") && rest.len() > 4 {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") && rest.len() > 6 {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            mods |= m;
            rest = &rest[len..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (None, _) => return Err("no key given".into()),
            (Some(c), None) => {
                if c.is_control() || c.is_whitespace() {
                    return Err("not a printable key (write \"space\", \"tab\", …)".into());
                }
                KeyCode::Char(c)
            }
            _ => named_key(&rest.to_ascii_lowercase())
                .ok_or_else(|| format!("\"{rest}\" is not a key name"))?,
        };
        Ok(normalise(code, mods))
    }
}

/// The form `Key::matches` compares with: Shift is part of a character ('S') and of BackTab;
/// Ctrl combines with the lower-case letter.
fn normalise(code: KeyCode, mods: KeyModifiers) -> Key {
    let shift = mods.contains(KeyModifiers::SHIFT);
    let (code, mods) = match code {
        KeyCode::Tab if shift => (KeyCode::BackTab, mods - KeyModifiers::SHIFT),
        KeyCode::BackTab => (code, mods - KeyModifiers::SHIFT),
        KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => (
            KeyCode::Char(c.to_ascii_lowercase()),
            mods - KeyModifiers::SHIFT,
        ),
        KeyCode::Char(c) if shift => {
            let up: String = c.to_uppercase().collect();
            let c = up.chars().next().filter(|_| up.chars().count() == 1);
            (KeyCode::Char(c.unwrap_or(' ')), mods - KeyModifiers::SHIFT)
        }
        _ => (code, mods),
    };
    Key { code, mods }
}

/// A key that types a character (a text field needs it for typing).
fn types_text(k: &Key) -> bool {
    matches!(k.code, KeyCode::Char(_)) && (k.mods - KeyModifiers::SHIFT).is_empty()
}

fn text_modes() -> Modes {
    let all: Vec<Mode> = Mode::ALL.into_iter().filter(|m| m.takes_text()).collect();
    Modes::of(&all)
}

/// Ctrl-C always quits, whatever the config says.
fn fixed(b: &Binding) -> bool {
    b.action == Action::Quit && b.key == Key::ctrl('c')
}

fn without(a: Modes, b: Modes) -> Modes {
    let keep: Vec<Mode> = a.iter().filter(|m| !b.contains(m)).collect();
    Modes::of(&keep)
}

fn intersect(a: Modes, b: Modes) -> Modes {
    let keep: Vec<Mode> = a.iter().filter(|m| b.contains(m)).collect();
    Modes::of(&keep)
}

impl KeyMap {
    /// The default keymap with `[keys]` applied: each named action gets the new key in every
    /// mode of its default bindings, replacing their keys (a plain character is not bound in text
    /// fields, where it types; the default keys stay there). Unknown actions, keys that do not
    /// parse, and a key another action already has in the same mode are errors.
    pub fn with_overrides(map: &BTreeMap<String, String>) -> Result<KeyMap, String> {
        let mut km = KeyMap::default();
        let mut parsed: Vec<(Action, Key, &str, &str)> = Vec::new();
        for (name, text) in map {
            let Some(action) = Action::from_name(name) else {
                let names: Vec<&str> = BINDABLE.iter().map(|(n, _)| *n).collect();
                return Err(format!(
                    "unknown action \"{name}\" (bindable: {})",
                    names.join(", ")
                ));
            };
            if let Some((_, _, other, _)) = parsed.iter().find(|(a, ..)| *a == action) {
                return Err(format!("\"{name}\" and \"{other}\" name the same action"));
            }
            let key = Key::parse(text).map_err(|e| format!("{name} = \"{text}\": {e}"))?;
            parsed.push((action, key, name, text));
        }
        let text = text_modes();
        for (action, key, ..) in &parsed {
            let mut new_modes = Modes::default();
            let mut first: Option<(usize, &'static str, bool)> = None;
            let mut kept = Vec::with_capacity(km.bindings.len());
            for b in km.bindings.drain(..) {
                if b.action != *action || fixed(&b) {
                    kept.push(b);
                    continue;
                }
                new_modes = new_modes.union(b.modes);
                let hint = first.map_or(b.hint, |(_, _, h)| h || b.hint);
                let at = first.map_or(kept.len(), |(i, _, _)| i);
                let desc = first.map_or(b.desc, |(_, d, _)| d);
                first = Some((at, desc, hint));
                if types_text(key) && !types_text(&b.key) {
                    let modes = intersect(b.modes, text);
                    if modes != Modes::default() {
                        kept.push(Binding { modes, ..b });
                    }
                }
            }
            km.bindings = kept;
            if types_text(key) {
                new_modes = without(new_modes, text);
            }
            if let Some((at, desc, hint)) = first
                && new_modes != Modes::default()
            {
                let binding = Binding {
                    modes: new_modes,
                    key: *key,
                    action: *action,
                    desc,
                    hint,
                };
                km.bindings.insert(at.min(km.bindings.len()), binding);
            }
        }
        for (action, key, name, text) in &parsed {
            for b in km.bindings.iter().filter(|b| b.key == *key) {
                if b.action == *action {
                    continue;
                }
                let clash = km
                    .bindings
                    .iter()
                    .filter(|n| n.action == *action && n.key == *key)
                    .flat_map(|n| n.modes.iter())
                    .find(|m| b.modes.contains(m));
                if let Some(mode) = clash {
                    let what = b.action.name().unwrap_or(b.desc);
                    return Err(format!(
                        "{name} = \"{text}\": {} already means \"{what}\" in {} mode",
                        key.label(),
                        mode.title()
                    ));
                }
            }
        }
        Ok(km)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::string_map as map;
    use crossterm::event::KeyEvent;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn key_strings_parse() {
        let k = |s: &str| Key::parse(s).map(|k| (k.code, k.mods));
        assert_eq!(k("n"), Ok((KeyCode::Char('n'), KeyModifiers::NONE)));
        assert_eq!(k("S"), Ok((KeyCode::Char('S'), KeyModifiers::NONE)));
        assert_eq!(k("shift-s"), Ok((KeyCode::Char('S'), KeyModifiers::NONE)));
        assert_eq!(k("ctrl-n"), Ok((KeyCode::Char('n'), KeyModifiers::CONTROL)));
        assert_eq!(k("Ctrl-N"), Ok((KeyCode::Char('n'), KeyModifiers::CONTROL)));
        assert_eq!(k("alt-x"), Ok((KeyCode::Char('x'), KeyModifiers::ALT)));
        assert_eq!(k("f2"), Ok((KeyCode::F(2), KeyModifiers::NONE)));
        assert_eq!(k("F12"), Ok((KeyCode::F(12), KeyModifiers::NONE)));
        assert_eq!(k("del"), Ok((KeyCode::Delete, KeyModifiers::NONE)));
        assert_eq!(k("shift-tab"), Ok((KeyCode::BackTab, KeyModifiers::NONE)));
        assert_eq!(k("space"), Ok((KeyCode::Char(' '), KeyModifiers::NONE)));
        assert_eq!(k("-"), Ok((KeyCode::Char('-'), KeyModifiers::NONE)));
        assert_eq!(k("pgdn"), Ok((KeyCode::PageDown, KeyModifiers::NONE)));
        for bad in ["", "ctrl-", "f0", "f99", "foo", "ctrl-hyper", " ", "\u{1b}"] {
            assert!(Key::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn an_override_replaces_the_default_keys_in_their_modes() {
        let km = KeyMap::with_overrides(&map(&[("new", "ctrl-n"), ("revoke", "f8")])).unwrap();
        let ctrl_n = ev(KeyCode::Char('n'), KeyModifiers::CONTROL);
        assert_eq!(km.resolve(Mode::Table, &ctrl_n), Some(Action::New));
        let n = ev(KeyCode::Char('n'), KeyModifiers::NONE);
        assert_eq!(km.resolve(Mode::Table, &n), None);
        let f8 = ev(KeyCode::F(8), KeyModifiers::NONE);
        // Revoke had d and Del in the table and d in the row menu.
        assert_eq!(km.resolve(Mode::Table, &f8), Some(Action::Revoke));
        assert_eq!(km.resolve(Mode::Menu, &f8), Some(Action::Revoke));
        let d = ev(KeyCode::Char('d'), KeyModifiers::NONE);
        assert_eq!(km.resolve(Mode::Table, &d), None);
        let del = ev(KeyCode::Delete, KeyModifiers::NONE);
        assert_eq!(km.resolve(Mode::Table, &del), None);
        // Hints and help follow.
        let hints = km.hints(Mode::Table);
        assert!(hints.contains("Ctrl-N new"), "{hints}");
        assert!(hints.contains("F8 revoke"), "{hints}");
        assert!(!hints.contains("n new"), "{hints}");
        assert!(
            km.help(Mode::Menu)
                .iter()
                .any(|(k, d)| k == "F8" && *d == "revoke")
        );
    }

    #[test]
    fn a_plain_character_does_not_steal_typing_and_ctrl_c_stays() {
        let km = KeyMap::with_overrides(&map(&[("up", "p"), ("quit", "z")])).unwrap();
        let p = ev(KeyCode::Char('p'), KeyModifiers::NONE);
        assert_eq!(km.resolve(Mode::Table, &p), Some(Action::Up));
        assert_eq!(km.resolve(Mode::Filter, &p), None);
        // The arrow stays where text is typed, goes where the new key took over.
        let up = ev(KeyCode::Up, KeyModifiers::NONE);
        assert_eq!(km.resolve(Mode::Picker, &up), Some(Action::Up));
        assert_eq!(km.resolve(Mode::Table, &up), None);
        let ctrl_c = ev(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for mode in Mode::ALL {
            assert_eq!(km.resolve(mode, &ctrl_c), Some(Action::Quit), "{mode:?}");
        }
        let x = ev(KeyCode::Char('z'), KeyModifiers::NONE);
        assert_eq!(km.resolve(Mode::Table, &x), Some(Action::Quit));
        let q = ev(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(km.resolve(Mode::Table, &q), None);
    }

    #[test]
    fn swapping_two_keys_is_no_collision() {
        let km = KeyMap::with_overrides(&map(&[("new", "d"), ("revoke", "n")])).unwrap();
        let d = ev(KeyCode::Char('d'), KeyModifiers::NONE);
        let n = ev(KeyCode::Char('n'), KeyModifiers::NONE);
        assert_eq!(km.resolve(Mode::Table, &d), Some(Action::New));
        assert_eq!(km.resolve(Mode::Table, &n), Some(Action::Revoke));
    }

    #[test]
    fn bad_entries_are_named() {
        let err = KeyMap::with_overrides(&map(&[("nwe", "n")])).unwrap_err();
        assert!(err.contains("unknown action \"nwe\""), "{err}");
        assert!(err.contains("sort_next"), "{err}");
        let err = KeyMap::with_overrides(&map(&[("new", "ctrl-hyper")])).unwrap_err();
        assert!(err.starts_with("new = \"ctrl-hyper\""), "{err}");
        // Internal actions are not bindable.
        assert!(KeyMap::with_overrides(&map(&[("confirm", "x")])).is_err());
        assert!(KeyMap::with_overrides(&map(&[("back", "x")])).is_err());
        // j is Down in the table.
        let err = KeyMap::with_overrides(&map(&[("new", "j")])).unwrap_err();
        assert!(err.contains("new = \"j\""), "{err}");
        assert!(err.contains("down"), "{err}");
        assert!(err.contains("Table"), "{err}");
        // Two overrides to the same key.
        let err = KeyMap::with_overrides(&map(&[("new", "f2"), ("refresh", "f2")])).unwrap_err();
        assert!(err.contains("F2"), "{err}");
        // Ctrl-C is taken everywhere.
        assert!(KeyMap::with_overrides(&map(&[("refresh", "ctrl-c")])).is_err());
        // The same action twice under two spellings.
        assert!(KeyMap::with_overrides(&map(&[("sort-next", "f3"), ("sort_next", "f4")])).is_err());
    }

    #[test]
    fn names_round_trip() {
        for (name, a) in BINDABLE {
            assert_eq!(Action::from_name(name), Some(*a));
            assert_eq!(a.name(), Some(*name));
        }
        assert_eq!(Action::Confirm.name(), None);
    }
}
