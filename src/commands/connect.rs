//! Which server to talk to and with which token: `--url` / TOKENTAB_URL with TOKENTAB_TOKEN or
//! `--token-file`, or else the embedded service started here with its `admin.token`.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::api::{Client, ClientOptions};
use crate::cli::ServerArgs;
use crate::service::{self, ServiceConfig, ServiceHandle};

pub const URL_ENV: &str = "TOKENTAB_URL";
pub const TOKEN_ENV: &str = "TOKENTAB_TOKEN";
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

/// The data directory: `--data-dir`, else `<platform data dir>/tokentab`.
pub fn data_dir(server: &ServerArgs) -> Result<PathBuf, ConnectError> {
    match &server.data_dir {
        Some(d) => Ok(d.clone()),
        None => dirs::data_dir().map(|d| d.join("tokentab")).ok_or_else(|| {
            ConnectError::Usage("no data directory is known for this user: use --data-dir".into())
        }),
    }
}

fn env_nonempty(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

/// Resolves and connects. Flags beat the environment; without a URL the embedded service is
/// started (TOKENTAB_TOKEN is then ignored: it belongs to some other server).
pub async fn connect(server: &ServerArgs) -> Result<Connection, ConnectError> {
    if server.profile.is_some() || server.server_id.is_some() {
        return Err(ConnectError::Usage(
            "--profile and --server-id are not available yet: use --url with TOKENTAB_TOKEN or \
             --token-file"
                .into(),
        ));
    }
    let mut opts = ClientOptions::default();
    if let Some(path) = &server.cacert {
        let pem = std::fs::read(path).map_err(|e| {
            ConnectError::Usage(format!("cannot read the CA file {}: {e}", path.display()))
        })?;
        opts.cacert_pem = Some(pem);
    }
    if server.insecure {
        eprintln!("tokentab: warning: TLS certificate verification is off (--insecure)");
        opts.insecure = true;
    }
    let url = server.url.clone().or_else(|| env_nonempty(URL_ENV));
    match url {
        Some(url) => {
            let token = match &server.token_file {
                Some(path) => read_token_file(path)?,
                None => match env_nonempty(TOKEN_ENV).map(Zeroizing::new) {
                    Some(t) => SecretString::from(t.trim().to_owned()),
                    None => {
                        return Err(ConnectError::Usage(format!(
                            "no token for {url}: set {TOKEN_ENV} or use --token-file FILE \
                             (tokens are never taken from the command line)"
                        )));
                    }
                },
            };
            let client = Client::new(&url, token, opts)
                .map_err(|e| ConnectError::Usage(e.user_message()))?;
            warn_plain_http(client.base_url());
            Ok(Connection {
                label: client.base_url().to_owned(),
                client,
                embedded: None,
            })
        }
        None => start_embedded(server, opts).await,
    }
}

/// A bearer token over plain HTTP is readable on the way unless the host is this machine.
fn warn_plain_http(base: &str) {
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
        eprintln!(
            "tokentab: warning: {base} is plain HTTP: the token crosses the network unencrypted"
        );
    }
}

async fn start_embedded(
    server: &ServerArgs,
    opts: ClientOptions,
) -> Result<Connection, ConnectError> {
    let dir = data_dir(server)?;
    create_private_dir(&dir)?;
    let cfg = ServiceConfig {
        listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        db_path: dir.join(DB_FILE),
        data_dir: dir.clone(),
        seed: true,
        max_expiry: None,
    };
    let handle = service::spawn(cfg).await.map_err(|e| {
        ConnectError::Failed(format!(
            "cannot start the embedded token service in {}: {e}",
            dir.display()
        ))
    })?;
    let token = match &server.token_file {
        Some(path) => read_token_file(path),
        None => read_token_file(&handle.admin_token_path),
    };
    let url = handle.url();
    let client = token.and_then(|t| {
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

/// The first line of `path`, trimmed. Refused when other users may read the file; a warning
/// when its group may.
pub fn read_token_file(path: &Path) -> Result<SecretString, ConnectError> {
    let shown = path.display();
    let meta = std::fs::metadata(path)
        .map_err(|e| ConnectError::Usage(format!("cannot read the token file {shown}: {e}")))?;
    if !meta.is_file() {
        return Err(ConnectError::Usage(format!(
            "the token file {shown} is not a regular file"
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o007 != 0 {
            return Err(ConnectError::Usage(format!(
                "the token file {shown} can be read by other users (mode {mode:03o}); \
                 run: chmod 600 {shown}"
            )));
        }
        if mode & 0o070 != 0 {
            eprintln!(
                "tokentab: warning: the token file {shown} can be read by its group \
                 (mode {mode:03o}); consider chmod 600"
            );
        }
    }
    let text =
        Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            ConnectError::Usage(format!("cannot read the token file {shown}: {e}"))
        })?);
    let first = text.lines().next().unwrap_or("").trim();
    if first.is_empty() {
        return Err(ConnectError::Usage(format!(
            "the token file {shown} is empty"
        )));
    }
    Ok(SecretString::from(first.to_owned()))
}
