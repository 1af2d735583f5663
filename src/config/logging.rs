//! Logging to `<state dir>/tokentab.log` (mode 0600), never to the terminal.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

use super::error::ConfigError;

/// Chatty HTTP/TLS crates kept at info unless trace is asked for (they log headers at debug).
const QUIET: [&str; 6] = ["hyper", "hyper_util", "reqwest", "rustls", "h2", "tower"];

/// Keeps the log file's path; logging stays installed for the life of the process.
#[derive(Debug)]
pub struct LogGuard {
    pub path: PathBuf,
}

pub fn log_file_path(state_dir: &Path) -> PathBuf {
    state_dir.join("tokentab.log")
}

/// `level` is a level (`debug`) or full directives (`tokentab=debug,warn`).
pub fn build_filter(level: &str) -> Result<EnvFilter, ConfigError> {
    let level = level.trim();
    let mut directives = if level.is_empty() {
        super::DEFAULT_LOG_LEVEL.to_string()
    } else {
        level.to_string()
    };
    if !level.to_ascii_lowercase().contains("trace") {
        for c in QUIET {
            if !directives.split(',').any(|d| d.trim().starts_with(c)) {
                directives.push_str(&format!(",{c}=info"));
            }
        }
    }
    EnvFilter::builder()
        .parse(&directives)
        .map_err(|e| ConfigError::LogLevel {
            value: level.to_string(),
            message: e.to_string(),
        })
}

fn open_log(path: &Path) -> Result<std::fs::File, ConfigError> {
    let err = |source| ConfigError::LogFile {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir).map_err(err)?;
    }
    let mut o = OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let f = o.open(path).map_err(err)?;
    #[cfg(unix)]
    {
        // An older file may have been created with a wider mode.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(err)?;
    }
    Ok(f)
}

/// Installs the global subscriber writing to `<state_dir>/tokentab.log`.
pub fn init_logging(state_dir: &Path, level: &str) -> Result<LogGuard, ConfigError> {
    let filter = build_filter(level)?;
    let path = log_file_path(state_dir);
    let file = open_log(&path)?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_target(true)
        .try_init()
        .map_err(|_| ConfigError::LogAlreadySet)?;
    Ok(LogGuard { path })
}
