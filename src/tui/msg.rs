//! `Msg`: everything `App::update` reacts to. `Effect`: everything `update` asks the runtime for.
//! Only these values cross tasks.
//!
//! **A call carries its owner.** A state that needs the server (or the connector, or the disk)
//! asks with `Effect::Call { owner, id, request }`: `owner` names the state that asked (the
//! table, the form, the rotate dialog…), `id` is a fresh [`ReqId`]. The runtime runs the
//! request and sends the answer back as `Msg::Reply { owner, id, answer }` with the same owner
//! and id, untouched. `update` hands a reply to the state named by its owner and to no other;
//! that state alone decides whether the id is the one it waits for (a stale or cancelled id is
//! dropped there). So one API verb may serve several states (the form and the rotate dialog
//! both create tokens) without any routing by verb, probe order or shared result handler.

use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use crate::api::audit::AuditQuery;
use crate::api::{ApiError, CreatedToken, RevokeOutcome};
use crate::model::wire::{AuditEntry, CreateTokenRequest, TokenInfo};
use crate::model::{EntityKind, Token};
use crate::secret::clipboard::{ClearOutcome, CopyOutcome};

use super::keymap::Action;
use super::switch::{Session, SessionClient};

/// Identifies one request (or one debounce timer); results carrying an old id are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReqId(pub u64);

/// A call's result as it reaches the model; the error stays typed until it is shown.
pub type ApiResult<T> = Result<T, CallError>;

/// Why a call brought no result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// What a person can act on ("the server rejected the token…"), not the status line.
    #[error("{}", .0.headline())]
    Api(ApiError),
    #[error("the server did not answer within {secs} s")]
    TimedOut { secs: u64 },
    /// The call's task ended without a result (it panicked).
    #[error("the request failed unexpectedly")]
    Lost,
    /// Words only (a reason made up outside the client).
    #[error("{0}")]
    Other(String),
}

impl CallError {
    /// The words for the screen, safe for a terminal.
    pub fn shown(&self) -> String {
        crate::model::sanitize::clean(&self.to_string())
    }
}

impl From<ApiError> for CallError {
    fn from(e: ApiError) -> Self {
        CallError::Api(e)
    }
}

impl From<&str> for CallError {
    fn from(s: &str) -> Self {
        CallError::Other(s.to_owned())
    }
}

impl From<String> for CallError {
    fn from(s: String) -> Self {
        CallError::Other(s)
    }
}

/// One entry of a picker (users, projects, fleets, devices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickItem {
    /// What goes into the request or scope (user name, project key, fleet name, device id).
    pub id: String,
    /// What the list shows.
    pub label: String,
    /// What the form shows once it is chosen (a device: its name and short id).
    pub name: String,
}

/// One page of picker results; `next` is the cursor for "load more".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PickPage {
    pub items: Vec<PickItem>,
    pub next: Option<String>,
}

/// What a picker lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickKind {
    User,
    Entity(EntityKind),
}

/// A picker page request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickQuery {
    pub kind: PickKind,
    /// The project, for fleets and devices.
    pub project: Option<String>,
    pub search: String,
    pub cursor: Option<String>,
}

/// A CSV export that was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub rows: usize,
    /// Where it went (absolute when the system could say).
    pub path: String,
}

impl Exported {
    pub fn message(&self) -> String {
        let noun = if self.rows == 1 { "row" } else { "rows" };
        format!("exported {} {noun} to {}", self.rows, self.path)
    }
}

/// Why a CSV export wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// The file is there and replacing it was not confirmed.
    #[error("the file exists")]
    Exists,
    #[error("{0}")]
    Failed(String),
}

/// A page of the token list as it streams in. A server that sends every token in one answer
/// (JFrog) arrives as several pages too, so the model never takes them all in one step.
#[derive(Debug, Clone, Default)]
pub struct TokenPage {
    pub tokens: Vec<TokenInfo>,
    /// More pages follow.
    pub more: bool,
    /// How many tokens the server says there are, when it says.
    pub estimate: Option<u64>,
    /// Where the server's changes start (first page only; None from a server without them).
    pub changes: Option<String>,
}

/// The state a call belongs to; its reply goes there and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    /// The token table: who am I, and the list (first load and refreshes).
    Table,
    /// The create panel's Generate.
    Form,
    /// The picker open in the create panel.
    Picker,
    /// The details overlay.
    Details,
    /// The revoke confirmation (one call per target).
    Confirm,
    /// The rotate dialog: the token's details, then the replacement.
    Rotate,
    /// A rotation whose replacement exists: the old token's revoke.
    Rotation,
    /// The audit view.
    Audit,
    /// The server switch overlay.
    Switch,
    /// The CSV export prompt.
    Export,
}

/// What a call asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// GET /tokens/me.
    Me,
    /// The token list, streamed page by page (one `Answer::Page` per page, same id).
    ListTokens,
    GetToken(String),
    CreateToken(CreateTokenRequest),
    RevokeToken(String),
    /// Revoke these tokens in one request (`D`, issue 20); a server without the bulk endpoint
    /// answers `NoEndpoint` and the caller revokes one by one.
    BulkRevoke(Vec<String>),
    Pick(PickQuery),
    /// The caller's lifetime rules (the create form's expiry help).
    TokenLimits,
    /// The names of devices a token's scope names by id: `(project, device id)`.
    DeviceNames(Vec<(String, String)>),
    ListAudit(AuditQuery),
    /// Connect to the server entry with this key (token, service start, a first check).
    Connect(String),
    /// The tokens changed since this cursor (the quiet refresh; issue 19).
    TokenChanges(String),
    /// These tokens, one GET each: the quiet refresh of the rows on screen on a server without
    /// changes (JFrog).
    TokensById(Vec<String>),
    /// Write these rows as CSV to `path` off the UI task; an existing file is replaced only
    /// with `overwrite`. Runs to the end once started (Cancel only stops waiting for it).
    ExportCsv {
        path: String,
        tokens: Vec<Token>,
        now: DateTime<Utc>,
        overwrite: bool,
    },
}

/// What came back for a [`Request`].
#[derive(Debug)]
pub enum Answer {
    /// For `Me` and `GetToken`.
    Token(ApiResult<TokenInfo>),
    /// One page of `ListTokens`; more follow under the same id while `more` is set.
    Page(ApiResult<TokenPage>),
    Created(ApiResult<CreatedToken>),
    Revoked(ApiResult<RevokeOutcome>),
    /// For `BulkRevoke`.
    BulkRevoked(ApiResult<crate::api::bulk_revoke::BulkAnswer>),
    Picked(ApiResult<PickPage>),
    /// For `TokenLimits`: None when the server says nothing.
    Limits(ApiResult<Option<crate::model::expiry::ServerLimits>>),
    /// For `DeviceNames`: `(device id, name)` of those the server gave.
    DeviceNames(Vec<(String, String)>),
    Audit(ApiResult<Vec<AuditEntry>>),
    /// The connector's answer (the error is the sentence to show).
    Connected(Result<Session, String>),
    Exported(Result<Exported, ExportError>),
    /// For `TokenChanges`.
    Changes(ApiResult<crate::model::wire::TokenChanges>),
    /// For `TokensById`: each id with its token, None when the server no longer has it.
    TokensById(ApiResult<Vec<(String, Option<TokenInfo>)>>),
}

#[derive(Debug)]
pub enum Msg {
    /// A key resolved by the keymap.
    Action(Action),
    /// A key for the focused text field (not bound in the current mode).
    Key(KeyEvent),
    /// Bracketed paste; ignored outside text fields.
    Paste(String),
    /// Mouse: a left click at a cell.
    Click {
        x: u16,
        y: u16,
    },
    /// Mouse wheel: positive scrolls down.
    Scroll(i32),
    Resize(u16, u16),
    /// Clock: the runtime's `now` (update never reads the clock itself).
    Tick(DateTime<Utc>),
    /// The 60 s quiet refresh.
    RefreshDue,
    /// A debounce timer started by `Effect::Debounce` fired.
    DebounceDue(ReqId),
    /// The answer to an `Effect::Call`, for the state that asked.
    Reply {
        owner: Owner,
        id: ReqId,
        answer: Answer,
    },
    SecretCopied(CopyOutcome),
    /// A plain copy (a token ID) went this way.
    TextCopied(String, CopyOutcome),
    ClipboardCleared(ClearOutcome),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Run `request` for `owner`; the answer comes back as `Msg::Reply` with both ids.
    Call {
        owner: Owner,
        id: ReqId,
        request: Request,
    },
    /// From now on every call goes to this client; calls still running are abandoned.
    UseSession(SessionClient),
    /// Send `Msg::DebounceDue(id)` after the delay.
    Debounce(ReqId, Duration),
    /// Abort an in-flight call.
    Cancel(ReqId),
    /// Copy plain text (a token ID) the way the clipboard chooses (system clipboard, tmux buffer,
    /// OSC 52); the outcome comes back as `Msg::TextCopied`.
    CopyText(String),
    /// Copy the secret held by the secret view, once.
    CopySecret,
    /// Clear the clipboard after the delay if it still holds the secret; the outcome comes back
    /// as `Msg::ClipboardCleared`. A later request replaces an earlier one.
    ClearClipboardIn(Duration),
    /// Blank the terminal before the next frame (after the secret view closes).
    ClearScreen,
    /// A large load finished: hand the allocator's free pages back to the system.
    ReleaseMemory,
    Quit,
}
