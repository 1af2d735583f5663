//! The model and its one `update`: pure (no network, no terminal, no clock, no tokio).
//!
//! `App` holds what every state shares (settings, clock, status line, request ids, the token
//! list in [`list::Table`]) and the states themselves: one overlay at a time, the create panel,
//! a rotation finishing after its dialog closed. Each state lives in its own file and owns its
//! handlers: its keys and the replies to its own calls.
//!
//! **Replies go to their owner.** A state asks for a call through [`ctx::Ctx::call`] with its
//! [`Owner`](super::msg::Owner); the runtime sends the answer back as `Msg::Reply` carrying
//! the same owner and id. `update` (in `update.rs`) only dispatches: a key by mode, a reply by
//! owner — to that one state, never by API verb and never by trying states in turn. A reply
//! whose owner is gone (the dialog was closed) is dropped, and with it any secret it carried.

pub mod audit;
pub mod confirm;
mod copies;
pub mod ctx;
pub mod details;
pub mod expiry_notice;
pub mod export;
pub mod form;
pub mod help;
mod idle;
pub mod list;
pub mod list_changes;
mod load;
pub mod messages;
pub mod picker;
pub mod profiles;
pub mod revoke_shown;
pub mod rotate;
pub mod row_store;
pub mod secret;
pub mod signed_out;

pub mod table;
mod text;
pub mod tokens;
mod update;

#[cfg(test)]
mod ownership_tests;

use chrono::{DateTime, Utc};
use crossterm::event::Event;
use ratatui::layout::Rect;

use crate::secret::OneTimeSecret;
use crate::secret::clipboard::CopyOutcome;

use super::keymap::{Action, KeyMap, Mode};
use super::layout::{self, Regions, Shape};
use super::msg::{Effect, Msg};
use super::theme::Theme;
use audit::AuditView;
use confirm::Confirm;
use ctx::{Ctx, IdGen};
use form::Form;
use list::Table;

pub use ctx::{MESSAGE_SECS, Status};
pub use details::Details;
pub use list::Streaming;
pub use load::Load;
pub use profiles::{ServerPicker, Servers, Stage};
pub use secret::SecretView;
pub use table::MenuItem;

/// Fixed settings of a session.
#[derive(Debug, Clone, Default)]
pub struct AppConfig {
    pub server_label: String,
    pub embedded: bool,
    pub profile: Option<String>,
    pub readonly: bool,
    pub mask_secret: bool,
    /// 0 = never.
    pub clipboard_clear_secs: u64,
    /// Monochrome styles (NO_COLOR / --no-color).
    pub mono: bool,
}

/// What sits on top of the table (one at a time).
#[derive(Debug)]
pub enum Overlay {
    None,
    Menu(usize),
    Confirm(Confirm),
    Details(Details),
    Help(usize),
    Secret(SecretView),
    /// The server list (`P`).
    Switch(ServerPicker),
    Rotate(rotate::RotateDialog),
    Export(export::ExportPrompt),
    /// The audit trail (`A`).
    Audit(AuditView),
    /// The last message in full (`m`).
    Message(messages::MessageView),
}

#[derive(Debug)]
pub struct App {
    pub cfg: AppConfig,
    pub keymap: KeyMap,
    /// Colours and the header banner (`[theme]`, the profile's banner colour).
    pub theme: Theme,
    pub now: DateTime<Utc>,
    pub size: (u16, u16),
    ids: IdGen,
    pub status: Option<Status>,
    /// The message that last left the status line (`m` shows it).
    pub last_message: Option<Status>,
    pub spinner: usize,
    /// The token list: who I am, the rows, their load, the filter line.
    pub table: Table,
    /// The servers `P` offers.
    pub servers: Servers,
    pub overlay: Overlay,
    pub form: Option<Form>,
    /// A rotation whose replacement exists: the old token's revoke and its outcome.
    pub rotation: Option<rotate::Rotation>,
    /// When the clipboard will be cleared (the countdown).
    pub clip_clear_at: Option<DateTime<Utc>>,
    /// Where the secret's last copy went (for the clear's words once the view is closed).
    pub clip_copy: Option<CopyOutcome>,
    /// Something visible changed since the last draw.
    pub dirty: bool,
    pub quitting: bool,
}

impl App {
    pub fn new(cfg: AppConfig, now: DateTime<Utc>) -> App {
        App {
            theme: Theme {
                mono: cfg.mono,
                ..Theme::default()
            },
            cfg,
            keymap: KeyMap::default(),
            now,
            size: (80, 24),
            ids: IdGen::default(),
            status: None,
            last_message: None,
            spinner: 0,
            table: Table::default(),
            servers: Servers::default(),
            overlay: Overlay::None,
            form: None,
            rotation: None,
            clip_clear_at: None,
            clip_copy: None,
            dirty: true,
            quitting: false,
        }
    }

    /// The first effects: who am I, and the token list.
    pub fn init(&mut self) -> Vec<Effect> {
        let mut fx = Vec::new();
        let mut cx = Ctx::new(self.now, &mut self.ids, &mut fx, &mut self.status);
        self.table.start(&mut cx);
        fx
    }

    /// The secret of the open secret view, if one is open.
    pub fn secret(&self) -> Option<&OneTimeSecret> {
        match &self.overlay {
            Overlay::Secret(v) => Some(&v.created.secret),
            _ => None,
        }
    }

    pub fn mode(&self) -> Mode {
        match &self.overlay {
            Overlay::Secret(_) => Mode::Secret,
            Overlay::Switch(p) if matches!(p.stage, Stage::Discard { .. }) => Mode::Confirm,
            Overlay::Switch(_) => Mode::Picker,
            Overlay::Help(_) => Mode::Help,
            Overlay::Audit(v) if v.filtering => Mode::AuditFilter,
            Overlay::Audit(_) => Mode::Audit,
            Overlay::Details(_) | Overlay::Message(_) => Mode::Details,
            Overlay::Confirm(c) if c.required.is_some() && !c.started => Mode::ConfirmText,
            Overlay::Confirm(_) | Overlay::Rotate(_) => Mode::Confirm,
            Overlay::Export(p) if p.typing() => Mode::ConfirmText,
            Overlay::Export(_) => Mode::Confirm,
            Overlay::Menu(_) => Mode::Menu,
            Overlay::None => match &self.form {
                Some(f) if f.discarding => Mode::Confirm,
                Some(f) if f.picker.is_some() => Mode::Picker,
                Some(f) if f.focus.is_text() && f.submitting.is_none() => Mode::FormText,
                Some(_) => Mode::Form,
                None if self.table.filtering => Mode::Filter,
                None => Mode::Table,
            },
        }
    }

    /// Turns a terminal event into a message (keys through the keymap; unbound keys reach a
    /// focused text field only).
    pub fn translate(&self, ev: &Event) -> Option<Msg> {
        use crossterm::event::{KeyEventKind, MouseButton, MouseEventKind};
        // "enlarge the terminal" hides the screen: only quit acts; no key, paste or click does
        // something unseen.
        if layout::too_small(self.size.0, self.size.1) {
            return match ev {
                Event::Resize(w, h) => Some(Msg::Resize(*w, *h)),
                Event::Key(k) if k.kind != KeyEventKind::Release && quit_key(k) => {
                    Some(Msg::Action(Action::Quit))
                }
                _ => None,
            };
        }
        match ev {
            Event::Key(k) if k.kind != KeyEventKind::Release => {
                if self.form.as_ref().is_some_and(|f| f.discarding)
                    && matches!(self.overlay, Overlay::None)
                {
                    return discard_answer(k);
                }
                let mode = self.mode();
                match self.keymap.resolve(mode, k) {
                    Some(a) => Some(Msg::Action(a)),
                    None if mode.takes_text() || mode == Mode::Secret => Some(Msg::Key(*k)),
                    None => None,
                }
            }
            Event::Paste(s) => Some(Msg::Paste(s.clone())),
            Event::Resize(w, h) => Some(Msg::Resize(*w, *h)),
            Event::Mouse(m) => match m.kind {
                MouseEventKind::Down(MouseButton::Left) => Some(Msg::Click {
                    x: m.column,
                    y: m.row,
                }),
                MouseEventKind::ScrollDown => Some(Msg::Scroll(1)),
                MouseEventKind::ScrollUp => Some(Msg::Scroll(-1)),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether the form's "discard it? (y/n)" question is showing.
    pub fn asking_discard(&self) -> bool {
        matches!(self.overlay, Overlay::None) && self.form.as_ref().is_some_and(|f| f.discarding)
    }

    /// Something animates: a spinner, a countdown or a message that will expire.
    pub fn tick_interval(&self) -> Option<std::time::Duration> {
        if self.spinner_visible() {
            Some(std::time::Duration::from_millis(120))
        } else if self.status.is_some() || self.countdown_visible() {
            Some(std::time::Duration::from_secs(1))
        } else {
            None
        }
    }

    pub fn spinner_visible(&self) -> bool {
        self.table.list.is_loading()
            || self.table.refreshing.is_some()
            || self.form.as_ref().is_some_and(|f| {
                f.submitting.is_some() || f.picker.as_ref().is_some_and(|p| p.loading.is_some())
            })
            || matches!(&self.overlay, Overlay::Confirm(c) if c.running())
            || matches!(&self.overlay, Overlay::Rotate(d) if d.running())
            || matches!(&self.overlay, Overlay::Export(p) if matches!(p.step, export::ExportStep::Writing(_)))
            || self.rotation.as_ref().is_some_and(|r| r.revoke.is_some())
            || matches!(&self.overlay, Overlay::Details(d) if d.load.is_loading())
            || matches!(&self.overlay, Overlay::Audit(v) if v.load.is_loading())
            || matches!(&self.overlay, Overlay::Switch(p) if p.connecting())
    }

    /// The countdown is on screen (only inside the secret view).
    pub fn countdown_visible(&self) -> bool {
        matches!(self.overlay, Overlay::Secret(_)) && self.clip_clear_at.is_some()
    }

    /// Seconds left before the clipboard is cleared.
    pub fn countdown(&self) -> Option<i64> {
        self.clip_clear_at
            .map(|at| (at - self.now).num_seconds().max(0))
    }

    /// What splits the screen besides its size.
    pub fn shape(&self) -> Shape {
        Shape {
            banner: matches!(self.table.list, Load::Failed(_)),
            panel: self.form.is_some(),
        }
    }

    /// The screen's regions at the terminal's present size.
    pub fn regions(&self) -> Regions {
        layout::regions(Rect::new(0, 0, self.size.0, self.size.1), self.shape())
    }

    /// Rows of the table body that fit on screen now.
    pub fn page_height(&self) -> usize {
        layout::table_body_height(self.regions().table)
    }

    fn say(&mut self, text: impl Into<String>, error: bool) {
        self.status = Some(Status::new(text, error, self.now));
    }

    fn refuse_readonly(&mut self, what: &str) {
        self.say(table::readonly_refusal(what), true);
    }
}

/// The keys of the form's discard question: y discards, n or Esc keeps editing, Ctrl-C quits;
/// nothing else acts (Enter neither: the answer is typed).
fn discard_answer(k: &crossterm::event::KeyEvent) -> Option<Msg> {
    use crossterm::event::{KeyCode, KeyModifiers};
    if k.modifiers.contains(KeyModifiers::CONTROL) {
        return (k.code == KeyCode::Char('c')).then_some(Msg::Action(Action::Quit));
    }
    match k.code {
        KeyCode::Char('y' | 'Y') => Some(Msg::Action(Action::Confirm)),
        KeyCode::Char('n' | 'N') | KeyCode::Esc => Some(Msg::Action(Action::Back)),
        _ => None,
    }
}

/// `q` or Ctrl-C: the keys that act while the terminal is too small.
fn quit_key(k: &crossterm::event::KeyEvent) -> bool {
    use crossterm::event::{KeyCode, KeyModifiers};
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    let alt = k.modifiers.contains(KeyModifiers::ALT);
    match k.code {
        KeyCode::Char('c') => ctrl && !alt,
        KeyCode::Char('q') => !ctrl && !alt,
        _ => false,
    }
}
