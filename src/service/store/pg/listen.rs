//! One dedicated connection per replica that LISTENs on [`CHANNEL`] and turns notifications
//! into a counter (see the revocation argument in `pg/mod.rs`: this is for caches only).

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::watch;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{AsyncMessage, Socket};
use tokio_postgres_rustls::MakeRustlsConnect;

/// The NOTIFY channel revoking transactions signal on.
pub const CHANNEL: &str = "tokentab_revoked";
const RETRY_AFTER: Duration = Duration::from_millis(500);

/// Starts the listener; the counter changes on every notification and every reconnect.
pub fn start(
    cfg: tokio_postgres::Config,
    tls: Option<MakeRustlsConnect>,
) -> (watch::Receiver<u64>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = watch::channel(0u64);
    let task = tokio::spawn(async move {
        loop {
            let ended = match &tls {
                Some(tls) => listen_once(&cfg, tls.clone(), &tx).await,
                None => listen_once(&cfg, tokio_postgres::NoTls, &tx).await,
            };
            if tx.is_closed() {
                return;
            }
            if let Err(e) = ended {
                tracing::warn!(error = %e, "revocation listener lost its connection; retrying");
            }
            tokio::time::sleep(RETRY_AFTER).await;
        }
    });
    (rx, task)
}

fn bump(tx: &watch::Sender<u64>) {
    tx.send_modify(|n| *n = n.wrapping_add(1));
}

async fn listen_once<T>(
    cfg: &tokio_postgres::Config,
    tls: T,
    tx: &watch::Sender<u64>,
) -> Result<(), tokio_postgres::Error>
where
    T: MakeTlsConnect<Socket>,
    T::Stream: Send + 'static,
{
    let (client, mut conn) = cfg.connect(tls).await?;
    let (msgs_tx, mut msgs) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut stream = futures_util::stream::poll_fn(move |cx| conn.poll_message(cx));
        while let Some(m) = stream.next().await {
            match m {
                Ok(m) => {
                    if msgs_tx.send(Ok(m)).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = msgs_tx.send(Err(e));
                    return;
                }
            }
        }
    });
    let listening = client.batch_execute(&format!("LISTEN {CHANNEL}")).await;
    if let Err(e) = listening {
        driver.abort();
        return Err(e);
    }
    // Anything revoked while this connection was not listening is unknown: drop caches.
    bump(tx);
    let out = loop {
        match msgs.recv().await {
            Some(Ok(AsyncMessage::Notification(_))) => bump(tx),
            Some(Ok(_)) => {}
            Some(Err(e)) => break Err(e),
            None => break Ok(()),
        }
        if tx.is_closed() {
            break Ok(());
        }
    };
    driver.abort();
    drop(client);
    out
}
