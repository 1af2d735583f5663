//! `POST /tokentab/api/v1/tokens/revoke` (issue 20, item 3): revoke every live token a
//! selector picks, in one transaction, or (the default) only say which would go.
//!
//! Selectors (every one given must match; at least one is needed): `scope` (a
//! [`super::scope::selector::ScopeTarget`], with `exact`), `user`, `filter` (the tab's filter
//! words, [`super::filter_query`]), `token_ids` (what the tab's `D` confirmed).
//!
//! Kept, never revoked by a bulk revoke, and listed as kept with the reason:
//! - admin-scoped tokens (`applied-permissions/admin` reaches everything: revoking the team's
//!   admin tokens by a fleet filter would lock the team out) unless `include_admin`;
//! - the caller's own token (revoke it by id, `DELETE …/tokens/me`), so a bulk revoke never
//!   signs out whoever asked for it halfway through an incident.

use serde::{Deserialize, Serialize};

/// Longest `filter` text accepted.
pub const MAX_FILTER_LEN: usize = 1_024;
/// Most `token_ids` in one request.
pub const MAX_IDS: usize = 10_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkRevokeRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// With `scope`: only tokens whose grants name the target itself.
    #[serde(default, skip_serializing_if = "is_false")]
    pub exact: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_ids: Option<Vec<String>>,
    /// Admin-scoped tokens are kept unless this is true.
    #[serde(default, skip_serializing_if = "is_false")]
    pub include_admin: bool,
    /// Only say what would go (the default: `"dry_run": false` revokes).
    #[serde(default = "yes")]
    pub dry_run: bool,
}

fn yes() -> bool {
    true
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One token the revoke took (or would take), or kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkToken {
    pub token_id: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub scope: String,
    /// Why a kept token was kept: `admin-scoped` or `own token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept_because: Option<String>,
}

pub const KEPT_ADMIN: &str = "admin-scoped";
pub const KEPT_OWN: &str = "own token";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkRevokeReply {
    pub dry_run: bool,
    /// How many the selectors picked and will go (dry run) or went.
    pub matched: u64,
    /// How many were revoked by this request (0 in a dry run; fewer than matched when some
    /// were revoked by someone else meanwhile).
    pub revoked: u64,
    pub tokens: Vec<BulkToken>,
    /// Picked by the selectors but kept (see the module docs).
    #[serde(default)]
    pub kept: Vec<BulkToken>,
}
