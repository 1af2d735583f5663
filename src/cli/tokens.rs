//! `tokentab tokens …`: list, create, rotate, revoke, audit.

use clap::{Args, Subcommand};

use super::ServerArgs;

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// List tokens.
    List(ListArgs),
    /// Create a token; prints the secret alone on stdout, once.
    Create(CreateArgs),
    /// Replace a token (same scope, description, owner, lifetime length), then revoke it;
    /// prints the new secret alone on stdout, once.
    Rotate {
        /// The id of the token to replace (as `tokens list` shows it).
        #[arg(value_name = "TOKEN_ID")]
        id: String,
        /// Print everything as JSON (the new secret included).
        #[arg(long)]
        json: bool,
        /// When the server does not report the token's scope (real JFrog), replace it with a
        /// User token (it acts with its owner's rights).
        #[arg(long)]
        as_user_token: bool,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Revoke tokens by id, or every token a scope target, user or filter picks.
    ///
    /// By id: exit 0 only when every id was revoked; 1 when one was not (unknown,
    /// already revoked, not yours: said per id on stderr) or failed; 2 for an argument that
    /// cannot be a token id, or an admin token not confirmed.
    ///
    /// By --scope, --user or --filter (issue 20): a dry run listing what would go unless --yes;
    /// admin-scoped tokens and your own are kept (listed) unless --include-admin; exit 1 when
    /// nothing matches.
    Revoke {
        /// Token ids (letters, digits, '.', '_', '-'; at most 64 characters).
        #[arg(
            required_unless_present_any = ["scope", "user", "filter"],
            conflicts_with_all = ["scope", "user", "filter"],
            value_name = "TOKEN_ID"
        )]
        ids: Vec<String>,
        /// Every token whose scope reaches this target: project:P, fleet:P/F, device:P/[F/]D
        /// (grants on it, on what contains it, or on what it contains).
        #[arg(long, value_name = "TARGET")]
        scope: Option<String>,
        /// With --scope: only tokens whose grants name the target itself.
        #[arg(long, requires = "scope")]
        exact: bool,
        /// Every token of this user.
        #[arg(long, value_name = "USER")]
        user: Option<String>,
        /// Every token the tab's filter words pick (e.g. 'unused:90d', 'user:alice status:never').
        #[arg(long, value_name = "WORDS")]
        filter: Option<String>,
        /// Take admin-scoped tokens too (they reach everything; kept otherwise).
        #[arg(long)]
        include_admin: bool,
        /// Print the outcome of every id as JSON.
        #[arg(long)]
        json: bool,
        /// Revoke admin tokens without asking (otherwise the terminal asks for the first 4
        /// characters of each admin token's id, and without a terminal it refuses). With
        /// --scope, --user or --filter: revoke what the dry run lists.
        #[arg(long, short = 'y')]
        yes: bool,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// The audit trail of a `tokentab serve` server (admins only): who created, revoked,
    /// refreshed which token or changed which device, when and from where.
    Audit(AuditArgs),
}

#[derive(Debug, Args, Clone, Default)]
#[command(mut_arg("readonly", |a| a.hide(true)))]
pub struct AuditArgs {
    /// JSON output.
    #[arg(long)]
    pub json: bool,
    /// CSV output (RFC 4180, ISO 8601 UTC times, formula-looking cells prefixed with ').
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
    /// Only rows of this action: create, revoke, revoke_by_value, revoke_self, refresh,
    /// device_update, device_delete, or an admin action (user_add …).
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// Only rows this recent: a duration (7d, 12h, 30min; no m) or a time (2026-11-01, RFC 3339).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only rows about this token id.
    #[arg(long = "token", value_name = "ID")]
    pub token_id: Option<String>,
    /// Only rows of this acting user.
    #[arg(long, value_name = "NAME")]
    pub actor: Option<String>,
    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Debug, Args, Clone, Default)]
#[command(mut_arg("readonly", |a| a.hide(true)))]
pub struct ListArgs {
    /// JSON output: the server's fields, plus `status` and `expires_at` (ISO 8601 UTC, null
    /// for a token that never expires).
    #[arg(long)]
    pub json: bool,
    /// Only tokens expiring within this long, e.g. 7d (a number and s, min, h, d, w or y; no
    /// m).
    #[arg(long, value_name = "DURATION")]
    pub expiring: Option<String>,
    /// Description filter, case-insensitive; a trailing * is a prefix match.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Only tokens of this user.
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    #[command(flatten)]
    pub server: ServerArgs,
    /// CSV output (RFC 4180, ISO 8601 UTC times, formula-looking cells prefixed with ').
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
    /// Only tokens not used for this long (or never used and issued before), e.g. 30d (units as
    /// --expiring).
    #[arg(long, value_name = "DURATION")]
    pub unused: Option<String>,
    /// Only tokens of one of these statuses (the tab's words): active, expiring, expired,
    /// never, disabled; comma-separated.
    #[arg(long, value_name = "S[,S…]", value_delimiter = ',')]
    pub status: Vec<String>,
    /// Only tokens whose scope is of one of these kinds (the tab's words): user, admin, custom,
    /// fleet, device, project; comma-separated.
    #[arg(long, value_name = "K[,K…]", value_delimiter = ',')]
    pub scope: Vec<String>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct CreateArgs {
    /// Description (required, at most 1024 characters).
    #[arg(long, short = 'd', value_name = "TEXT")]
    pub description: String,
    /// Expiry: YYYY-MM-DD, +N with min, h, d, w or y (365 days), or never. `m` is refused
    /// (minutes or months?): +30min, +90d.
    #[arg(long, short = 'e', default_value = "+90d", value_name = "WHEN")]
    pub expiry: String,
    /// Whose token it is (default: yourself; another user needs an admin token): a User token
    /// for them, or with --scope a Custom token acting for them.
    #[arg(long)]
    pub user: Option<String>,
    /// Custom scope, e.g. "connect:fleet:demo/edge-eu:rw connect:device:demo/d-feaf-d9aa:r".
    #[arg(long)]
    pub scope: Option<String>,
    /// Print everything as JSON (secret included) instead of the secret alone.
    #[arg(long)]
    pub json: bool,
    /// Copy the secret with the one-time clipboard path instead of printing it.
    #[arg(long, conflicts_with = "json")]
    pub copy: bool,
    #[command(flatten)]
    pub server: ServerArgs,
}
