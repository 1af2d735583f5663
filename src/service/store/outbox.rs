//! The webhook outbox (issue 20 item 4): the rows both backends keep in `webhook_outbox`
//! (schema: the hooks migration step), and what the delivery worker, the sweeper and the
//! deliveries listing ask of them.
//!
//! A row is one event. Triggers write `token.created`, `token.revoked` and `user.disabled` in
//! the change's own transaction (only while `meta.webhooks` is `on`); the refresh rule turns
//! the new token's `token.created` into `token.rotated` ([`ROTATED`]); the sweeper writes
//! `token.expiring` (once per token and lead time) and `token.expired` (once per token), each
//! guarded by a unique `dedup` key, so every replica may sweep.
//!
//! Delivery: a worker claims due rows by a lease (`lease_until`, `lease_owner`): SQLite in
//! the writer's `BEGIN IMMEDIATE`, PostgreSQL `FOR UPDATE SKIP LOCKED` in the claim's
//! transaction; only the lease holder can finish a row. A row is due when it is `pending`, its
//! `next_try` has come, no lease is running, and no earlier `pending` row has its `ord_key`
//! (the token; a rotation also waits for the old token's rows): one token's events go out in
//! order. A process killed mid-delivery leaves a lease that runs out; the row is then claimed
//! again and sent again with the same event id (at least once).

/// `meta` key: `on` while webhooks are configured (the triggers read it).
pub const SWITCH: &str = "webhooks";
/// `meta` key: when webhooks were last switched on (`token.expired` only for tokens that
/// expired since).
pub const SWITCHED_ON_AT: &str = "webhooks_on_at";
/// Event types.
pub const CREATED: &str = "token.created";
pub const ROTATED: &str = "token.rotated";
pub const EXPIRING: &str = "token.expiring";
pub const EXPIRED: &str = "token.expired";

/// Delivery states.
pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const DEAD: &str = "dead";

/// A claimed row: what the worker sends.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    pub seq: i64,
    pub event_id: String,
    pub kind: String,
    pub token_id: Option<String>,
    pub username: String,
    pub description: Option<String>,
    pub scope: Option<String>,
    pub expiry: Option<i64>,
    pub previous_id: Option<String>,
    /// `token.expiring`: the lead time, seconds.
    pub lead: Option<i64>,
    pub occurred_at: i64,
    pub attempts: i64,
    /// When its first try was due: the dead-letter age counts from here (a retry restarts it).
    pub first_try: i64,
    /// The targets (URLs) that already acknowledged it, one per line.
    pub acked: String,
}

/// The columns of [`Claimed`], in its order.
pub const CLAIMED_COLUMNS: &str = "seq, event_id, kind, token_id, username, description, scope, \
     expiry, previous_id, lead, occurred_at, attempts, first_try, acked";

/// How a try ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Delivered,
    /// Not (or not to every target): tried again at `next_try`, or given up (`dead`).
    Failed {
        error: String,
        acked: String,
        next_try: i64,
        dead: bool,
    },
}

/// What a sweep writes at `now`.
#[derive(Debug, Clone)]
pub struct Sweep {
    pub now: i64,
    /// Lead times, seconds.
    pub leads: Vec<i64>,
    /// `token.expired` for tokens whose expiry is after this (and at or before `now`).
    pub expired_since: i64,
}

/// One row of the deliveries listing.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRow {
    pub seq: i64,
    pub event_id: String,
    pub kind: String,
    pub token_id: Option<String>,
    pub username: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_try: i64,
    pub occurred_at: i64,
    pub done_at: Option<i64>,
}

pub const DELIVERY_COLUMNS: &str = "seq, event_id, kind, token_id, username, state, attempts, \
     last_error, next_try, occurred_at, done_at";

/// Newest first: `state` when given, rows before `before_seq` when given, `limit + 1` at most.
#[derive(Debug, Clone, Default)]
pub struct DeliveryQuery {
    pub state: Option<String>,
    pub before_seq: Option<i64>,
    pub limit: u32,
}
