//! Which server to talk to and with which token: `--url` / TOKENTAB_URL with TOKENTAB_TOKEN or
//! `--token-file`, or else the embedded service started here with its `admin.token`.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;

use secrecy::SecretString;

use crate::api::{Client, ClientOptions};
use crate::config::{Resolved, ServerChoice};
use crate::service::{self, ServiceConfig, ServiceHandle};

pub const DB_FILE: &str = "tokentab.db";

/// Why no connection could be made. `Usage` is the caller's to fix (exit 2); `Failed` is not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Failed(String),
}

impl ConnectError {
    pub fn exit_code(&self) -> u8 {
        match self {
            ConnectError::Usage(_) => 2,
            ConnectError::Failed(_) => 1,
        }
    }
}

/// A client ready to use, and the embedded service behind it if one was started.
pub struct Connection {
    pub client: Client,
    /// The server URL, for headers and messages.
    pub label: String,
    pub embedded: Option<ServiceHandle>,
}

impl Connection {
    /// Stops the embedded service, if any, gracefully.
    pub async fn close(self) {
        if let Some(h) = self.embedded {
            h.shutdown().await;
        }
    }
}

/// Resolves the token and connects: a remote server with the token from its configured source,
/// or the embedded service started here with its own `admin.token`.
pub async fn connect(cfg: &Resolved) -> Result<Connection, ConnectError> {
    connect_with(cfg, Terminal::Free).await
}

/// Whether the terminal may be used for warnings and a token prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terminal {
    /// Before the tab starts, or without one: warnings on stderr, a prompt when interactive.
    Free,
    /// The tab owns the screen: warnings go to the log, a prompt is refused.
    Taken,
}

/// `connect`, minding who owns the terminal.
pub async fn connect_with(cfg: &Resolved, term: Terminal) -> Result<Connection, ConnectError> {
    let mut opts = ClientOptions::default();
    if let Some(path) = &cfg.cacert {
        let pem = std::fs::read(path).map_err(|e| {
            ConnectError::Usage(format!("cannot read the CA file {}: {e}", path.display()))
        })?;
        opts.cacert_pem = Some(pem);
    }
    if cfg.insecure {
        warn(
            term,
            "TLS certificate verification is off (--insecure)".into(),
        );
        opts.insecure = true;
    }
    match &cfg.server {
        ServerChoice::Remote { url, token } => {
            let (source, shown_url) = (token.clone(), url.clone());
            // Reading a file, running a command or prompting may block: keep it off the runtime.
            let token = tokio::task::spawn_blocking(move || match term {
                Terminal::Free => source.obtain(&shown_url),
                Terminal::Taken => source.obtain_with(&shown_url, false),
            })
            .await
            .map_err(|e| ConnectError::Failed(format!("reading the token failed: {e}")))?
            .map_err(|e| ConnectError::Usage(e.to_string()))?;
            let client =
                Client::new(url, token, opts).map_err(|e| ConnectError::Usage(e.user_message()))?;
            warn_plain_http(client.base_url(), term);
            Ok(Connection {
                label: client.base_url().to_owned(),
                client,
                embedded: None,
            })
        }
        ServerChoice::Embedded { data_dir } => start_embedded(data_dir, opts).await,
    }
}

/// A bearer token over plain HTTP is readable on the way unless the host is this machine.
fn warn(term: Terminal, text: String) {
    match term {
        Terminal::Free => eprintln!("tokentab: warning: {text}"),
        Terminal::Taken => tracing::warn!("{text}"),
    }
}

fn warn_plain_http(base: &str, term: Terminal) {
    let Ok(url) = reqwest::Url::parse(base) else {
        return;
    };
    let host = url.host_str().unwrap_or("");
    let local = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if url.scheme() == "http" && !local {
        warn(
            term,
            format!("{base} is plain HTTP: the token crosses the network unencrypted"),
        );
    }
}

async fn start_embedded(dir: &Path, opts: ClientOptions) -> Result<Connection, ConnectError> {
    create_private_dir(dir)?;
    let cfg = ServiceConfig::new(
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        dir.join(DB_FILE),
        dir.to_path_buf(),
    );
    let handle = service::spawn(cfg).await.map_err(|e| {
        ConnectError::Failed(format!(
            "cannot start the embedded token service in {}: {e}",
            dir.display()
        ))
    })?;
    let url = handle.url();
    let client = read_admin_token(&handle.admin_token_path).and_then(|t| {
        Client::new(&url, t, opts).map_err(|e| ConnectError::Failed(e.user_message()))
    });
    match client {
        Ok(client) => Ok(Connection {
            label: url,
            client,
            embedded: Some(handle),
        }),
        Err(e) => {
            handle.shutdown().await;
            Err(e)
        }
    }
}

/// Creates `dir` (and parents) with mode 0700 where it does not exist yet.
pub fn create_private_dir(dir: &Path) -> Result<(), ConnectError> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir).map_err(|e| {
        ConnectError::Failed(format!(
            "cannot create the data directory {}: {e}",
            dir.display()
        ))
    })
}

/// The embedded service's `admin.token` (mode-checked like any token file).
fn read_admin_token(path: &Path) -> Result<SecretString, ConnectError> {
    let text =
        crate::config::read_token_file(path).map_err(|e| ConnectError::Failed(e.to_string()))?;
    let first = text.lines().next().unwrap_or("").trim();
    if first.is_empty() {
        return Err(ConnectError::Failed(format!(
            "the admin token file {} is empty",
            path.display()
        )));
    }
    Ok(SecretString::from(first.to_owned()))
}
