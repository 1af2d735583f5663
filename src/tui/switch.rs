//! Switching servers inside the tab: what the picker lists, and the [`Connector`] the composition
//! root hands the runtime to turn a chosen entry into a session. The TUI never learns how (a
//! token file, a command, the embedded service started on demand): it gets a client and a label.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use ratatui::style::Color;

use crate::api::Client;

/// One server the picker offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEntry {
    /// Opaque to the TUI; handed back to the connector.
    pub key: String,
    pub name: String,
    /// "profile", "JFrog CLI", "embedded".
    pub kind: String,
    /// The URL, or "embedded".
    pub url: String,
    pub readonly: bool,
    /// Why the entry cannot be used (its configuration is broken); choosing it says so.
    pub problem: Option<String>,
}

/// A client for the new server, shared without a copy; compares by identity.
#[derive(Clone)]
pub struct SessionClient(pub Arc<Client>);

impl PartialEq for SessionClient {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::fmt::Debug for SessionClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SessionClient({})", self.0.base_url())
    }
}

/// What a switch brings: the client and what the header shows.
#[derive(Debug, Clone)]
pub struct Session {
    pub client: SessionClient,
    /// The server URL for the header.
    pub label: String,
    /// The profile name for the header, if the entry is a profile.
    pub profile: Option<String>,
    pub embedded: bool,
    pub readonly: bool,
    /// The header's background.
    pub banner: Option<Color>,
}

pub type ConnectFuture = Pin<Box<dyn Future<Output = Result<Session, String>> + Send + 'static>>;

/// Turns an entry's key into a session (reading its token, starting a service): I/O, run by the
/// runtime off the update path. The error is the sentence for the status line.
pub trait Connector: Send + Sync {
    fn connect(&self, key: &str) -> ConnectFuture;
}

/// A connector that is a closure (tests).
impl<F> Connector for F
where
    F: Fn(&str) -> ConnectFuture + Send + Sync,
{
    fn connect(&self, key: &str) -> ConnectFuture {
        self(key)
    }
}

/// Connects through `connector` and checks the new server with a first one-token list, so a
/// bad token or an unreachable URL is found before the old server is let go. Bounded by `timeout`
/// for the check (the connector bounds its own work: token command timeout, service start).
pub async fn connect_and_check(
    connector: Arc<dyn Connector>,
    key: String,
    timeout: std::time::Duration,
) -> Result<Session, String> {
    let session = connector.connect(&key).await?;
    let query = crate::api::TokenQuery::default();
    let check = session.client.0.list_tokens_page(&query, None, Some(1));
    match tokio::time::timeout(timeout, check).await {
        Ok(Ok(_)) => Ok(session),
        // As `msg::CallError::Api(e).shown()` words it (this file stays below msg).
        Ok(Err(e)) => Err(crate::model::sanitize::clean(&e.headline())),
        Err(_) => Err(format!(
            "{} did not answer within {} s",
            session.label,
            timeout.as_secs()
        )),
    }
}
