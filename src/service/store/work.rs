//! What one unit of work takes and answers: the rows of a batch, a create with its checks, a
//! refresh, a device write, and how a revoke ended. Both backends take these from [`super::backend::Db`].

use crate::model::EntityRef;
use crate::model::wire::{DeviceInfo, ProjectInfo, UserInfo};

use super::audit::Record;
use super::refresh::RefreshLimits;
use super::tokens::NewToken;

/// One row to write; a batch of them is applied in one transaction (bootstrap, demo seed).
#[derive(Debug, Clone)]
pub enum Write {
    User(UserInfo),
    Membership {
        username: String,
        project: String,
    },
    Project(ProjectInfo),
    Fleet {
        project: String,
        name: String,
    },
    Device(DeviceInfo),
    Token(NewToken),
    /// An audit row at `at` with result `ok` (start-up's own changes).
    Audit {
        record: Record,
        at: i64,
    },
    /// A `meta` key, set or replaced.
    Meta {
        key: String,
        value: String,
    },
}

/// A token to create and what to check first, all in one transaction.
#[derive(Debug, Clone)]
pub struct CreateToken {
    pub new: NewToken,
    /// Every entity the scope names (each must exist).
    pub targets: Vec<EntityRef>,
    /// The token acting: re-checked live inside the transaction.
    pub caller: Option<String>,
    /// Stored with a refreshable token (only the hash).
    pub refresh_hash: Option<[u8; 32]>,
    /// A non-admin's request: `project_key` must be one of the user's projects (a project that
    /// does not exist gets the same answer), and the user may hold at most `Some(cap)` live
    /// tokens (0 = no cap).
    pub limited: Option<u32>,
    /// Written with result `ok` in the same transaction when the token is created.
    pub audit: Option<Record>,
}

/// A refresh: the token behind `refresh_hash` (the caller's user's, and when `access_hash` is
/// given, that access token's) is revoked and replaced, in one transaction, by a token with the
/// same user, scope, description and lifetime, the new secret and the next refresh secret.
#[derive(Debug, Clone)]
pub struct Refresh {
    pub refresh_hash: [u8; 32],
    pub access_hash: Option<[u8; 32]>,
    /// The caller's user: only its own tokens can be refreshed.
    pub username: String,
    pub caller: String,
    pub new_token_id: String,
    pub secret_hash: [u8; 32],
    pub next_refresh_hash: [u8; 32],
    /// Past these the refresh token has lapsed: None, as for an unknown one.
    pub limits: RefreshLimits,
    /// Two rows: `ok: replaced` for the old token, `ok` for the new one.
    pub audit: Option<Record>,
}

/// A device write made for a caller: which device, the token acting (re-checked live inside the
/// transaction) and the audit row written when the change happens.
#[derive(Debug, Clone)]
pub struct DeviceWrite {
    pub project: String,
    pub uuid: String,
    pub caller: Option<String>,
    pub audit: Option<Record>,
}

/// What a refresh made: the new token and its lifetime in seconds from now (None: never
/// expires), shorter than the old one's when the chain's limit cut it.
#[derive(Debug, Clone)]
pub struct Refreshed {
    pub token: NewToken,
    pub lifetime: Option<u64>,
}

/// Why a token could not be created (nothing was written), or that it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateCheck {
    Created,
    UnknownUser(String),
    UnknownProject(String),
    /// A fleet or device named in the scope.
    UnknownTarget(EntityRef),
    /// A limited request whose `project_key` is not one of the user's projects.
    NotMember(String),
    /// A scope naming a project (or a fleet or device in it) the token's user, not an admin,
    /// is not a member of: such a grant would not hold at use ([`crate::service::principal`]).
    TargetNotMember(String),
    /// A limited request for a user who already holds `cap` live tokens.
    OverCap(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeOutcome {
    Revoked,
    /// Unknown, or revoked before.
    Gone,
    /// The check said no (e.g. another user's token).
    Refused,
}

impl RevokeOutcome {
    /// How a revoke ends in the audit trail: the caller is told 204 for both no-ops, so
    /// that another user's token cannot be told from an unknown one.
    pub fn audit_result(self) -> &'static str {
        match self {
            RevokeOutcome::Revoked => super::audit::OK,
            RevokeOutcome::Gone | RevokeOutcome::Refused => "204 not found",
        }
    }
}

/// Connections in use and the most there may be (the `/metrics` pool gauge).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    pub in_use: usize,
    pub max: usize,
}
