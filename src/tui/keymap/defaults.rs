//! The default bindings: which key does what in which mode. Help and the hint line are
//! generated from this table.

use crossterm::event::KeyCode;

use super::{Action, Binding, Key, KeyMap, Mode, Modes};

use Mode as M;

const LIST: &[Mode] = &[M::Table];
const MOVE: &[Mode] = &[M::Table, M::Menu, M::Form, M::Details, M::Help, M::Audit];
const MOVE_TEXT: &[Mode] = &[
    M::Table,
    M::Menu,
    M::Picker,
    M::Form,
    M::Details,
    M::Help,
    M::Filter,
    M::Audit,
    M::AuditFilter,
];
const FORM: &[Mode] = &[M::Form, M::FormText];
/// Every mode: Esc and Ctrl-C always work.
const BACK: &[Mode] = &Mode::ALL;
/// Not Table: there Enter opens the row actions.
const ENTER: &[Mode] = &[
    M::Filter,
    M::Menu,
    M::Confirm,
    M::ConfirmText,
    M::Form,
    M::FormText,
    M::Picker,
    M::Details,
    M::Secret,
    M::AuditFilter,
];

fn b(modes: &[Mode], key: Key, action: Action, desc: &'static str, hint: bool) -> Binding {
    Binding {
        modes: Modes::of(modes),
        key,
        action,
        desc,
        hint,
    }
}

impl Default for KeyMap {
    fn default() -> Self {
        use Action as A;
        use KeyCode as K;
        let p = Key::plain;
        let c = Key::ch;
        // One binding a line: a table, read and edited as one.
        #[rustfmt::skip]
        let bindings = vec![
            b(BACK, Key::ctrl('c'), A::Quit, "quit", false),
            b(LIST, c('n'), A::New, "new (create a token)", true),
            b(LIST, p(K::Enter), A::RowActions, "actions (revoke, copy ID, details)", true),
            b(LIST, c('d'), A::Revoke, "revoke", true),
            b(LIST, c('D'), A::RevokeShown, "revoke every row the filter shows (type their count)", false),
            b(LIST, c('R'), A::Rotate, "rotate (replace, then revoke)", false),
            b(LIST, p(K::Delete), A::Revoke, "revoke", false),
            b(LIST, c(' '), A::Mark, "mark row", false),
            b(LIST, c('/'), A::Filter, "filter", true),
            b(LIST, c('s'), A::SortNext, "sort (next column)", true),
            b(LIST, c('S'), A::SortReverse, "reverse sort", false),
            b(LIST, c('r'), A::Refresh, "refresh", true),
            b(LIST, c('P'), A::SwitchServer, "servers (switch profile)", true),
            b(&[M::Form], c('P'), A::SwitchServer, "servers (switch profile)", false),
            b(LIST, c('x'), A::MineExpiring, "filter: mine expiring in 7 d", false),
            b(LIST, c('e'), A::Export, "export the rows shown (CSV)", false),
            b(LIST, c('y'), A::CopyId, "copy token ID", false),
            b(LIST, c('A'), A::Audit, "audit trail (tokentab serve)", false),
            b(&[M::Audit], p(K::Tab), A::NextField, "this token / everyone", true),
            b(&[M::Audit], c('/'), A::Filter, "filter", true),
            b(&[M::Audit], c('r'), A::Refresh, "reload", false),
            b(LIST, c('i'), A::Details, "details", false),
            b(&[M::Table, M::Form, M::Details], c('m'), A::Messages, "the last message in full", false),
            b(&[M::Table, M::Help], c('?'), A::Help, "help", true),
            b(&[M::Table, M::Details, M::Help, M::Audit], c('q'), A::Quit, "quit", true),
            b(MOVE, c('k'), A::Up, "up", false),
            b(MOVE_TEXT, p(K::Up), A::Up, "up", false),
            b(MOVE, c('j'), A::Down, "down", false),
            b(MOVE_TEXT, p(K::Down), A::Down, "down", false),
            b(&[M::Table, M::Details, M::Help, M::Audit], c('g'), A::Top, "first", false),
            b(&[M::Table, M::Picker, M::Details, M::Help, M::Audit], p(K::Home), A::Top, "first", false),
            b(&[M::Table, M::Details, M::Help, M::Audit], c('G'), A::Bottom, "last", false),
            b(&[M::Table, M::Picker, M::Details, M::Help, M::Audit], p(K::End), A::Bottom, "last", false),
            b(MOVE_TEXT, p(K::PageUp), A::PageUp, "page up", false),
            b(MOVE_TEXT, p(K::PageDown), A::PageDown, "page down", false),
            b(ENTER, p(K::Enter), A::Confirm, "choose (press, open)", true),
            b(BACK, p(K::Esc), A::Back, "close (cancel, clear)", true),
            b(&[M::Form, M::FormText, M::Confirm, M::ConfirmText], p(K::Tab), A::NextField, "next field", true),
            b(&[M::Form, M::FormText, M::Confirm, M::ConfirmText], p(K::BackTab), A::PrevField, "previous field", false),
            b(&[M::Form, M::Confirm], p(K::Left), A::Left, "previous option", false),
            b(&[M::Form, M::Confirm], p(K::Right), A::Right, "next option", false),
            b(&[M::Form], c(' '), A::Toggle, "toggle", true),
            b(FORM, Key::ctrl('s'), A::Generate, "generate", true),
            b(&[M::Form], c('x'), A::Remove, "remove permission row", false),
            b(&[M::Form], p(K::Delete), A::Remove, "remove permission row", false),
            b(&[M::Secret], c('v'), A::Reveal, "reveal / mask", true),
            b(&[M::Secret], c('c'), A::CopySecret, "copy again", true),
            b(&[M::Menu], c('d'), A::Revoke, "revoke", false),
            b(&[M::Menu], c('y'), A::CopyId, "copy token ID", false),
            b(&[M::Menu], c('i'), A::Details, "details", false),
            b(&[M::Menu], c('R'), A::Rotate, "rotate", false),
        ];
        KeyMap { bindings }
    }
}
