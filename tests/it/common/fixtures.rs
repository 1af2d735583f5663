//! Shared fixtures for the TUI tests: a fixed clock, sample tokens, rendering to text.
//! (Also included by the benches through `#[path]`; each uses a part of it.)

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use unicode_width::UnicodeWidthStr;

use tokentab::api::CreatedToken;
use tokentab::model::wire::{CreateTokenRequest, CreatedTokenMeta, TokenInfo};
use tokentab::secret::OneTimeSecret;
use tokentab::tui::app::{App, AppConfig};
use tokentab::tui::msg::{Answer, ApiResult, Effect, Msg, Owner, ReqId, Request, TokenPage};

pub const SECRET: &str = "tkn_9f2c41d7a0b84e6f93c2d15e8a7b6c40d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8";

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

pub fn cfg() -> AppConfig {
    AppConfig {
        server_label: "http://127.0.0.1:40123".into(),
        embedded: true,
        profile: None,
        readonly: false,
        mask_secret: false,
        clipboard_clear_secs: 30,
        mono: false,
    }
}

pub fn info(
    id: &str,
    desc: &str,
    user: &str,
    issued_days_ago: i64,
    expiry: Option<i64>,
    scope: Option<&str>,
) -> TokenInfo {
    TokenInfo {
        token_id: id.into(),
        subject: format!("jfac@01hq7x2k9m/users/{user}"),
        expiry: expiry.map(|d| (now() + Duration::days(d)).timestamp()),
        issued_at: (now() - Duration::days(issued_days_ago)).timestamp(),
        issuer: "jfac@01hq7x2k9m".into(),
        description: Some(desc.into()),
        refreshable: Some(false),
        last_used: None,
        project: None,
        scope: scope.map(str::to_owned),
        user_status: None,
        last_use: None,
    }
}

/// Expired, expiring, never, active, admin and custom rows.
pub fn sample() -> Vec<TokenInfo> {
    vec![
        info(
            "3f2a9c1e-0b7d-4c55-9e21-aa01",
            "ci deploy",
            "alice",
            60,
            Some(30),
            Some("applied-permissions/user"),
        ),
        info(
            "9b1c07d2-55e1-4f0a-8c3b-bb02",
            "edge reader",
            "admin",
            40,
            Some(-3),
            Some("connect:fleet:demo/edge-eu:r"),
        ),
        info(
            "c4d5e6f7-1111-4222-8333-cc03",
            "nightly backup",
            "bob",
            10,
            Some(2),
            Some("connect:project:demo:rw connect:device:demo/d-feaf-d9aa:rwd"),
        ),
        info(
            "d00d2b2b-2222-4333-8444-dd04",
            "break-glass admin",
            "admin",
            300,
            None,
            Some("applied-permissions/admin"),
        ),
        info(
            "e1e2e3e4-3333-4444-8555-ee05",
            "grafana scraper",
            "carol",
            5,
            Some(365),
            None,
        ),
    ]
}

pub fn created() -> CreatedToken {
    CreatedToken {
        meta: CreatedTokenMeta {
            token_id: "f00dfeed-4444-4555-8666-ff06".into(),
            expires_in: Some(90 * 86_400),
            scope: "applied-permissions/user".into(),
            token_type: "access_token".into(),
        },
        secret: OneTimeSecret::new(SECRET.into()).unwrap(),
    }
}

/// The runtime's answer to a call of `owner`.
pub fn reply(owner: Owner, id: ReqId, answer: Answer) -> Msg {
    Msg::Reply { owner, id, answer }
}

/// The whole token list in one page, for the table.
pub fn listed(id: ReqId, r: ApiResult<Vec<TokenInfo>>) -> Msg {
    let page = r.map(|tokens| TokenPage {
        tokens,
        more: false,
        estimate: None,
        changes: None,
    });
    reply(Owner::Table, id, Answer::Page(page))
}

/// A model after start-up: the user and the sample list arrived.
pub fn loaded_with(cfg: AppConfig, tokens: Vec<TokenInfo>, w: u16, h: u16) -> App {
    let mut app = App::new(cfg, now());
    let fx = app.init();
    let (me, list) = match fx.as_slice() {
        [
            Effect::Call {
                owner: Owner::Table,
                id: a,
                request: Request::Me,
            },
            Effect::Call {
                owner: Owner::Table,
                id: b,
                request: Request::ListTokens,
            },
        ] => (*a, *b),
        other => panic!("unexpected init effects {other:?}"),
    };
    app.update(Msg::Resize(w, h));
    let mut me_info = info("me", "", "admin", 0, None, None);
    me_info.subject = "jfac@01hq7x2k9m/users/admin".into();
    app.update(reply(Owner::Table, me, Answer::Token(Ok(me_info))));
    app.update(listed(list, Ok(tokens)));
    app
}

pub fn loaded(w: u16, h: u16) -> App {
    loaded_with(cfg(), sample(), w, h)
}

pub fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    key_mod(app, code, KeyModifiers::NONE)
}

pub fn key_mod(app: &mut App, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    let ev = Event::Key(KeyEvent::new(code, mods));
    match app.translate(&ev) {
        Some(m) => app.update(m),
        None => Vec::new(),
    }
}

pub fn typing(app: &mut App, text: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in text.chars() {
        fx.extend(key(app, KeyCode::Char(c)));
    }
    fx
}

pub fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    key_mod(app, KeyCode::Char(c), KeyModifiers::CONTROL)
}

pub fn buffer_text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut skip = 0usize;
        let mut line = String::new();
        for x in 0..area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let s = buf[(x, y)].symbol();
            line.push_str(s);
            skip = s.width().saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub fn render(app: &mut App, w: u16, h: u16) -> Buffer {
    app.update(Msg::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| tokentab::tui::ui::draw(f, app)).unwrap();
    t.backend().buffer().clone()
}

pub fn render_text(app: &mut App, w: u16, h: u16) -> String {
    buffer_text(&render(app, w, h))
}

/// The token-create request `owner` sent among `fx` (panics naming `fx` when there is none).
pub fn create_request(fx: &[Effect], owner: Owner) -> CreateTokenRequest {
    fx.iter()
        .find_map(|e| match e {
            Effect::Call {
                owner: o,
                request: Request::CreateToken(r),
                ..
            } if *o == owner => Some(r.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("a create request from {owner:?}: {fx:?}"))
}

/// The id of the create call in `fx` (Ctrl-S on the form).
pub fn create_call(fx: &[Effect]) -> ReqId {
    id_of(fx, |e| match e {
        Effect::Call {
            owner: Owner::Form,
            id,
            request: Request::CreateToken(_),
        } => Some(*id),
        _ => None,
    })
}

/// `n`, a description, Ctrl-S: the id of the create call the form sent.
pub fn generate(app: &mut App, desc: &str) -> ReqId {
    key(app, KeyCode::Char('n'));
    typing(app, desc);
    create_call(&ctrl(app, 's'))
}

/// A token created from the form ("deploy bot") and the answer applied: the secret view is
/// open and the secret is to be copied. The answer's effects.
pub fn open_secret(app: &mut App) -> Vec<Effect> {
    let id = generate(app, "deploy bot");
    let fx = app.update(reply(Owner::Form, id, Answer::Created(Ok(created()))));
    assert!(app.secret().is_some(), "the secret view opens");
    assert!(fx.contains(&Effect::CopySecret), "{fx:?}");
    fx
}

/// The request id of the first effect matching.
pub fn id_of(fx: &[Effect], pick: impl Fn(&Effect) -> Option<ReqId>) -> ReqId {
    fx.iter()
        .find_map(pick)
        .unwrap_or_else(|| panic!("no such effect in {fx:?}"))
}

use tokentab::tui::app::form::Field;
use tokentab::tui::msg::{PickItem, PickPage};

/// Answers the picker request in `fx` with `items` and picks the first.
pub fn pick_first(app: &mut App, fx: &[Effect], items: &[(&str, &str)]) {
    let id = id_of(fx, |e| match e {
        Effect::Call {
            owner: Owner::Picker,
            id,
            request: Request::Pick(_),
        } => Some(*id),
        _ => None,
    });
    let page = PickPage {
        items: items
            .iter()
            .map(|(id, label)| PickItem {
                id: (*id).into(),
                label: (*label).into(),
                // As the runtime names them: a device by the label's "name (short id)", the
                // rest by their id.
                name: label.split_once(" · ").map_or(*id, |(name, _)| name).into(),
            })
            .collect(),
        next: None,
    };
    app.update(reply(Owner::Picker, id, Answer::Picked(Ok(page))));
    key(app, KeyCode::Enter);
}

pub fn focus(app: &mut App, field: Field) {
    for _ in 0..20 {
        if app.form.as_ref().map(|f| f.focus) == Some(field) {
            return;
        }
        key(app, KeyCode::Tab);
    }
    panic!("field {field:?} not reachable");
}

/// Opens the form and builds a Custom token with a project, a fleet and a device row.
pub fn custom_three_rows(app: &mut App) {
    key(app, KeyCode::Char('n'));
    typing(app, "edge fleet operator");
    focus(app, Field::ScopeKind);
    key(app, KeyCode::Char(' '));
    // Project row.
    focus(app, Field::Project);
    let fx = key(app, KeyCode::Enter);
    pick_first(app, &fx, &[("demo", "demo — Demo project")]);
    focus(app, Field::Add);
    key(app, KeyCode::Enter);
    // Fleet row: Read + Write.
    add_row(app, ("edge-eu", "edge-eu (120 devices)"), 1);
    // Device row: Read + Write + Delete.
    add_row(
        app,
        ("d-feaf-d9aa", "gateway-7 (d-feaf…) · fleet edge-eu"),
        2,
    );
}

/// Adds a row for the next kind of entity (one step right), its target picked as `item`, with
/// the permission `perm_right` steps right of Read turned on too.
fn add_row(app: &mut App, item: (&str, &str), perm_right: usize) {
    focus(app, Field::Entity);
    key(app, KeyCode::Right);
    focus(app, Field::Target);
    let fx = key(app, KeyCode::Enter);
    pick_first(app, &fx, &[item]);
    focus(app, Field::Perms);
    for _ in 0..perm_right {
        key(app, KeyCode::Right);
    }
    key(app, KeyCode::Char(' '));
    focus(app, Field::Add);
    key(app, KeyCode::Enter);
}

/// Every user action, for tests that press each one in every mode.
pub const ALL_ACTIONS: [tokentab::tui::keymap::Action; 36] = {
    use tokentab::tui::keymap::Action;
    [
        Action::Quit,
        Action::Up,
        Action::Down,
        Action::Top,
        Action::Bottom,
        Action::PageUp,
        Action::PageDown,
        Action::Left,
        Action::Right,
        Action::Filter,
        Action::SortNext,
        Action::SortReverse,
        Action::New,
        Action::RowActions,
        Action::Revoke,
        Action::RevokeShown,
        Action::Mark,
        Action::Refresh,
        Action::Help,
        Action::Back,
        Action::Confirm,
        Action::NextField,
        Action::PrevField,
        Action::Toggle,
        Action::Generate,
        Action::Remove,
        Action::Reveal,
        Action::CopySecret,
        Action::CopyId,
        Action::Details,
        Action::SwitchServer,
        Action::Rotate,
        Action::Export,
        Action::MineExpiring,
        Action::Audit,
        Action::Messages,
    ]
};

/// Does not compile when an action is added to the keymap and not to [`ALL_ACTIONS`].
const _: fn(tokentab::tui::keymap::Action) = every_action_is_listed;

fn every_action_is_listed(a: tokentab::tui::keymap::Action) {
    use tokentab::tui::keymap::Action;
    match a {
        Action::Quit
        | Action::Up
        | Action::Down
        | Action::Top
        | Action::Bottom
        | Action::PageUp
        | Action::PageDown
        | Action::Left
        | Action::Right
        | Action::Filter
        | Action::SortNext
        | Action::SortReverse
        | Action::New
        | Action::RowActions
        | Action::Revoke
        | Action::RevokeShown
        | Action::Mark
        | Action::Refresh
        | Action::Help
        | Action::Back
        | Action::Confirm
        | Action::NextField
        | Action::PrevField
        | Action::Toggle
        | Action::Generate
        | Action::Remove
        | Action::Reveal
        | Action::CopySecret
        | Action::CopyId
        | Action::Details
        | Action::SwitchServer
        | Action::Rotate
        | Action::Export
        | Action::MineExpiring
        | Action::Audit
        | Action::Messages => {}
    }
}
