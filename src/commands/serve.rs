//! `tokentab serve`: clap's [`ServeArgs`] to the service's own [`ServiceConfig`] and
//! [`ServeOptions`], the exposure rule, the lines printed at start, and signals.
//!
//! Exit codes: 0 after a stop signal, 2 for bad arguments (a plain-HTTP network address, a bad
//! duration, an unreadable certificate, an unsafe data dir or `--db`), 1 when the service fails.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::{LogFormat, ServeArgs};
use crate::model::duration::parse_limit;
use crate::service::abuse::AbuseLimits;
use crate::service::edge::{ProxyOptions, TrustedProxies};
use crate::service::store::target::DbTarget;
use crate::service::{
    self, AdminToken, ConnectionLimits, DiskOptions, RefreshOptions, ServeOptions, ServiceConfig,
    ServiceError, TlsFiles, is_loopback, parse_size,
};

/// A refusal before anything starts: exit code 2.
struct Usage(String);

fn init_logging(level: Option<&str>, format: LogFormat) {
    let filter = level
        .and_then(|l| tracing_subscriber::EnvFilter::try_new(l).ok())
        .or_else(|| tracing_subscriber::EnvFilter::try_from_env("TOKENTAB_LOG").ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => fmt.try_init(),
        LogFormat::Json => fmt.json().flatten_event(true).try_init(),
    };
}

/// `--db`: a SQLite file (default `tokentab.db` in the data dir) or a PostgreSQL URL (checked:
/// no password in it).
fn db_target(db: Option<&std::path::Path>, data_dir: &std::path::Path) -> Result<DbTarget, Usage> {
    Ok(db
        .map(DbTarget::parse)
        .transpose()
        .map_err(|e| Usage(format!("--db: {e}")))?
        .unwrap_or_else(|| DbTarget::Sqlite(data_dir.join("tokentab.db"))))
}

/// A connection timeout: a duration such as `10s` (no `none`: a timeout is never off).
fn timeout(flag: &str, text: &str) -> Result<std::time::Duration, Usage> {
    match parse_limit(text) {
        Ok(Some(secs)) => Ok(std::time::Duration::from_secs(secs)),
        Ok(None) => Err(Usage(format!("{flag}: give a duration such as 10s"))),
        Err(e) => Err(Usage(format!("{flag}: {e}"))),
    }
}

fn default_data_dir() -> Result<PathBuf, Usage> {
    dirs::data_dir()
        .map(|d| d.join("tokentab"))
        .ok_or_else(|| Usage("cannot find the user's data directory: pass --data-dir".into()))
}

/// The service's plain option structs from the command line. `data_dir` is the top-level
/// `--data-dir`, used when `serve` got none of its own.
fn options(
    args: ServeArgs,
    data_dir: Option<PathBuf>,
) -> Result<(ServiceConfig, ServeOptions), Usage> {
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        (None, None) => None,
        // clap's `requires` already refuses these.
        _ => return Err(Usage("--tls-cert and --tls-key go together".into())),
    };
    if tls.is_none() && !is_loopback(&args.listen) && !args.plain_http_on_network {
        return Err(Usage(format!(
            "refusing to serve plain HTTP on {}: tokens would cross the network in clear text. \
             Give --tls-cert FILE --tls-key FILE to serve HTTPS, listen on 127.0.0.1, or pass \
             --plain-http-on-network if a proxy in front of it does TLS",
            args.listen
        )));
    }
    let data_dir = match args.data_dir.or(data_dir) {
        Some(d) => d,
        None => default_data_dir()?,
    };
    let max_expiry = match &args.max_expiry {
        None => None,
        Some(text) => parse_limit(text).map_err(|e| Usage(format!("--max-expiry: {e}")))?,
    };
    let (db_path, postgres) = match db_target(args.db.as_deref(), &data_dir)? {
        DbTarget::Sqlite(path) => (path, None),
        DbTarget::Postgres(t) => (data_dir.join("tokentab.db"), Some(t)),
    };
    let cfg = ServiceConfig {
        listen: args.listen,
        db_path,
        data_dir,
        seed: !args.no_seed,
        max_expiry,
        max_user_expiry: parse_limit(&args.max_user_expiry)
            .map_err(|e| Usage(format!("--max-user-expiry: {e}")))?,
        max_tokens_per_user: args.max_tokens_per_user,
    };
    if args.max_connections == 0 {
        return Err(Usage("--max-connections: at least 1".into()));
    }
    let opts = ServeOptions {
        postgres,
        tls,
        rotate_admin_token: args.rotate_admin_token,
        audit_retention: Some(std::time::Duration::from_secs(
            parse_limit(&args.audit_retention)
                .map_err(|e| Usage(format!("--audit-retention: {e}")))?
                .unwrap_or(u64::MAX),
        )),
        abuse: AbuseLimits {
            refusals_per_second: args.refusals_per_second,
            refusal_burst: args.refusal_burst,
            log_client_errors_per_second: args.log_client_errors_per_second,
        },
        disk: DiskOptions {
            min_free: parse_size(&args.min_free_disk)
                .map_err(|e| Usage(format!("--min-free-disk: {e}")))?,
        },
        refresh: RefreshOptions {
            // `0` / `none`: no grace, a refresh token works only until its access token expires.
            grace: std::time::Duration::from_secs(
                parse_limit(&args.refresh_grace)
                    .map_err(|e| Usage(format!("--refresh-grace: {e}")))?
                    .unwrap_or(0),
            ),
        },
        connections: ConnectionLimits {
            header_timeout: timeout("--header-timeout", &args.header_timeout)?,
            idle_timeout: timeout("--idle-timeout", &args.idle_timeout)?,
            max_connections: args.max_connections,
        },
        proxies: ProxyOptions {
            trusted: TrustedProxies::new(
                args.trusted_proxy
                    .iter()
                    .map(|c| TrustedProxies::parse_cidr(c))
                    .collect::<Result<_, _>>()
                    .map_err(|e| Usage(format!("--trusted-proxy: {e}")))?,
            ),
            proxy_protocol: args.proxy_protocol,
        },
        webhooks: super::serve_webhooks::options(&args.webhooks).map_err(Usage)?,
    };
    Ok((cfg, opts))
}

/// Errors that are the operator's to fix (exit 2) rather than a failure of the service (1).
fn exit_code(e: &ServiceError) -> ExitCode {
    match e {
        ServiceError::Config(_) | ServiceError::Tls(_) => ExitCode::from(2),
        _ => ExitCode::FAILURE,
    }
}

/// SIGINT/SIGTERM (stop) and SIGHUP (reload TLS), registered before the start-up lines are
/// printed: a signal sent as soon as they appear is never lost to the default action.
struct Signals {
    #[cfg(unix)]
    unix: Option<[tokio::signal::unix::Signal; 3]>,
}

impl Signals {
    fn install() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let unix = (|| {
                Some([
                    signal(SignalKind::interrupt()).ok()?,
                    signal(SignalKind::terminate()).ok()?,
                    signal(SignalKind::hangup()).ok()?,
                ])
            })();
            Signals { unix }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// Serves SIGHUPs (TLS reload) until a stop signal comes; whether it was SIGTERM (a
    /// service manager or orchestrator: drain first) rather than SIGINT (Ctrl-C: stop now).
    async fn until_stop(&mut self, handle: &service::ServiceHandle) -> bool {
        #[cfg(unix)]
        if let Some([int, term, hup]) = &mut self.unix {
            loop {
                tokio::select! {
                    _ = int.recv() => return false,
                    _ = term.recv() => return true,
                    _ = hup.recv() => match handle.reload_tls() {
                        Ok(true) => tracing::info!("reloaded the TLS certificate and key"),
                        Ok(false) => tracing::info!("SIGHUP: nothing to reload (no TLS)"),
                        Err(e) => tracing::error!(error = %e, "TLS reload failed; the old certificate stays"),
                    },
                }
            }
        }
        let _ = tokio::signal::ctrl_c().await;
        false
    }
}

fn print_start(handle: &service::ServiceHandle) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "tokentab serve: listening on {}", handle.url())?;
    let path = handle.admin_token_path.display();
    match &handle.admin_token {
        AdminToken::Rotated => writeln!(
            out,
            "tokentab serve: admin token rotated: the old one is revoked, the new one is in {path}"
        )?,
        AdminToken::Kept | AdminToken::Minted => {
            writeln!(out, "tokentab serve: admin token in {path}")?
        }
        AdminToken::Elsewhere(at) => writeln!(
            out,
            "tokentab serve: admin token written by another replica, at {at} (none in {path}; \
             --rotate-admin-token makes one here and revokes that one)"
        )?,
    }
    out.flush()
}

/// A line for the operator on stderr: plain text, or with `--log-format json` a JSON object
/// shaped like the log lines (a log shipper never meets a line it cannot parse).
fn say(format: LogFormat, level: &str, msg: &str) {
    match format {
        LogFormat::Text => eprintln!("tokentab serve: {msg}"),
        LogFormat::Json => eprintln!(
            "{}",
            serde_json::json!({
                "timestamp": chrono::Utc::now().to_rfc3339(),
                "level": level,
                "message": msg,
                "target": "tokentab::serve",
            })
        ),
    }
}

/// Starts the service, prints `tokentab serve: listening on URL` and the admin token path
/// (stdout, flushed), then serves until SIGINT/SIGTERM and shuts down gracefully.
pub async fn run(args: ServeArgs, data_dir: Option<PathBuf>, log_level: Option<&str>) -> ExitCode {
    let format = args.log_format;
    let drain_seconds = args.drain_seconds;
    init_logging(log_level, format);
    let plain_on_network = args.plain_http_on_network && !is_loopback(&args.listen);
    let (cfg, opts) = match options(args, data_dir) {
        Ok(o) => o,
        Err(Usage(msg)) => {
            say(format, "ERROR", &msg);
            return ExitCode::from(2);
        }
    };
    let listen = cfg.listen;
    let drain = std::time::Duration::from_secs(drain_seconds);
    let mut signals = Signals::install();
    let handle = match service::spawn_with(cfg, opts).await {
        Ok(h) => h,
        Err(e) => {
            say(format, "ERROR", &e.to_string());
            return exit_code(&e);
        }
    };
    if plain_on_network {
        tracing::warn!(%listen, "serving plain HTTP on a network address (--plain-http-on-network)");
        if format == LogFormat::Text {
            eprintln!(
                "tokentab serve: warning: plain HTTP on {listen}: tokens cross the network in clear text"
            );
        }
    }
    if let Err(e) = print_start(&handle) {
        say(format, "ERROR", &format!("cannot write to stdout: {e}"));
    }
    #[cfg(unix)]
    super::sd_notify::ready();
    let terminated = signals.until_stop(&handle).await;
    #[cfg(unix)]
    super::sd_notify::stopping();
    if terminated && !drain.is_zero() {
        handle.start_draining();
        tracing::info!(
            seconds = drain.as_secs(),
            "draining: /readyz answers 503 and kept-alive connections close after their next \
             answer while requests are still served; then stopping (signal again to stop now)"
        );
        tokio::select! {
            () = tokio::time::sleep(drain) => tracing::info!("drained"),
            _ = signals.until_stop(&handle) => {
                tracing::info!("second stop signal: stopping without waiting out the drain");
            }
        }
    }
    tracing::info!("stopping");
    handle.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn serve_options(args: &[&str]) -> ServeOptions {
        let cli = Cli::try_parse_from(args).expect("parses");
        let Some(Command::Serve(serve)) = cli.command else {
            panic!("not serve");
        };
        match options(serve, Some(PathBuf::from("/nonexistent"))) {
            Ok((_, opts)) => opts,
            Err(Usage(msg)) => panic!("{msg}"),
        }
    }

    #[test]
    fn flag_defaults_are_the_service_defaults() {
        let opts = serve_options(&["tokentab", "serve"]);
        assert_eq!(opts.abuse, AbuseLimits::default());
        let opts = serve_options(&[
            "tokentab",
            "serve",
            "--refusals-per-second",
            "0",
            "--refusal-burst",
            "5",
            "--log-client-errors-per-second",
            "7",
        ]);
        assert_eq!(
            opts.abuse,
            AbuseLimits {
                refusals_per_second: 0,
                refusal_burst: 5,
                log_client_errors_per_second: 7,
            }
        );
    }
}
