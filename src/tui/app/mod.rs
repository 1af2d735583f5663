//! The model and its one `update`: pure (no network, no terminal, no clock, no tokio).
//!
//! `update` only dispatches: each state handles its own keys in its own file (table and row
//! menu, form, picker, confirm, details, help, secret view, typed text) and the results of
//! calls and copies are taken in `results`. Handlers return effects; the runtime runs them.

pub mod audit;
pub mod confirm;
pub mod ctx;
pub mod details;
pub mod expiry_notice;
pub mod export;
pub mod form;
pub mod help;
mod load;
pub mod picker;
pub mod profiles;
pub mod results;
pub mod rotate;
pub mod row_store;
pub mod secret;
mod streaming;
pub mod table;
mod text;
pub mod tokens;

use chrono::{DateTime, Utc};
use crossterm::event::Event;
use ratatui::layout::Rect;
use tui_input::Input;

use crate::secret::OneTimeSecret;

use super::keymap::{Action, KeyMap, Mode};
use super::layout::{self, Regions, Shape};
use super::msg::{Effect, Msg, ReqId};
use super::switch::ServerEntry;
use super::theme::Theme;
use audit::AuditView;
use confirm::Confirm;
use ctx::{Ctx, IdGen};
use form::{Form, FormOutcome};
use tokens::Rows;

pub use ctx::{MESSAGE_SECS, Status};
pub use details::Details;
pub use load::Load;
pub use profiles::{ServerPicker, Stage};
pub use secret::SecretView;
pub use streaming::Streaming;
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
    /// The signed-in user name (GET /tokens/me subject).
    pub me: Load<String>,
    /// The first load (or the load after a failure).
    pub list: Load<()>,
    /// A refresh in flight while rows are shown.
    pub refreshing: Option<ReqId>,
    /// The list streaming in page by page (first load or refresh).
    pub streaming: Option<Streaming>,
    pub rows: Rows,
    /// The servers `P` offers (empty: switching is not available).
    pub servers: Vec<ServerEntry>,
    /// The key of the entry the session talks to, if it is one of them.
    pub current_server: Option<String>,
    pub filter: Input,
    pub filtering: bool,
    pub overlay: Overlay,
    pub form: Option<Form>,
    pub status: Option<Status>,
    pub spinner: usize,
    /// When the clipboard will be cleared (the countdown).
    pub clip_clear_at: Option<DateTime<Utc>>,
    /// A row to select when the next list arrives (the token just created).
    pending_select: Option<String>,
    /// The signed-in user's own tokens expiring within 7 days (the header's notice).
    pub mine_expiring: usize,
    /// A rotation whose replacement exists: the old token's revoke and its outcome.
    pub rotation: Option<rotate::Rotation>,
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
            me: Load::Idle,
            list: Load::Idle,
            refreshing: None,
            streaming: None,
            rows: Rows::default(),
            servers: Vec::new(),
            current_server: None,
            filter: Input::default(),
            filtering: false,
            overlay: Overlay::None,
            form: None,
            status: None,
            spinner: 0,
            clip_clear_at: None,
            pending_select: None,
            rotation: None,
            mine_expiring: 0,
            dirty: true,
            quitting: false,
        }
    }

    /// The first effects: who am I, and the token list.
    pub fn init(&mut self) -> Vec<Effect> {
        let me = self.next_req_id();
        self.me = Load::Loading(me);
        let list = self.next_req_id();
        self.list = Load::Loading(list);
        vec![Effect::LoadMe(me), Effect::ListTokens(list)]
    }

    /// The one source of request ids.
    fn next_req_id(&mut self) -> ReqId {
        self.ids.next_id()
    }

    /// The secret of the open secret view, if one is open.
    pub fn secret(&self) -> Option<&OneTimeSecret> {
        match &self.overlay {
            Overlay::Secret(v) => Some(&v.created.secret),
            _ => None,
        }
    }

    pub fn me_name(&self) -> Option<&str> {
        match &self.me {
            Load::Loaded(s) => Some(s),
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
            Overlay::Details(_) => Mode::Details,
            Overlay::Confirm(c) if c.required.is_some() && !c.started => Mode::ConfirmText,
            Overlay::Confirm(_) | Overlay::Rotate(_) => Mode::Confirm,
            Overlay::Export(p) if p.typing() => Mode::ConfirmText,
            Overlay::Export(_) => Mode::Confirm,
            Overlay::Menu(_) => Mode::Menu,
            Overlay::None => match &self.form {
                Some(f) if f.picker.is_some() => Mode::Picker,
                Some(f) if f.focus.is_text() && f.submitting.is_none() => Mode::FormText,
                Some(_) => Mode::Form,
                None if self.filtering => Mode::Filter,
                None => Mode::Table,
            },
        }
    }

    /// Turns a terminal event into a message (keys through the keymap; unbound keys reach a
    /// focused text field only).
    pub fn translate(&self, ev: &Event) -> Option<Msg> {
        use crossterm::event::{KeyEventKind, MouseButton, MouseEventKind};
        match ev {
            Event::Key(k) if k.kind != KeyEventKind::Release => {
                let mode = self.mode();
                match self.keymap.resolve(mode, k) {
                    Some(a) => Some(Msg::Action(a)),
                    None if mode.takes_text() => Some(Msg::Key(*k)),
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
        self.list.is_loading()
            || self.refreshing.is_some()
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
            banner: matches!(self.list, Load::Failed(_)),
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
        self.say(
            format!("read-only session: {what} is turned off (--readonly)"),
            true,
        );
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let mut fx = Vec::new();
        let dirty = match msg {
            Msg::Tick(now) => self.on_tick(now),
            Msg::RefreshDue => {
                self.quiet_refresh(&mut fx);
                false
            }
            other => {
                self.on_msg(other, &mut fx);
                true
            }
        };
        if dirty {
            let h = self.page_height();
            self.rows.scroll_into_view(h);
            self.dirty = true;
        }
        fx
    }

    fn on_tick(&mut self, now: DateTime<Utc>) -> bool {
        let mut dirty = false;
        let secs_before = self.countdown();
        self.now = now;
        if self.spinner_visible() {
            self.spinner = self.spinner.wrapping_add(1);
            dirty = true;
        }
        if self.status.as_ref().is_some_and(|s| s.until <= now) {
            self.status = None;
            dirty = true;
        }
        if self.countdown_visible() && self.countdown() != secs_before {
            dirty = true;
        }
        dirty
    }

    fn on_msg(&mut self, msg: Msg, fx: &mut Vec<Effect>) {
        match msg {
            Msg::Action(a) => self.on_action(a, fx),
            Msg::Key(k) => self.on_key(k, fx),
            Msg::Paste(text) => self.on_paste(&text, fx),
            Msg::Click { x, y } => self.on_click(x, y),
            Msg::Scroll(d) => self.on_scroll(d as isize, fx),
            Msg::Resize(w, h) => self.size = (w, h),
            Msg::Tick(_) | Msg::RefreshDue => {}
            Msg::DebounceDue(id) => self.on_debounce(id, fx),
            Msg::Me(id, r) => {
                self.on_me(id, r);
                self.recount_mine();
            }
            Msg::TokensListed(id, r) => {
                self.on_listed(id, r);
                self.recount_mine();
            }
            Msg::TokensPage(id, r) => {
                self.on_page(id, r);
                self.recount_mine();
            }
            Msg::TokenDetail(id, r) => {
                if !self.on_rotate_detail(id, &r) {
                    self.on_detail(id, r)
                }
            }
            Msg::TokenCreated(id, r) => {
                if let Some(r) = self.on_rotate_created(id, r, fx) {
                    self.on_created(id, r, fx)
                }
            }
            Msg::TokenRevoked(id, r) => {
                if let Some(r) = self.on_rotate_revoked(id, r, fx) {
                    self.on_revoked(id, r)
                }
            }
            Msg::Picked(id, r) => self.on_picked(id, r),
            Msg::AuditListed(id, r) => self.on_audit_listed(id, r),
            Msg::Connected(id, r) => self.on_connected(id, r, fx),
            Msg::TextCopied(text, outcome) => self.on_text_copied(&text, outcome),
            Msg::SecretCopied(outcome) => self.on_secret_copied(outcome, fx),
            Msg::ClipboardCleared(outcome) => self.on_clipboard_cleared(outcome),
            Msg::Exported(id, r) => self.on_exported(id, r),
        }
    }

    /// A key, by mode, to the state that owns it.
    fn on_action(&mut self, a: Action, fx: &mut Vec<Effect>) {
        if a == Action::Quit {
            self.quitting = true;
            fx.push(Effect::Quit);
            return;
        }
        if matches!(self.overlay, Overlay::Switch(_)) {
            return self.switch_action(a, fx);
        }
        if a == Action::SwitchServer {
            return self.open_switch(fx);
        }
        let mode = self.mode();
        if matches!(self.overlay, Overlay::Rotate(_)) {
            return self.rotate_action(a, fx);
        }
        if matches!(self.overlay, Overlay::Export(_)) {
            return self.export_action(a, fx);
        }
        let mut cx = Ctx::new(self.now, &mut self.ids, fx, &mut self.status);
        let close_overlay = match (mode, &mut self.overlay, self.form.as_mut()) {
            (Mode::Confirm | Mode::ConfirmText, Overlay::Confirm(c), _) => c.on_action(a, &mut cx),
            (Mode::Details, Overlay::Details(d), _) => d.on_action(a, &mut cx),
            (Mode::Audit | Mode::AuditFilter, Overlay::Audit(v), _) => v.on_action(a, &mut cx),
            (Mode::Help, Overlay::Help(scroll), _) => help::on_action(scroll, a),
            (Mode::Secret, Overlay::Secret(v), _) => {
                if v.on_action(a) {
                    self.close_secret(fx);
                }
                return;
            }
            (Mode::Picker, _, Some(f)) => {
                f.on_picker_action(a, &mut cx);
                false
            }
            (Mode::Form | Mode::FormText, _, Some(f)) => {
                if f.on_action(a, &mut cx) == FormOutcome::Closed {
                    self.form = None;
                }
                false
            }
            (Mode::Table, ..) => return self.table_action(a, fx),
            (Mode::Filter, ..) => return self.filter_action(a),
            (Mode::Menu, ..) => return self.menu_action(a, fx),
            _ => false,
        };
        if close_overlay {
            self.overlay = Overlay::None;
        }
    }

    fn on_scroll(&mut self, delta: isize, fx: &mut Vec<Effect>) {
        let mode = self.mode();
        let mut cx = Ctx::new(self.now, &mut self.ids, fx, &mut self.status);
        match (mode, &mut self.overlay, self.form.as_mut()) {
            (Mode::Table | Mode::Filter, ..) => self.rows.move_by(delta),
            (Mode::Picker, _, Some(f)) => {
                if let Some(p) = f.picker.as_mut() {
                    p.scroll(delta, &mut cx);
                }
            }
            (Mode::Help, Overlay::Help(s), _) => *s = s.saturating_add_signed(delta),
            (Mode::Details, Overlay::Details(d), _) => {
                d.scroll = d.scroll.saturating_add_signed(delta)
            }
            (Mode::Audit | Mode::AuditFilter, Overlay::Audit(v), _) => {
                let a = if delta < 0 { Action::Up } else { Action::Down };
                for _ in 0..delta.unsigned_abs() {
                    v.on_action(a, &mut cx);
                }
            }
            _ => {}
        }
    }

    fn close_secret(&mut self, fx: &mut Vec<Effect>) {
        // Dropping the view drops the CreatedToken: its secret is zeroized now.
        self.overlay = Overlay::None;
        fx.push(Effect::ClearScreen);
        let gone = "the token is gone from this screen; it cannot be shown again";
        match self
            .rotation
            .as_ref()
            .map(|r| (r.outcome.is_some(), r.message()))
        {
            Some((done, (text, error))) => {
                if done {
                    self.rotation = None;
                }
                self.say(format!("{text}; {gone}"), error);
            }
            None => self.say(gone, false),
        }
    }
}
