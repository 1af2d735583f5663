//! The model and its one `update`: pure (no network, no terminal, no clock, no tokio).

pub mod confirm;
pub mod form;
pub mod picker;
pub mod tokens;

use chrono::{DateTime, Duration as Span, Utc};
use crossterm::event::{Event, KeyEvent};
use tui_input::backend::crossterm::EventHandler;
use tui_input::{Input, InputRequest};

use crate::api::CreatedToken;
use crate::model::Token;
use crate::model::sanitize::{clean, is_unsafe_char};
use crate::model::wire::TokenInfo;
use crate::secret::OneTimeSecret;
use crate::secret::clipboard::{ClearOutcome, CopyOutcome};

use super::keymap::{Action, KeyMap, Mode};
use super::msg::{ApiResult, Effect, Msg, PickItem, PickKind, ReqId};
use super::theme::Theme;
use confirm::{Confirm, RevokeState, Target};
use form::{Field, Form};
use picker::Picker;
use tokens::{Column, Rows};

/// Remote data as the model holds it; a result whose id is not the awaited one is ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Load<T> {
    Idle,
    Loading(ReqId),
    Loaded(T),
    Failed(String),
}

impl<T> Load<T> {
    pub fn is_loading(&self) -> bool {
        matches!(self, Load::Loading(_))
    }
    pub fn awaits(&self, id: ReqId) -> bool {
        matches!(self, Load::Loading(x) if *x == id)
    }
}

/// How long a status message stays.
pub const MESSAGE_SECS: i64 = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
    pub until: DateTime<Utc>,
}

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

/// The row menu (Enter on a row, like the web UI's ⋯).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuItem {
    Revoke,
    CopyId,
    Details,
}

impl MenuItem {
    pub fn label(self) -> &'static str {
        match self {
            MenuItem::Revoke => "Revoke",
            MenuItem::CopyId => "Copy token ID",
            MenuItem::Details => "Details",
        }
    }
}

#[derive(Debug)]
pub struct Details {
    pub id: String,
    pub load: Load<Token>,
    pub scroll: usize,
}

/// The one place a created token's secret lives.
pub struct SecretView {
    pub created: CreatedToken,
    pub copy: Option<CopyOutcome>,
    pub revealed: bool,
}

impl std::fmt::Debug for SecretView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretView")
            .field("created", &self.created)
            .field("copy", &self.copy)
            .finish()
    }
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
}

#[derive(Debug)]
pub struct App {
    pub cfg: AppConfig,
    pub keymap: KeyMap,
    /// Colours and the header banner (`[theme]`, the profile's banner colour).
    pub theme: Theme,
    pub now: DateTime<Utc>,
    pub size: (u16, u16),
    next_id: u64,
    /// The signed-in user name (GET /tokens/me subject).
    pub me: Load<String>,
    /// The first load (or the load after a failure).
    pub list: Load<()>,
    /// A refresh in flight while rows are shown.
    pub refreshing: Option<ReqId>,
    pub rows: Rows,
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
            next_id: 0,
            me: Load::Idle,
            list: Load::Idle,
            refreshing: None,
            rows: Rows::default(),
            filter: Input::default(),
            filtering: false,
            overlay: Overlay::None,
            form: None,
            status: None,
            spinner: 0,
            clip_clear_at: None,
            pending_select: None,
            dirty: true,
            quitting: false,
        }
    }

    /// The first effects: who am I, and the token list.
    pub fn init(&mut self) -> Vec<Effect> {
        let me = self.next_id();
        self.me = Load::Loading(me);
        let list = self.next_id();
        self.list = Load::Loading(list);
        vec![Effect::LoadMe(me), Effect::ListTokens(list)]
    }

    fn next_id(&mut self) -> ReqId {
        self.next_id += 1;
        ReqId(self.next_id)
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
            Overlay::Help(_) => Mode::Help,
            Overlay::Details(_) => Mode::Details,
            Overlay::Confirm(c) if c.required.is_some() && !c.started => Mode::ConfirmText,
            Overlay::Confirm(_) => Mode::Confirm,
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
            || matches!(&self.overlay, Overlay::Details(d) if d.load.is_loading())
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

    pub fn menu_items(&self) -> Vec<MenuItem> {
        let mut v = Vec::new();
        if !self.cfg.readonly {
            v.push(MenuItem::Revoke);
        }
        v.push(MenuItem::CopyId);
        v.push(MenuItem::Details);
        v
    }

    /// Rows of the table body that fit on screen now.
    pub fn page_height(&self) -> usize {
        super::ui::table_body_height(self)
    }

    fn say(&mut self, text: impl Into<String>, error: bool) {
        self.status = Some(Status {
            text: clean(&text.into()),
            error,
            until: self.now + Span::seconds(MESSAGE_SECS),
        });
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

    fn quiet_refresh(&mut self, fx: &mut Vec<Effect>) {
        if self.refreshing.is_some() || self.list.is_loading() {
            return;
        }
        let id = self.next_id();
        if matches!(self.list, Load::Failed(_)) {
            self.list = Load::Loading(id);
            self.dirty = true;
        } else {
            self.refreshing = Some(id);
        }
        fx.push(Effect::ListTokens(id));
    }

    fn on_msg(&mut self, msg: Msg, fx: &mut Vec<Effect>) {
        match msg {
            Msg::Action(a) => self.on_action(a, fx),
            Msg::Key(k) => self.on_key(k, fx),
            Msg::Paste(text) => self.on_paste(&text, fx),
            Msg::Click { x, y } => self.on_click(x, y),
            Msg::Scroll(d) => self.on_scroll(d, fx),
            Msg::Resize(w, h) => self.size = (w, h),
            Msg::Tick(_) | Msg::RefreshDue => {}
            Msg::DebounceDue(id) => self.on_debounce(id, fx),
            Msg::Me(id, r) => {
                if self.me.awaits(id) {
                    self.me = match r {
                        Ok(info) => Load::Loaded(clean(crate::model::token::subject_username(
                            &info.subject,
                        ))),
                        Err(e) => Load::Failed(clean(&e)),
                    };
                    let me = self.me_name().map(str::to_owned);
                    if let (Some(f), Some(me)) = (self.form.as_mut(), me)
                        && f.user.is_none()
                    {
                        f.user = Some(me);
                    }
                }
            }
            Msg::TokensListed(id, r) => self.on_listed(id, r),
            Msg::TokenDetail(id, r) => self.on_detail(id, r),
            Msg::TokenCreated(id, r) => self.on_created(id, r, fx),
            Msg::TokenRevoked(id, r) => self.on_revoked(id, r),
            Msg::Picked(id, r) => {
                if let Some(p) = self.form.as_mut().and_then(|f| f.picker.as_mut()) {
                    p.receive(id, r);
                }
            }
            Msg::TextCopied(text, outcome) => {
                // A failed copy says why; the text stays readable in Details.
                let what = format!("token ID {}: {}", clean(&text), outcome.label());
                self.say(what, !outcome.copied());
            }
            Msg::SecretCopied(outcome) => {
                if outcome.copied() && self.cfg.clipboard_clear_secs > 0 {
                    let secs = self.cfg.clipboard_clear_secs.min(i64::MAX as u64) as i64;
                    self.clip_clear_at = Some(self.now + Span::seconds(secs));
                }
                if let Overlay::Secret(v) = &mut self.overlay {
                    v.copy = Some(outcome);
                }
            }
            Msg::ClipboardCleared(outcome) => {
                self.clip_clear_at = None;
                match outcome {
                    ClearOutcome::Cleared => self.say("clipboard cleared", false),
                    ClearOutcome::LeftAlone => {
                        self.say("clipboard holds something else now; left alone", false)
                    }
                    ClearOutcome::BlindClear => self.say(
                        "asked the terminal to clear its clipboard (OSC 52; cannot be confirmed)",
                        false,
                    ),
                    ClearOutcome::NothingToClear => {}
                }
            }
        }
    }

    fn on_listed(&mut self, id: ReqId, r: ApiResult<Vec<TokenInfo>>) {
        let ours = self.list.awaits(id) || self.refreshing == Some(id);
        if !ours {
            return;
        }
        self.refreshing = None;
        match r {
            Ok(list) => {
                let tokens = list.into_iter().map(TokenInfo::into_token).collect();
                self.rows.set(tokens, self.now);
                self.list = Load::Loaded(());
                if let Some(sel) = self.pending_select.take() {
                    self.rows.select_id(&sel);
                }
            }
            Err(e) => {
                let e = clean(&e);
                if matches!(self.list, Load::Loaded(_)) && !self.rows.is_empty() {
                    self.say(format!("refresh failed: {e}"), true);
                }
                self.list = Load::Failed(e);
            }
        }
    }

    fn on_detail(&mut self, id: ReqId, r: ApiResult<TokenInfo>) {
        let Overlay::Details(d) = &mut self.overlay else {
            return;
        };
        if !d.load.awaits(id) {
            return;
        }
        match r {
            Ok(info) => {
                let token = info.into_token();
                self.rows.update_token(token.clone(), self.now);
                let row = tokens::Row::new(token);
                d.load = Load::Loaded(row.token);
            }
            Err(e) => d.load = Load::Failed(clean(&e)),
        }
    }

    fn on_created(&mut self, id: ReqId, r: ApiResult<CreatedToken>, fx: &mut Vec<Effect>) {
        let Some(form) = self.form.as_mut() else {
            return;
        };
        if form.submitting != Some(id) {
            // A cancelled or stale create: its secret is dropped (zeroized) here.
            return;
        }
        form.submitting = None;
        match r {
            Ok(created) => {
                self.form = None;
                self.pending_select = Some(clean(&created.meta.token_id));
                self.overlay = Overlay::Secret(SecretView {
                    created,
                    copy: None,
                    revealed: !self.cfg.mask_secret,
                });
                fx.push(Effect::CopySecret);
                let rid = self.next_id();
                self.refreshing = Some(rid);
                fx.push(Effect::ListTokens(rid));
            }
            Err(e) => {
                let e = clean(&e);
                form.errors.retain(|(f, _)| *f != Field::Generate);
                form.errors
                    .push((Field::Generate, format!("could not create the token: {e}")));
                self.say(format!("could not create the token: {e}"), true);
            }
        }
    }

    fn on_revoked(&mut self, id: ReqId, r: ApiResult<crate::api::RevokeOutcome>) {
        let Overlay::Confirm(c) = &mut self.overlay else {
            return;
        };
        let r = r.map_err(|e| clean(&e));
        let Some((token_id, ok)) = c.receive(id, r) else {
            return;
        };
        if ok {
            self.rows.remove(&token_id, self.now);
        }
        if c.finished() && !c.bulk() {
            let t = &c.targets[0];
            let text = match &t.state {
                RevokeState::Done(Ok(crate::api::RevokeOutcome::AlreadyGone)) => (
                    format!(
                        "\"{}\" was already revoked or unknown to the server; removed from the list",
                        t.description
                    ),
                    false,
                ),
                RevokeState::Done(Ok(_)) => (format!("revoked \"{}\"", t.description), false),
                RevokeState::Done(Err(e)) => (format!("could not revoke: {e}"), true),
                _ => (String::new(), false),
            };
            self.overlay = Overlay::None;
            self.say(text.0, text.1);
        }
    }

    fn on_tick_free_paste(text: &str) -> String {
        text.chars()
            .filter(|c| !is_unsafe_char(*c))
            .collect::<String>()
    }

    fn on_paste(&mut self, text: &str, fx: &mut Vec<Effect>) {
        let mode = self.mode();
        if !mode.takes_text() {
            return;
        }
        let clean_text = Self::on_tick_free_paste(text);
        let input = match self.text_input(mode) {
            Some(i) => i,
            None => return,
        };
        for c in clean_text.chars() {
            input.handle(InputRequest::InsertChar(c));
        }
        self.after_text_change(mode, fx);
    }

    /// The text field that takes keys in `mode`.
    fn text_input(&mut self, mode: Mode) -> Option<&mut Input> {
        match mode {
            Mode::Filter => Some(&mut self.filter),
            Mode::ConfirmText => match &mut self.overlay {
                Overlay::Confirm(c) => Some(&mut c.typed),
                _ => None,
            },
            Mode::FormText => self.form.as_mut().and_then(|f| match f.focus {
                Field::Description => Some(&mut f.description),
                Field::Expiration => Some(&mut f.expiration),
                _ => None,
            }),
            Mode::Picker => self
                .form
                .as_mut()
                .and_then(|f| f.picker.as_mut())
                .map(|p| &mut p.search),
            _ => None,
        }
    }

    fn on_key(&mut self, k: KeyEvent, fx: &mut Vec<Effect>) {
        let mode = self.mode();
        let Some(input) = self.text_input(mode) else {
            return;
        };
        // Control characters never enter a field (tui-input inserts any Char).
        if let crossterm::event::KeyCode::Char(c) = k.code
            && is_unsafe_char(c)
        {
            return;
        }
        if input.handle_event(&Event::Key(k)).is_some() {
            self.after_text_change(mode, fx);
        }
    }

    fn after_text_change(&mut self, mode: Mode, fx: &mut Vec<Effect>) {
        match mode {
            Mode::Filter => {
                let v = self.filter.value().to_owned();
                self.rows.set_filter(&v);
            }
            Mode::FormText => {
                if let Some(f) = self.form.as_mut() {
                    let field = f.focus;
                    f.clear_error(field);
                }
            }
            Mode::Picker => {
                let id = self.next_id();
                if let Some(p) = self.form.as_mut().and_then(|f| f.picker.as_mut()) {
                    if let Some(old) = p.loading.take() {
                        fx.push(Effect::Cancel(old));
                    }
                    p.debounce = Some(id);
                    fx.push(Effect::Debounce(id, picker::DEBOUNCE));
                }
            }
            _ => {}
        }
    }

    fn on_debounce(&mut self, id: ReqId, fx: &mut Vec<Effect>) {
        let rid = self.next_id();
        if let Some(p) = self.form.as_mut().and_then(|f| f.picker.as_mut())
            && p.debounce == Some(id)
        {
            p.debounce = None;
            p.start(rid);
            fx.push(Effect::Pick(rid, p.query(false)));
        }
    }

    fn on_click(&mut self, x: u16, y: u16) {
        if !matches!(self.overlay, Overlay::None) {
            return;
        }
        if self.form.as_ref().is_some_and(|f| f.picker.is_some()) {
            return;
        }
        let geo = super::ui::table_geometry(self);
        if !geo.area_contains(x, y) {
            return;
        }
        if y == geo.header_y {
            if let Some(col) = geo.column_at(x) {
                if col == self.rows.sort {
                    let d = !self.rows.descending;
                    self.rows.set_sort(col, d);
                } else {
                    self.rows.set_sort(col, false);
                }
            }
        } else if y >= geo.body_y {
            let pos = self.rows.offset + usize::from(y - geo.body_y);
            if pos < self.rows.visible_len() {
                self.rows.select_pos(pos);
            }
        }
    }

    fn on_scroll(&mut self, delta: i32, fx: &mut Vec<Effect>) {
        match self.mode() {
            Mode::Table | Mode::Filter => self.rows.move_by(delta as isize),
            Mode::Picker => self.picker_move(delta as isize, fx),
            Mode::Help => {
                if let Overlay::Help(s) = &mut self.overlay {
                    *s = s.saturating_add_signed(delta as isize);
                }
            }
            Mode::Details => {
                if let Overlay::Details(d) = &mut self.overlay {
                    d.scroll = d.scroll.saturating_add_signed(delta as isize);
                }
            }
            _ => {}
        }
    }

    fn on_action(&mut self, a: Action, fx: &mut Vec<Effect>) {
        if a == Action::Quit {
            self.quitting = true;
            fx.push(Effect::Quit);
            return;
        }
        match self.mode() {
            Mode::Table => self.table_action(a, fx),
            Mode::Filter => match a {
                Action::Back => {
                    self.filter.reset();
                    self.rows.set_filter("");
                    self.filtering = false;
                }
                Action::Confirm => self.filtering = false,
                Action::Up => self.rows.move_by(-1),
                Action::Down => self.rows.move_by(1),
                Action::PageUp => self.rows.move_by(-(self.page_height() as isize)),
                Action::PageDown => self.rows.move_by(self.page_height() as isize),
                _ => {}
            },
            Mode::Menu => self.menu_action(a, fx),
            Mode::Confirm | Mode::ConfirmText => self.confirm_action(a, fx),
            Mode::Form | Mode::FormText => self.form_action(a, fx),
            Mode::Picker => self.picker_action(a, fx),
            Mode::Details => {
                if let Overlay::Details(d) = &mut self.overlay {
                    match a {
                        Action::Back | Action::Confirm => {
                            if let Load::Loading(id) = d.load {
                                fx.push(Effect::Cancel(id));
                            }
                            self.overlay = Overlay::None;
                        }
                        Action::Up => d.scroll = d.scroll.saturating_sub(1),
                        Action::Down => d.scroll += 1,
                        Action::Top => d.scroll = 0,
                        _ => {}
                    }
                }
            }
            Mode::Help => {
                if let Overlay::Help(s) = &mut self.overlay {
                    match a {
                        Action::Back | Action::Help => self.overlay = Overlay::None,
                        Action::Up => *s = s.saturating_sub(1),
                        Action::Down => *s += 1,
                        Action::PageDown => *s += 10,
                        Action::PageUp => *s = s.saturating_sub(10),
                        Action::Top => *s = 0,
                        _ => {}
                    }
                }
            }
            Mode::Secret => match a {
                Action::Back | Action::Confirm => self.close_secret(fx),
                Action::Reveal => {
                    if let Overlay::Secret(v) = &mut self.overlay {
                        v.revealed = !v.revealed;
                    }
                }
                _ => {}
            },
        }
    }

    fn close_secret(&mut self, fx: &mut Vec<Effect>) {
        // Dropping the view drops the CreatedToken: its secret is zeroized now.
        self.overlay = Overlay::None;
        fx.push(Effect::ClearScreen);
        self.say(
            "the token is gone from this screen; it cannot be shown again",
            false,
        );
    }

    fn refuse_readonly(&mut self, what: &str) {
        self.say(
            format!("read-only session: {what} is turned off (--readonly)"),
            true,
        );
    }

    fn table_action(&mut self, a: Action, fx: &mut Vec<Effect>) {
        let page = self.page_height() as isize;
        match a {
            Action::Up => self.rows.move_by(-1),
            Action::Down => self.rows.move_by(1),
            Action::Top => self.rows.select_pos(0),
            Action::Bottom => self.rows.select_pos(usize::MAX),
            Action::PageUp => self.rows.move_by(-page),
            Action::PageDown => self.rows.move_by(page),
            Action::Filter => self.filtering = true,
            Action::SortNext => {
                let (c, d) = (self.rows.sort.next(), self.rows.descending);
                self.rows.set_sort(c, d);
            }
            Action::SortReverse => {
                let (c, d) = (self.rows.sort, !self.rows.descending);
                self.rows.set_sort(c, d);
            }
            Action::New => {
                if self.cfg.readonly {
                    self.refuse_readonly("creating tokens");
                } else if self.form.is_none() {
                    self.form = Some(Form::new(self.me_name().map(str::to_owned)));
                }
            }
            Action::RowActions if self.rows.selected_row().is_some() => {
                self.overlay = Overlay::Menu(0);
            }
            Action::Revoke => self.open_revoke(),
            Action::Mark => {
                if self.cfg.readonly {
                    self.refuse_readonly("revoking tokens");
                } else {
                    self.rows.toggle_mark();
                    self.rows.move_by(1);
                }
            }
            Action::Refresh => self.refresh(fx),
            Action::Help => self.overlay = Overlay::Help(0),
            Action::Back => {
                if self.list.is_loading() {
                    if let Load::Loading(id) = self.list {
                        fx.push(Effect::Cancel(id));
                    }
                    self.list = Load::Failed("cancelled — press r to retry".into());
                } else if let Some(id) = self.refreshing.take() {
                    fx.push(Effect::Cancel(id));
                    self.say("refresh cancelled", false);
                } else if !self.rows.filter().is_empty() {
                    self.filter.reset();
                    self.rows.set_filter("");
                } else {
                    self.rows.marked.clear();
                }
            }
            Action::CopyId => self.copy_id(fx),
            Action::Details => self.open_details(fx),
            _ => {}
        }
    }

    fn refresh(&mut self, fx: &mut Vec<Effect>) {
        if let Load::Loading(id) = self.list {
            fx.push(Effect::Cancel(id));
        }
        if let Some(id) = self.refreshing.take() {
            fx.push(Effect::Cancel(id));
        }
        let id = self.next_id();
        if matches!(self.list, Load::Loaded(_)) {
            self.refreshing = Some(id);
        } else {
            self.list = Load::Loading(id);
        }
        fx.push(Effect::ListTokens(id));
        if !matches!(self.me, Load::Loaded(_)) {
            let mid = self.next_id();
            self.me = Load::Loading(mid);
            fx.push(Effect::LoadMe(mid));
        }
    }

    fn copy_id(&mut self, fx: &mut Vec<Effect>) {
        if let Some(id) = self.rows.selected_row().map(|r| r.token.token_id.clone()) {
            fx.push(Effect::CopyText(id));
        }
    }

    fn open_details(&mut self, fx: &mut Vec<Effect>) {
        let Some(row) = self.rows.selected_row() else {
            return;
        };
        let token = row.token.clone();
        let load = if token.scope.is_some() {
            Load::Loaded(token.clone())
        } else {
            let id = self.next_id();
            fx.push(Effect::GetToken(id, token.token_id.clone()));
            Load::Loading(id)
        };
        self.overlay = Overlay::Details(Details {
            id: token.token_id,
            load,
            scroll: 0,
        });
    }

    fn open_revoke(&mut self) {
        if self.cfg.readonly {
            self.refuse_readonly("revoking tokens");
            return;
        }
        let targets: Vec<Target> = if self.rows.marked.is_empty() {
            self.rows
                .selected_row()
                .into_iter()
                .map(target_of)
                .collect()
        } else {
            let mut ids: Vec<&String> = self.rows.marked.iter().collect();
            ids.sort();
            ids.into_iter()
                .filter_map(|id| self.rows.find(id))
                .map(target_of)
                .collect()
        };
        if !targets.is_empty() {
            self.overlay = Overlay::Confirm(Confirm::new(targets));
        }
    }

    fn menu_action(&mut self, a: Action, fx: &mut Vec<Effect>) {
        let items = self.menu_items();
        let Overlay::Menu(sel) = &mut self.overlay else {
            return;
        };
        let chosen = match a {
            Action::Up => {
                *sel = sel.saturating_sub(1);
                None
            }
            Action::Down => {
                *sel = (*sel + 1).min(items.len().saturating_sub(1));
                None
            }
            Action::Back => {
                self.overlay = Overlay::None;
                None
            }
            Action::Confirm => items.get(*sel).copied(),
            Action::Revoke => items
                .contains(&MenuItem::Revoke)
                .then_some(MenuItem::Revoke),
            Action::CopyId => Some(MenuItem::CopyId),
            Action::Details => Some(MenuItem::Details),
            _ => None,
        };
        if let Some(item) = chosen {
            self.overlay = Overlay::None;
            match item {
                MenuItem::Revoke => {
                    // The menu acts on its own row, not on marked ones.
                    let row = self.rows.selected_row().map(target_of);
                    if let Some(t) = row {
                        self.overlay = Overlay::Confirm(Confirm::new(vec![t]));
                    }
                }
                MenuItem::CopyId => self.copy_id(fx),
                MenuItem::Details => self.open_details(fx),
            }
        }
    }

    fn confirm_action(&mut self, a: Action, fx: &mut Vec<Effect>) {
        let Overlay::Confirm(c) = &mut self.overlay else {
            return;
        };
        match a {
            Action::Left | Action::Right | Action::NextField | Action::PrevField if !c.started => {
                c.on_revoke = !c.on_revoke;
            }
            Action::Back => {
                for t in &mut c.targets {
                    if let RevokeState::Running(id) = t.state {
                        fx.push(Effect::Cancel(id));
                        t.state = RevokeState::Done(Err("cancelled".into()));
                    }
                }
                self.overlay = Overlay::None;
            }
            Action::Confirm => {
                if c.finished() || (!c.started && !c.on_revoke) {
                    self.overlay = Overlay::None;
                } else if c.started {
                    // Running: Esc cancels.
                } else if !c.unlocked() {
                    self.say(
                        "type the first 4 characters of the token ID to confirm",
                        true,
                    );
                } else {
                    let n = c.targets.len();
                    let mut rids = Vec::with_capacity(n);
                    for _ in 0..n {
                        self.next_id += 1;
                        rids.push(ReqId(self.next_id));
                    }
                    if let Overlay::Confirm(c) = &mut self.overlay {
                        c.started = true;
                        for (t, rid) in c.targets.iter_mut().zip(rids) {
                            t.state = RevokeState::Running(rid);
                            fx.push(Effect::RevokeToken(rid, t.id.clone()));
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn form_action(&mut self, a: Action, fx: &mut Vec<Effect>) {
        let now = self.now;
        let Some(f) = self.form.as_mut() else {
            return;
        };
        if let Some(id) = f.submitting {
            if a == Action::Back {
                fx.push(Effect::Cancel(id));
                f.submitting = None;
                self.say(
                    "creation cancelled; the server may still have made the token — refresh to check",
                    true,
                );
            }
            return;
        }
        let mut open_picker = false;
        let mut generate = false;
        match (a, f.focus) {
            (Action::Back, _) => {
                self.form = None;
                return;
            }
            (Action::Generate, _) | (Action::Confirm | Action::Toggle, Field::Generate) => {
                generate = true
            }
            (Action::Confirm | Action::Toggle, Field::Cancel) => {
                self.form = None;
                return;
            }
            (Action::NextField, _) | (Action::Confirm, Field::Description | Field::Expiration) => {
                f.focus_step(1)
            }
            (Action::PrevField, _) => f.focus_step(-1),
            (Action::Up, Field::Rows) => f.row_cursor = f.row_cursor.saturating_sub(1),
            (Action::Down, Field::Rows) => {
                let n = f.scope.grants().count();
                f.row_cursor = (f.row_cursor + 1).min(n.saturating_sub(1));
            }
            (Action::Up, _) => f.focus_step(-1),
            (Action::Down, _) => f.focus_step(1),
            (Action::Left | Action::Right | Action::Toggle | Action::Confirm, Field::ScopeKind) => {
                f.toggle_scope_kind()
            }
            (Action::Left, Field::Entity) => f.cycle_entity(-1),
            (Action::Right | Action::Toggle | Action::Confirm, Field::Entity) => f.cycle_entity(1),
            (Action::Left, Field::Perms) => f.perm_cursor = f.perm_cursor.saturating_sub(1),
            (Action::Right, Field::Perms) => f.perm_cursor = (f.perm_cursor + 1).min(2),
            (Action::Toggle | Action::Confirm, Field::Perms) => f.toggle_perm(),
            (Action::Toggle | Action::Confirm, Field::Add) => {
                f.add_permission();
            }
            (Action::Remove, Field::Rows) => f.remove_row(),
            (Action::Left | Action::Right, Field::Generate) => f.focus = Field::Cancel,
            (Action::Left | Action::Right, Field::Cancel) => f.focus = Field::Generate,
            (Action::Confirm | Action::Toggle, Field::User | Field::Project | Field::Target) => {
                open_picker = true
            }
            _ => {}
        }
        if generate {
            match f.validate(now) {
                Some(req) => {
                    let id = self.next_id();
                    if let Some(f) = self.form.as_mut() {
                        f.submitting = Some(id);
                    }
                    fx.push(Effect::CreateToken(id, req));
                }
                None => {
                    if let Some(field) = f.first_error_field() {
                        f.focus = field;
                    }
                    self.say("fix the fields marked ✕ and generate again", true);
                }
            }
        }
        if open_picker {
            self.open_picker(fx);
        }
    }

    fn open_picker(&mut self, fx: &mut Vec<Effect>) {
        let id = self.next_id();
        let Some(f) = self.form.as_mut() else {
            return;
        };
        let (kind, project) = match f.focus {
            Field::User => (PickKind::User, None),
            Field::Project => (PickKind::Entity(crate::model::EntityKind::Project), None),
            Field::Target => {
                let Some(p) = f.project.clone() else {
                    f.errors.retain(|(x, _)| *x != Field::Target);
                    f.errors
                        .push((Field::Target, "choose a project first".into()));
                    return;
                };
                (PickKind::Entity(f.entity), Some(p))
            }
            _ => return,
        };
        let mut p = Picker::new(kind, project);
        p.start(id);
        fx.push(Effect::Pick(id, p.query(false)));
        f.picker = Some(p);
    }

    fn picker_move(&mut self, delta: isize, fx: &mut Vec<Effect>) {
        let id = ReqId(self.next_id + 1);
        let Some(p) = self.form.as_mut().and_then(|f| f.picker.as_mut()) else {
            return;
        };
        p.move_by(delta);
        if p.wants_more() {
            self.next_id += 1;
            p.more(id);
            fx.push(Effect::Pick(id, p.query(true)));
        }
    }

    fn picker_action(&mut self, a: Action, fx: &mut Vec<Effect>) {
        match a {
            Action::Up => self.picker_move(-1, fx),
            Action::Down => self.picker_move(1, fx),
            Action::PageUp => self.picker_move(-10, fx),
            Action::PageDown => self.picker_move(10, fx),
            Action::Top => self.picker_move(isize::MIN / 2, fx),
            Action::Bottom => self.picker_move(isize::MAX / 2, fx),
            Action::Back => {
                if let Some(f) = self.form.as_mut() {
                    if let Some(id) = f.picker.as_ref().and_then(|p| p.loading) {
                        fx.push(Effect::Cancel(id));
                    }
                    f.picker = None;
                }
            }
            Action::Confirm => {
                let Some(f) = self.form.as_mut() else {
                    return;
                };
                let chosen: Option<(PickKind, PickItem)> = f
                    .picker
                    .as_ref()
                    .and_then(|p| p.chosen().map(|i| (p.kind, i.clone())));
                let Some((kind, item)) = chosen else {
                    return;
                };
                if let Some(id) = f.picker.as_ref().and_then(|p| p.loading) {
                    fx.push(Effect::Cancel(id));
                }
                f.picker = None;
                match (kind, f.focus) {
                    (PickKind::User, _) => {
                        f.user = Some(item.id);
                        f.clear_error(Field::User);
                    }
                    (_, Field::Project) => {
                        if f.project.as_deref() != Some(item.id.as_str()) {
                            f.target = None;
                        }
                        f.project = Some(item.id);
                        f.clear_error(Field::Project);
                    }
                    (_, Field::Target) => {
                        f.target = Some(item.id);
                        f.clear_error(Field::Target);
                    }
                    _ => {}
                }
                f.focus_step(1);
            }
            _ => {}
        }
    }
}

fn target_of(row: &tokens::Row) -> Target {
    Target {
        id: row.token.token_id.clone(),
        description: row.token.description.clone(),
        admin: row.token.is_admin_scoped(),
        state: RevokeState::Pending,
    }
}

/// Sort by a column (header click and tests).
pub fn sort_by(app: &mut App, col: Column, descending: bool) {
    app.rows.set_sort(col, descending);
    app.dirty = true;
}
