//! Profile resolution: flags > env > config file > JFrog CLI config > embedded.
//!
//! [`resolve`] is pure over [`Inputs`]; [`load`] gathers the inputs from the real environment and
//! files. The admin token is read from its file or command only by [`TokenSource::obtain`].

mod env;
mod error;
pub mod file;
mod glyph_detect;
pub mod jfrog_cli;
mod layers;
mod loader;
mod logging;
mod resolve;
mod server_choice;
mod show;
pub mod switch;
mod token_source;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use env::{Env, KNOWN_VARS};
pub use error::ConfigError;
pub use jfrog_cli::JfrogCliFiles;
pub use loader::{config_path, default_data_dir, default_state_dir, load, load_inputs};
pub use logging::{LogGuard, build_filter, init_logging, log_file_path};
pub use resolve::{ProfileChoice, resolve, resolve_as};
pub use show::show;
pub use token_source::{TokenSource, TokenSourceKind, read_token_file};

use crate::model::settings::{ClipboardMode, GlyphSet};

pub const DEFAULT_CLIPBOARD_CLEAR_SECS: u64 = 30;
pub const DEFAULT_LOG_LEVEL: &str = "info";

/// Which layer a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag(&'static str),
    Env(String),
    /// Top level of the config file.
    File,
    /// A profile of the config file.
    Profile(String),
    /// A server of the JFrog CLI config.
    JfrogCli(String),
    Default,
}

impl Source {
    /// Higher wins: flag 4, env 3, file 2, JFrog CLI 1, default 0.
    pub fn rank(&self) -> u8 {
        match self {
            Source::Flag(_) => 4,
            Source::Env(_) => 3,
            Source::File | Source::Profile(_) => 2,
            Source::JfrogCli(_) => 1,
            Source::Default => 0,
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag(name) => write!(f, "flag {name}"),
            Source::Env(var) => write!(f, "env {var}"),
            Source::File => write!(f, "file"),
            Source::Profile(p) => write!(f, "file, profile '{p}'"),
            Source::JfrogCli(id) => write!(f, "jfrog-cli, server '{id}'"),
            Source::Default => write!(f, "default"),
        }
    }
}

/// The command-line flags that bear on configuration, as plain values (the `commands` layer
/// fills them from clap's types).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub server: ServerFlags,
    pub tui: TuiFlags,
    pub log_level: Option<String>,
}

/// Which server to talk to and how to authenticate (`--url`, `--token-file`, …).
#[derive(Debug, Clone, Default)]
pub struct ServerFlags {
    pub url: Option<String>,
    pub token_file: Option<PathBuf>,
    pub profile: Option<String>,
    pub server_id: Option<String>,
    pub cacert: Option<PathBuf>,
    pub insecure: bool,
    pub readonly: bool,
    pub data_dir: Option<PathBuf>,
}

/// Options of the tab itself (`--clipboard`, `--no-mouse`, …).
#[derive(Debug, Clone, Default)]
pub struct TuiFlags {
    pub no_mouse: bool,
    pub clipboard: Option<ClipboardMode>,
    pub clipboard_clear: Option<u64>,
    pub mask_secret: bool,
    pub no_color: bool,
    pub glyphs: Option<GlyphSet>,
    /// `--accessible` (issue 21).
    pub accessible: bool,
    pub refresh: Option<u64>,
}

/// Everything resolution looks at, gathered up front.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub flags: Flags,
    pub env: Env,
    /// The config file's path (for messages and `config show`) and where it came from.
    pub config_path: PathBuf,
    pub config_path_source: Option<Source>,
    /// The config file's text; None when there is no file.
    pub config_text: Option<String>,
    pub jfrog: JfrogCliFiles,
    /// The user's home, for `~/` in paths.
    pub home: Option<PathBuf>,
    /// Where the embedded service keeps its data unless told otherwise.
    pub default_data_dir: PathBuf,
}

/// Which server the tab talks to.
#[derive(Debug, Clone)]
pub enum ServerChoice {
    /// Start the embedded service with its data here.
    Embedded { data_dir: PathBuf },
    /// A `tokentab serve` or a JFrog Platform. `url` has no trailing slash.
    Remote { url: String, token: TokenSource },
}

/// The effective configuration. Debug never shows a token.
#[derive(Clone)]
pub struct Resolved {
    pub server: ServerChoice,
    pub profile: Option<String>,
    pub banner_color: Option<String>,
    pub readonly: bool,
    pub clipboard: ClipboardMode,
    pub clipboard_clear_secs: u64,
    pub mouse: bool,
    pub mask_secret: bool,
    /// Issue 21: the line-based front end for screen readers instead of the full-screen tab.
    pub accessible: bool,
    pub no_color: bool,
    /// The glyph set and why it was chosen ("TERM=linux: the Linux console's font").
    pub glyphs: GlyphSet,
    pub glyphs_reason: String,
    /// Seconds between quiet refreshes; 0 = off.
    pub refresh_secs: u64,
    pub log_level: String,
    pub cacert: Option<PathBuf>,
    pub insecure: bool,
    /// Action name -> key, as written in `[keys]`; the TUI interprets them.
    pub keys: BTreeMap<String, String>,
    /// Semantic colour name -> colour, as written in `[theme]`.
    pub theme: BTreeMap<String, String>,
    /// The layer each setting came from, by setting name (for `config show`).
    pub sources: BTreeMap<&'static str, Source>,
    pub config_path: PathBuf,
    pub config_loaded: bool,
    /// The JFrog CLI config file that was read, if one was.
    pub jfrog_cli_config: Option<PathBuf>,
}

impl Resolved {
    /// The remote server's URL; None for the embedded service.
    pub fn remote_url(&self) -> Option<&str> {
        match &self.server {
            ServerChoice::Remote { url, .. } => Some(url),
            ServerChoice::Embedded { .. } => None,
        }
    }

    pub fn source_of(&self, setting: &str) -> &Source {
        self.sources.get(setting).unwrap_or(&Source::Default)
    }
}

impl std::fmt::Debug for Resolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // ServerChoice's Debug goes through TokenSource's, which redacts the value.
        f.debug_struct("Resolved")
            .field("server", &self.server)
            .field("profile", &self.profile)
            .field("banner_color", &self.banner_color)
            .field("readonly", &self.readonly)
            .field("clipboard", &self.clipboard)
            .field("clipboard_clear_secs", &self.clipboard_clear_secs)
            .field("mouse", &self.mouse)
            .field("mask_secret", &self.mask_secret)
            .field("accessible", &self.accessible)
            .field("no_color", &self.no_color)
            .field("glyphs", &self.glyphs)
            .field("refresh_secs", &self.refresh_secs)
            .field("log_level", &self.log_level)
            .field("cacert", &self.cacert)
            .field("insecure", &self.insecure)
            .field("keys", &self.keys)
            .field("theme", &self.theme)
            .field("config_path", &self.config_path)
            .finish_non_exhaustive()
    }
}
