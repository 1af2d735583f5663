//! `tokentab serve`: arguments to [`ServiceConfig`], the listening line, signals.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::store::target::DbTarget;
use super::{ServiceConfig, ServiceError, spawn};
use crate::cli::ServeArgs;

/// A lifetime such as `90d`, `12h`, `6w`, `3m` (30-day months), `1y` (365 days), `3600s` or
/// plain seconds, in seconds. `none` / `0` mean no limit (None).
pub fn parse_duration(text: &str) -> Result<Option<u64>, String> {
    let t = text.trim().to_ascii_lowercase();
    if t == "none" || t == "never" || t == "0" {
        return Ok(None);
    }
    let bad = || {
        format!(
            "\"{}\" is not a duration: use e.g. 90d, 12h, 6w, 3m, 1y",
            crate::model::sanitize::sanitize_line(text)
        )
    };
    let (digits, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], Some(c)),
        _ => (t.as_str(), None),
    };
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let per = match unit {
        None | Some('s') => 1,
        Some('h') => 3_600,
        Some('d') => 86_400,
        Some('w') => 7 * 86_400,
        Some('m') => 30 * 86_400,
        Some('y') => 365 * 86_400,
        Some(_) => return Err(bad()),
    };
    match n.checked_mul(per) {
        Some(0) => Err("the duration must be at least 1 second".into()),
        Some(s) => Ok(Some(s)),
        None => Err(bad()),
    }
}

fn init_logging(format: crate::cli::LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TOKENTAB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        crate::cli::LogFormat::Text => fmt.try_init(),
        crate::cli::LogFormat::Json => fmt.json().flatten_event(true).try_init(),
    };
}

fn config(args: ServeArgs, data_dir: Option<PathBuf>) -> Result<ServiceConfig, ServiceError> {
    let data_dir = match data_dir {
        Some(d) => d,
        None => dirs::data_dir()
            .map(|d| d.join("tokentab"))
            .ok_or_else(|| {
                ServiceError::Config(
                    "cannot find the user's data directory: pass --data-dir".into(),
                )
            })?,
    };
    let max_expiry = match &args.max_expiry {
        None => None,
        Some(text) => {
            parse_duration(text).map_err(|e| ServiceError::Config(format!("--max-expiry: {e}")))?
        }
    };
    let db_path = match args.db.as_deref().map(DbTarget::parse).transpose()? {
        None => data_dir.join("tokentab.db"),
        Some(DbTarget::Sqlite(path)) => path,
        Some(DbTarget::Postgres(t)) => {
            return Err(ServiceError::Config(format!(
                "--db {t}: PostgreSQL storage is not served by this build yet: use a SQLite file"
            )));
        }
    };
    Ok(ServiceConfig {
        listen: args.listen,
        db_path,
        data_dir,
        seed: !args.no_seed,
        max_expiry,
    })
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

pub async fn run(args: ServeArgs, data_dir: Option<PathBuf>) -> ExitCode {
    init_logging(args.log_format);
    let cfg = match config(args, data_dir) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tokentab serve: {e}");
            return ExitCode::FAILURE;
        }
    };
    let handle = match spawn(cfg).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("tokentab serve: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    let printed = writeln!(out, "tokentab serve: listening on {}", handle.url())
        .and_then(|()| {
            writeln!(
                out,
                "tokentab serve: admin token in {}",
                handle.admin_token_path.display()
            )
        })
        .and_then(|()| out.flush());
    drop(out);
    if let Err(e) = printed {
        eprintln!("tokentab serve: cannot write to stdout: {e}");
    }
    stop_signal().await;
    tracing::info!("stopping");
    handle.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90d"), Ok(Some(90 * 86_400)));
        assert_eq!(parse_duration("12h"), Ok(Some(12 * 3_600)));
        assert_eq!(parse_duration("1y"), Ok(Some(365 * 86_400)));
        assert_eq!(parse_duration("3600"), Ok(Some(3600)));
        assert_eq!(parse_duration("none"), Ok(None));
        for bad in [
            "",
            "d",
            "-1d",
            "1x",
            "99999999999999999999y",
            "1.5d",
            "\u{1b}[2J",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
