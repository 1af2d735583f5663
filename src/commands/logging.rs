//! Where log lines go. The TUI owns the terminal, so it logs to `<data dir>/tokentab.log`
//! (mode 0600); the `tokens` commands log to stderr, and only when a level was asked for.
//! The level comes from `--log-level`, else TOKENTAB_LOG (an EnvFilter directive).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

pub const LOG_ENV: &str = "TOKENTAB_LOG";
pub const LOG_FILE: &str = "tokentab.log";

fn directive(flag: Option<&str>) -> Option<String> {
    flag.map(str::to_owned)
        .or_else(|| std::env::var(LOG_ENV).ok())
        .filter(|d| !d.trim().is_empty())
}

fn filter(d: &str) -> Result<EnvFilter, String> {
    EnvFilter::try_new(d).map_err(|e| format!("log level {d:?}: {e}"))
}

/// Logs to `<dir>/tokentab.log` at `warn` unless told otherwise. Returns the file's path.
pub fn to_file(dir: &Path, flag: Option<&str>) -> Result<PathBuf, String> {
    let d = directive(flag).unwrap_or_else(|| "warn".into());
    let filter = filter(&d)?;
    let path = dir.join(LOG_FILE);
    let mut open = std::fs::OpenOptions::new();
    open.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    let file = open
        .open(&path)
        .map_err(|e| format!("cannot open the log file {}: {e}", path.display()))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init()
        .map_err(|e| format!("cannot start logging: {e}"))?;
    Ok(path)
}

/// Logs to stderr, only when a level was asked for.
pub fn to_stderr(flag: Option<&str>) -> Result<(), String> {
    let Some(d) = directive(flag) else {
        return Ok(());
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter(&d)?)
        .with_writer(std::io::stderr)
        .try_init()
        .map_err(|e| format!("cannot start logging: {e}"))
}
