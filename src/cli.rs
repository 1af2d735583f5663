//! clap definitions (derive), nothing else.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::secret::clipboard::ClipboardMode;

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

/// Which server to talk to and how to authenticate.
#[derive(Debug, Args, Clone, Default)]
pub struct ServerArgs {
    /// Server URL (a `tokentab serve` or a JFrog Platform). Also TOKENTAB_URL.
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,

    /// Read the access token from this file (first line). The token itself is never an argument.
    #[arg(long, global = true, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// A profile from the config file.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// A server id from the JFrog CLI config (~/.jfrog). Also JFROG_CLI_SERVER_ID.
    #[arg(long, global = true, value_name = "ID")]
    pub server_id: Option<String>,

    /// Extra PEM CA certificate to trust.
    #[arg(long, global = true, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Do not verify TLS certificates (dangerous).
    #[arg(long, global = true)]
    pub insecure: bool,

    /// No create or revoke.
    #[arg(long, global = true)]
    pub readonly: bool,

    /// Data directory for the embedded service (default: the platform data dir).
    #[arg(long, global = true, value_name = "DIR")]
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
    #[arg(long, global = true)]
    pub no_color: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the token service standalone.
    Serve(ServeArgs),
    /// Token actions for scripts.
    #[command(subcommand)]
    Tokens(TokensCommand),
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

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8082", value_name = "ADDR")]
    pub listen: SocketAddr,

    /// SQLite database file (default: tokentab.db in the data dir), or a PostgreSQL URL
    /// postgres://user@host:port/db (no password in it: PGPASSWORD, ~/.pgpass or
    /// ?password_file=PATH).
    #[arg(long, value_name = "FILE|URL", env = "TOKENTAB_DB")]
    pub db: Option<PathBuf>,

    /// Log lines as plain text or as one JSON object per line (stderr).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Do not load the demo account into an empty database.
    #[arg(long)]
    pub no_seed: bool,

    /// Longest allowed token lifetime, e.g. 90d, 12h, 1y; tokens that never expire are then
    /// refused. Default: no limit.
    #[arg(long, value_name = "DURATION")]
    pub max_expiry: Option<String>,
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
    /// Revoke tokens by id.
    Revoke {
        #[arg(required = true, value_name = "TOKEN_ID")]
        ids: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args, Clone, Default)]
pub struct ListArgs {
    /// JSON output.
    #[arg(long)]
    pub json: bool,
    /// Only tokens expiring within this long, e.g. 7d.
    #[arg(long, value_name = "DURATION")]
    pub expiring: Option<String>,
    /// Description filter; a trailing * is a prefix match.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Only tokens of this user.
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct CreateArgs {
    /// Description (required, at most 1024 characters).
    #[arg(long, short = 'd')]
    pub description: String,
    /// Expiry: YYYY-MM-DD, +Nh/+Nd/+Nw/+Nm/+Ny, or never.
    #[arg(long, short = 'e', default_value = "+90d")]
    pub expiry: String,
    /// User token for this user (default: yourself).
    #[arg(long, conflicts_with = "scope")]
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
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the config file path.
    Path,
    /// Print the effective configuration (never secrets).
    Show,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}
