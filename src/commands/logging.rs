//! Where the `tokens` commands log: stderr, and only when a level was asked for (the TUI logs
//! to a file: `config::init_logging`).
//! The level comes from `--log-level`, else TOKENTAB_LOG (an EnvFilter directive).

pub const LOG_ENV: &str = "TOKENTAB_LOG";

fn directive(flag: Option<&str>) -> Option<String> {
    flag.map(str::to_owned)
        .or_else(|| std::env::var(LOG_ENV).ok())
        .filter(|d| !d.trim().is_empty())
}

/// Logs to stderr, only when a level was asked for.
pub fn to_stderr(flag: Option<&str>) -> Result<(), String> {
    let Some(d) = directive(flag) else {
        return Ok(());
    };
    tracing_subscriber::fmt()
        // The same filter as the TUI's log file (HTTP internals kept quiet unless trace).
        .with_env_filter(crate::config::build_filter(&d).map_err(|e| e.to_string())?)
        .with_writer(std::io::stderr)
        .try_init()
        .map_err(|e| format!("cannot start logging: {e}"))
}
