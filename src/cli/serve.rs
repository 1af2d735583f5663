//! `tokentab serve`'s flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::webhooks;

/// `tokentab serve`. Without --tls-cert/--tls-key it serves plain HTTP, and then only on a
/// loopback address unless --plain-http-on-network is given.
#[derive(Debug, Args, Clone)]
#[command(
    after_help = "SIGHUP reloads the TLS certificate and key files. SIGTERM or SIGINT: \
    stops accepting, finishes the requests in flight, exits within 10 s.\n\
    --rotate-admin-token is for a normal start: it replaces the token, says where the new one \
    is, and goes on serving.\n\
    Replicas: any number of `serve` on one --db postgres://… URL share it; GET /readyz is 503 \
    while the database is unreachable, GET /metrics is Prometheus text.\n\
    Connections (HTTP and HTTPS): a request head must arrive within --header-timeout, a \
    kept-alive connection closes after --idle-timeout without a request; at --max-connections a \
    new connection closes the one that has waited longest with nothing in progress.\n\
    Durations: a number and s, min, h, d, w or y (365 days), or plain seconds; m is refused \
    (minutes or months?): write 30min or 90d."
)]
pub struct ServeArgs {
    /// Address to listen on. A non-loopback address needs --tls-cert and --tls-key (or
    /// --plain-http-on-network).
    #[arg(long, default_value = "127.0.0.1:8082", value_name = "ADDR")]
    pub listen: SocketAddr,

    /// SQLite database file (default: tokentab.db in the data dir; its directory must be
    /// writable by this user alone, the file this user's, no symbolic link), or a PostgreSQL URL
    /// postgres://user@host:port/db (no password in it: PGPASSWORD, ~/.pgpass or
    /// ?password_file=PATH).
    #[arg(long, value_name = "FILE|URL", env = "TOKENTAB_DB")]
    pub db: Option<PathBuf>,

    /// Data directory: admin.token and the default database (default: the platform data dir).
    /// Created 0700; refused when the group or others can write to it.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Log lines as plain text or as one JSON object per line (stderr).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Do not load the demo account into an empty database.
    #[arg(long)]
    pub no_seed: bool,

    /// Longest allowed token lifetime, e.g. 90d, 12h, 1y; tokens that never expire are then
    /// refused, and the admin token expires after it too. Default: no limit.
    #[arg(long, value_name = "DURATION")]
    pub max_expiry: Option<String>,

    /// Longest token lifetime a non-admin may ask for, e.g. 90d, 1y; `none` lifts it (non-admins
    /// still never get tokens that never expire).
    #[arg(long, value_name = "DURATION", default_value = "1y")]
    pub max_user_expiry: String,

    /// Most live tokens a non-admin user may hold (0 = no cap).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_tokens_per_user: u32,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Allow plain HTTP on a non-loopback --listen address (tokens then cross the network in
    /// clear text; a warning is logged).
    #[arg(long, conflicts_with = "tls_cert")]
    pub plain_http_on_network: bool,

    /// Replace admin.token with a new admin token and revoke the old one, then serve.
    #[arg(long)]
    pub rotate_admin_token: bool,

    /// Keep audit rows this long, e.g. 90d, 1y (`none` keeps them forever); older ones are
    /// deleted at start and every hour.
    #[arg(long, value_name = "DURATION", default_value = "365d")]
    pub audit_retention: String,

    /// Refusals (4xx answers) a source address or a token may earn a second; past the burst,
    /// its requests get 429 with Retry-After before any work. 0 = no limit.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub refusals_per_second: u32,

    /// Refusals a source address or a token may earn at once before the rate applies.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub refusal_burst: u32,

    /// Client-error (4xx) request lines logged a second at most; the rest are counted in a
    /// "suppressed N" line. 0 = log them all.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub log_client_errors_per_second: u32,

    /// Free space of the SQLite database's file system under which creates and refreshes are
    /// refused (507) while revokes still work, e.g. 64MiB, 1GiB; 0 turns the floor off.
    #[arg(long, value_name = "SIZE", default_value = "256MiB")]
    pub min_free_disk: String,

    /// How long after its access token expired a refresh token still works, e.g. 24h, 7d (`0`:
    /// only until the expiry). A chain of refreshes never runs past --max-expiry /
    /// --max-user-expiry from its first token's issue. Default: 24h, as JFrog.
    #[arg(long, value_name = "DURATION", default_value = "24h")]
    pub refresh_grace: String,

    /// Close a connection that has not sent a whole request head (request line and headers)
    /// this long after connecting, or after the first byte of its next request, e.g. 10s; a
    /// request body must arrive within it too (else 408).
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub header_timeout: String,

    /// Close a kept-alive connection that sends no new request for this long, e.g. 60s.
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    pub idle_timeout: String,

    /// Most connections open at once (lowered to fit the open-file limit). At the cap a new
    /// connection closes the one that has waited longest with no request in progress; only
    /// when all are busy does it wait.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_connections: usize,

    /// On SIGTERM, first answer /readyz with 503 and close each kept-alive connection after
    /// its next answer for this many seconds, still serving, so a load balancer moves clients
    /// to the other replicas; then stop. Size it to your balancer's check interval x fall
    /// count plus a check timeout (README, "A shared service"). A second SIGTERM, or SIGINT
    /// (Ctrl-C) at any time, stops at once; 0 stops at once on the first SIGTERM.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 10,
        env = "TOKENTAB_DRAIN_SECONDS"
    )]
    pub drain_seconds: u64,

    /// A load balancer or proxy in front (CIDR such as 10.0.0.0/8, or one address; repeat
    /// for more): from these peers the client's address is taken from X-Forwarded-For (the
    /// rightmost address outside these ranges) or a PROXY protocol header; from others those
    /// are ignored. The audit trail, request logs and refusal limits use it.
    #[arg(long, value_name = "CIDR")]
    pub trusted_proxy: Vec<String>,

    /// Accept a PROXY protocol v2 header (HAProxy's send-proxy-v2) at the start of connections
    /// from a --trusted-proxy; a connection from any other peer that sends one is closed.
    #[arg(long, requires = "trusted_proxy")]
    pub proxy_protocol: bool,
    /// Issue 20 item 4: webhooks.
    #[command(flatten)]
    pub webhooks: Box<webhooks::WebhookArgs>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}
