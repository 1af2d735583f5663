//! `Msg`: everything `App::update` reacts to. `Effect`: everything `update` asks the runtime for.
//! Only these values cross tasks.

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
    Me(ReqId, ApiResult<TokenInfo>),
    /// The whole list at once.
    TokensListed(ReqId, ApiResult<Vec<TokenInfo>>),
    /// One page of the list; more follow under the same id while `more` is set.
    TokensPage(ReqId, ApiResult<TokenPage>),
    TokenDetail(ReqId, ApiResult<TokenInfo>),
    TokenCreated(ReqId, ApiResult<CreatedToken>),
    TokenRevoked(ReqId, ApiResult<RevokeOutcome>),
    Picked(ReqId, ApiResult<PickPage>),
    AuditListed(ReqId, ApiResult<Vec<AuditEntry>>),
    /// The connector's answer to `Effect::Connect` (the error is the sentence to show).
    Connected(ReqId, Result<Session, String>),
    SecretCopied(CopyOutcome),
    /// A plain copy (a token ID) went this way.
    TextCopied(String, CopyOutcome),
    ClipboardCleared(ClearOutcome),
    Exported(ReqId, Result<Exported, ExportError>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadMe(ReqId),
    ListTokens(ReqId),
    GetToken(ReqId, String),
    CreateToken(ReqId, CreateTokenRequest),
    RevokeToken(ReqId, String),
    Pick(ReqId, PickQuery),
    ListAudit(ReqId, AuditQuery),
    /// Connect to the server entry with this key (token, service start, a first check).
    Connect(ReqId, String),
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
    /// Write these rows as CSV to `path` off the UI task; an existing file is replaced only
    /// with `overwrite`. The outcome comes back as `Msg::Exported`.
    ExportCsv {
        id: ReqId,
        path: String,
        tokens: Vec<Token>,
        now: DateTime<Utc>,
        overwrite: bool,
    },
    Quit,
}
