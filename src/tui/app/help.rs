//! The help overlay: only a scroll position (the text comes from the keymap when drawn).

use super::super::keymap::Action;

/// Keys of the help overlay at `scroll`; true when it closes.
pub fn on_action(scroll: &mut usize, a: Action) -> bool {
    match a {
        Action::Back | Action::Help => return true,
        Action::Up => *scroll = scroll.saturating_sub(1),
        Action::Down => *scroll += 1,
        Action::PageDown => *scroll += 10,
        Action::PageUp => *scroll = scroll.saturating_sub(10),
        Action::Top => *scroll = 0,
        _ => {}
    }
    false
}
