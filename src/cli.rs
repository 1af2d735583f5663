//! clap definitions (derive), nothing else. Only `main` and `commands/` import this file; the
//! settings enums it offers (`--glyphs`, `--clipboard`) are `model::settings` types that know
//! no clap: clap learns their names here (`value_enum_of_setting!`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use clap::builder::PossibleValue;

use crate::model::settings::{ClipboardMode, GlyphSet, Setting};

pub mod admin;
pub mod scan;
pub mod serve;
pub mod tokens;
pub mod webhooks;

pub use admin::AdminCommand;
pub use scan::ScanArgs;
pub use serve::{LogFormat, ServeArgs};
pub use tokens::{AuditArgs, CreateArgs, ListArgs, TokensCommand};

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
