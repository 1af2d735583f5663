//! clap definitions (derive), nothing else. Only `main` and `commands/` import this file; the
//! settings enums it offers (`--glyphs`, `--clipboard`) are `model::settings` types that know
//! no clap: clap learns their names here (`value_enum_of_setting!`).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use clap::builder::PossibleValue;

use crate::model::settings::{ClipboardMode, GlyphSet, Setting};

pub mod admin;
pub mod scan;
pub mod webhooks;

pub use admin::AdminCommand;
pub use scan::ScanArgs;

/// Teaches clap a settings enum: its values and their one name each (the names the config file
/// and the environment use too).
macro_rules! value_enum_of_setting {
    ($($t:ty),*) => {$(
        impl ValueEnum for $t {
            fn value_variants<'a>() -> &'a [Self] {
                <$t as Setting>::ALL
            }

            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(PossibleValue::new(Setting::name(*self)))
            }
        }
    )*};
}

value_enum_of_setting!(GlyphSet, ClipboardMode);

/// The JFrog Connect Access Tokens tab in a terminal.
///
/// With no subcommand, opens the tab. Without a configured server it starts the embedded token
/// service (SQLite in the data dir, demo data on first run) and signs in as its admin.
/// Tokens are never read from the command line: use TOKENTAB_TOKEN, --token-file or a profile.
#[derive(Debug, Parser)]
#[command(name = "tokentab", version, about, long_about)]
pub struct Cli {
    #[command(flatten)]
    pub server: ServerArgs,

    #[command(flatten)]
    pub tui: TuiArgs,

    /// Log level for the log file (error, warn, info, debug, trace); also TOKENTAB_LOG.
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Which server to talk to and how to authenticate. On the top-level command and on every
/// command that talks to a server (`tokens …`, `config show`), not on `serve`.
#[derive(Debug, Args, Clone, Default)]
pub struct ServerArgs {
    /// Server URL (a `tokentab serve` or a JFrog Platform). Also TOKENTAB_URL.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// Read the access token from this file (first line). The token itself is never an argument.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// A profile from the config file.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// A server id from the JFrog CLI config (~/.jfrog). Also JFROG_CLI_SERVER_ID.
    #[arg(long, value_name = "ID")]
    pub server_id: Option<String>,

    /// Extra PEM CA certificate to trust.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Do not verify TLS certificates (dangerous).
    #[arg(long)]
    pub insecure: bool,

    /// No create or revoke.
    #[arg(long)]
    pub readonly: bool,

    /// Data directory for the embedded service (default: the platform data dir).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// Options of the tab itself.
#[derive(Debug, Args, Clone, Default)]
pub struct TuiArgs {
    /// Do not capture the mouse (keeps the terminal's own selection working).
    #[arg(long)]
    pub no_mouse: bool,

    /// How the generated token is copied.
    #[arg(long, value_enum, value_name = "MODE")]
    pub clipboard: Option<ClipboardMode>,

    /// Clear the clipboard after this many seconds (0 = never). Default 30.
    #[arg(long, value_name = "SECS")]
    pub clipboard_clear: Option<u64>,

    /// Show the generated token as dots until revealed (for recorded consoles).
    #[arg(long)]
    pub mask_secret: bool,

    /// No colours (also NO_COLOR).
    #[arg(long)]
    pub no_color: bool,

    /// Plain lines and numbered prompts for screen readers instead of the full-screen tab
    /// (also TOKENTAB_ACCESSIBLE=1 and config `accessible = true`).
    #[arg(long)]
    pub accessible: bool,

    /// Symbols to draw: unicode, vt (the Linux console's font) or ascii (7-bit). Default: from
    /// the locale and TERM (also TOKENTAB_GLYPHS).
    #[arg(long, value_enum, value_name = "SET")]
    pub glyphs: Option<GlyphSet>,

    /// Seconds between quiet refreshes of the table (0 = off). Default 60.
    #[arg(long, value_name = "SECS")]
    pub refresh: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the token service standalone.
    Serve(ServeArgs),
    /// Token actions for scripts.
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// A team's users, projects, members, fleets and devices (admin token needed).
    #[command(
        subcommand,
        after_help = "Every command needs a platform admin's token and takes --json and the \
        server flags (--url, --token-file, --profile …; none: the embedded service as its \
        admin). stdout holds only the result; exit 0 ok, 1 refused or failed (403 for a \
        non-admin token), 2 usage.\n\
        Against a JFrog Platform, users, projects and members speak the same API; devices are \
        registered by JFrog Connect's agent there.\n\
        Example: tokentab admin users add alice --email alice@example.com; \
        tokentab admin projects add demo; tokentab admin members add demo alice; \
        tokentab admin fleets add --project demo rpi; \
        tokentab admin devices import --project demo devices.csv --dry-run"
    )]
    Admin(AdminCommand),
    /// Find leaked tokens in files, directories, stdin or git history; ask the server which
    /// are live (by SHA-256 only); optionally revoke them.
    Scan(ScanArgs),
    /// Show the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Print the man page (roff).
    Man,
}

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

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the config file path.
    Path,
    /// Print the effective configuration (never secrets).
    Show {
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}
