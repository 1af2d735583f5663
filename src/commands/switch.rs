//! The tab's [`Connector`]: a server entry's key -> its configuration (resolved from the
//! session's inputs) -> a client, reading the token the way the entry says, and starting the
//! embedded service when it is chosen and not running yet. Services started here run until the
//! tab ends ([`ProfileConnector::close`]).

use std::path::PathBuf;
use std::sync::Arc;

use crate::api::Client;
use crate::config::switch::{self as targets, Target};
use crate::config::{Inputs, Resolved, ServerChoice};
use crate::service::ServiceHandle;
use crate::tui::switch::{ConnectFuture, Connector, ServerEntry, Session, SessionClient};

use super::connect::{Connection, Terminal, connect_with};

/// An embedded service this session started.
struct Running {
    data_dir: PathBuf,
    client: Client,
    label: String,
    handle: ServiceHandle,
}

pub struct ProfileConnector {
    inputs: Inputs,
    embedded: Arc<tokio::sync::Mutex<Vec<Running>>>,
}

impl ProfileConnector {
    /// `started`: the session's first connection, kept when it is the embedded service, so
    /// switching back to it reuses it.
    pub fn new(inputs: Inputs, cfg: &Resolved, started: &mut Connection) -> ProfileConnector {
        let mut running = Vec::new();
        if let (ServerChoice::Embedded { data_dir }, Some(handle)) =
            (&cfg.server, started.embedded.take())
        {
            running.push(Running {
                data_dir: data_dir.clone(),
                client: started.client.clone(),
                label: started.label.clone(),
                handle,
            });
        }
        ProfileConnector {
            inputs,
            embedded: Arc::new(tokio::sync::Mutex::new(running)),
        }
    }

    /// The picker's entries.
    pub fn entries(&self) -> Vec<ServerEntry> {
        targets::targets(&self.inputs)
            .into_iter()
            .map(entry)
            .collect()
    }

    /// Stops the embedded services this session started.
    pub async fn close(&self) {
        let running = std::mem::take(&mut *self.embedded.lock().await);
        for r in running {
            r.handle.shutdown().await;
        }
    }
}

/// Whether the service no longer takes `client`'s token (401 on `/tokens/me`); any other
/// answer, an error included, keeps the running service as it is.
async fn signed_out(client: &Client) -> bool {
    matches!(
        client.get_me().await,
        Err(crate::api::ApiError::Unauthorized { .. })
    )
}

fn entry(t: Target) -> ServerEntry {
    ServerEntry {
        key: t.key,
        name: t.name,
        kind: t.kind.label().to_string(),
        url: t.url,
        readonly: t.readonly,
        problem: t.problem,
    }
}

impl Connector for ProfileConnector {
    fn connect(&self, key: &str) -> ConnectFuture {
        let resolved = targets::resolve_target(&self.inputs, key);
        let embedded = self.embedded.clone();
        Box::pin(async move {
            let cfg = resolved.map_err(|e| e.to_string())?;
            let banner = cfg
                .banner_color
                .as_deref()
                .map(crate::tui::theme::parse_color)
                .transpose()
                .map_err(|e| format!("its banner_color: {e}"))?;
            let (client, label, is_embedded) = match &cfg.server {
                ServerChoice::Embedded { data_dir } => {
                    // On its own task: a switch cancelled mid-start still leaves the service
                    // registered, so `close` stops it.
                    let (cfg, data_dir) = (cfg.clone(), data_dir.clone());
                    let start = tokio::spawn(async move {
                        let mut running = embedded.lock().await;
                        if let Some(at) = running.iter().position(|r| r.data_dir == data_dir) {
                            if !signed_out(&running[at].client).await {
                                let r = &running[at];
                                return Ok((r.client.clone(), r.label.clone(), true));
                            }
                            // Its admin token was revoked: "sign in again" is a restart of the
                            // service, whose start-up writes a fresh admin token in place of a
                            // revoked one (as starting tokentab again would).
                            running.remove(at).handle.shutdown().await;
                        }
                        let mut conn = connect_with(&cfg, Terminal::Taken)
                            .await
                            .map_err(|e| e.to_string())?;
                        if let Some(handle) = conn.embedded.take() {
                            running.push(Running {
                                data_dir,
                                client: conn.client.clone(),
                                label: conn.label.clone(),
                                handle,
                            });
                        }
                        Ok::<_, String>((conn.client, conn.label, true))
                    });
                    start
                        .await
                        .map_err(|e| format!("starting the embedded service failed: {e}"))??
                }
                ServerChoice::Remote { .. } => {
                    let conn = connect_with(&cfg, Terminal::Taken)
                        .await
                        .map_err(|e| e.to_string())?;
                    (conn.client, conn.label, false)
                }
            };
            Ok(Session {
                client: SessionClient(Arc::new(client)),
                label,
                profile: cfg.profile.clone(),
                embedded: is_embedded,
                readonly: cfg.readonly,
                banner,
            })
        })
    }
}
