//! The event loop: one `select!`, the message queue drained first, effects run here, a draw only
//! when the queue is empty and the model changed. Generic over the backend and the input stream,
//! so whole journeys run on `TestBackend` with keys fed through a channel.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io::{self, Write};
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::Event;
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::api::connect::DeviceQuery;
use crate::api::{ApiError, Client};
use crate::model::EntityKind;
use crate::secret::clipboard::Clipboard;

use super::app::App;
use super::msg::{ApiResult, Effect, Msg, PickItem, PickKind, PickPage, PickQuery, ReqId};
use super::ui;

/// What the loop needs besides the terminal, the model and the input.
pub struct Deps {
    pub client: Client,
    pub clipboard: Clipboard,
    /// The terminal's byte stream for OSC 52 and synchronized-update markers; `None` on
    /// `TestBackend` (no markers, copies go nowhere).
    pub term_out: Option<Box<dyn Write + Send>>,
    /// Each API call is abandoned after this long.
    pub request_timeout: Duration,
    /// The quiet refresh while idle; zero = off.
    pub refresh_every: Duration,
    /// 0 = never clear.
    pub clipboard_clear_secs: u64,
    /// Fires on SIGTERM / SIGINT: quit cleanly.
    pub shutdown: Option<oneshot::Receiver<()>>,
    /// The clock (tests may pin it).
    pub clock: fn() -> DateTime<Utc>,
    /// Published after every draw (tests and benchmarks watch the loop through it).
    pub stats: Option<tokio::sync::watch::Sender<Stats>>,
}

impl Deps {
    pub fn new(client: Client, clipboard: Clipboard) -> Deps {
        Deps {
            client,
            clipboard,
            term_out: None,
            request_timeout: Duration::from_secs(30),
            refresh_every: Duration::from_secs(60),
            clipboard_clear_secs: 30,
            shutdown: None,
            clock: Utc::now,
            stats: None,
        }
    }
}

/// Counts what the loop did (for tests and benchmarks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub draws: u64,
    pub messages: u64,
}

struct Runner {
    deps: Deps,
    tx: mpsc::UnboundedSender<Msg>,
    tasks: HashMap<ReqId, AbortHandle>,
    clear_at: Option<Instant>,
    clear_screen: bool,
}

/// Runs until the user quits (or the input ends); returns the final model and what the loop did.
pub async fn run<B, S>(
    terminal: &mut Terminal<B>,
    mut app: App,
    mut input: S,
    deps: Deps,
) -> color_eyre::Result<(App, Stats)>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = io::Result<Event>> + Unpin,
{
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut shutdown = deps.shutdown.is_some();
    let mut r = Runner {
        deps,
        tx,
        tasks: HashMap::new(),
        clear_at: None,
        clear_screen: false,
    };
    let mut stop = r.deps.shutdown.take();
    let mut stats = Stats::default();
    let mut queue: VecDeque<Msg> = VecDeque::new();
    let size = terminal.size()?;
    queue.push_back(Msg::Tick((r.deps.clock)()));
    queue.push_back(Msg::Resize(size.width, size.height));
    for fx in app.init() {
        r.effect(fx, &app, &mut queue);
    }
    let mut next_refresh = Instant::now() + r.deps.refresh_every;
    let mut next_tick: Option<Instant> = None;
    'run: loop {
        while let Some(msg) = queue.pop_front() {
            stats.messages += 1;
            for fx in app.update(msg) {
                if fx == Effect::Quit {
                    break 'run;
                }
                r.effect(fx, &app, &mut queue);
            }
        }
        if app.dirty {
            if r.clear_screen {
                terminal.clear()?;
                r.clear_screen = false;
            }
            r.sync(true);
            terminal.draw(|f| ui::draw(f, &app))?;
            r.sync(false);
            app.dirty = false;
            stats.draws += 1;
            if let Some(s) = &r.deps.stats {
                s.send_replace(stats);
            }
        }
        match (app.tick_interval(), next_tick) {
            (Some(d), None) => next_tick = Some(Instant::now() + d),
            (None, Some(_)) => next_tick = None,
            _ => {}
        }
        let tick_at = next_tick.unwrap_or_else(Instant::now);
        let clear_at = r.clear_at.unwrap_or_else(Instant::now);
        tokio::select! {
            biased;
            Some(msg) = rx.recv() => queue.push_back(msg),
            ev = input.next() => match ev {
                Some(Ok(ev)) => {
                    next_refresh = Instant::now() + r.deps.refresh_every;
                    let now = (r.deps.clock)();
                    if (now - app.now).num_milliseconds().abs() >= 1000 {
                        queue.push_back(Msg::Tick(now));
                    }
                    if let Some(m) = app.translate(&ev) {
                        queue.push_back(m);
                    }
                }
                Some(Err(_)) | None => break 'run,
            },
            _ = tokio::time::sleep_until(tick_at), if next_tick.is_some() => {
                next_tick = None;
                queue.push_back(Msg::Tick((r.deps.clock)()));
            }
            _ = tokio::time::sleep_until(clear_at), if r.clear_at.is_some() => {
                r.clear_at = None;
                let outcome = r.clear_clipboard();
                queue.push_back(Msg::ClipboardCleared(outcome));
            }
            _ = tokio::time::sleep_until(next_refresh), if !r.deps.refresh_every.is_zero() => {
                next_refresh = Instant::now() + r.deps.refresh_every;
                queue.push_back(Msg::RefreshDue);
            }
            fired = async {
                match stop.as_mut() {
                    Some(s) => s.await.is_ok(),
                    None => false,
                }
            }, if shutdown => {
                // A dropped sender (no signal handling available) is not a request to quit.
                shutdown = false;
                if fired {
                    break 'run;
                }
            }
        }
    }
    // Quitting earlier than the timed clear: clear now if it is still ours.
    if r.deps.clipboard.holds_secret() {
        let _ = r.clear_clipboard();
    }
    for (_, h) in r.tasks.drain() {
        h.abort();
    }
    Ok((app, stats))
}

/// Writes to the terminal's stream when there is one, else nowhere.
struct TermWriter<'a>(Option<&'a mut Box<dyn Write + Send>>);

impl Write for TermWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.0 {
            Some(w) => w.write(buf),
            None => Ok(buf.len()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.0 {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

impl Runner {
    fn clear_clipboard(&mut self) -> crate::secret::clipboard::ClearOutcome {
        let mut w = TermWriter(self.deps.term_out.as_mut());
        self.deps.clipboard.clear_if_ours(&mut w)
    }

    fn sync(&mut self, begin: bool) {
        use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
        if let Some(w) = self.deps.term_out.as_mut() {
            let _ = if begin {
                crossterm::queue!(w, BeginSynchronizedUpdate)
            } else {
                crossterm::queue!(w, EndSynchronizedUpdate)
            };
            let _ = w.flush();
        }
    }

    fn effect(&mut self, fx: Effect, app: &App, queue: &mut VecDeque<Msg>) {
        let c = self.deps.client.clone();
        match fx {
            Effect::Quit => {}
            Effect::LoadMe(id) => {
                self.call(id, async move { c.get_me().await }, move |r| Msg::Me(id, r))
            }
            Effect::ListTokens(id) => self.call(
                id,
                async move { c.list_all_tokens(&Default::default()).await },
                move |r| Msg::TokensListed(id, r),
            ),
            Effect::GetToken(id, tid) => {
                self.call(id, async move { c.get_token(&tid).await }, move |r| {
                    Msg::TokenDetail(id, r)
                })
            }
            Effect::CreateToken(id, req) => {
                self.call(id, async move { c.create_token(&req).await }, move |r| {
                    Msg::TokenCreated(id, r)
                })
            }
            Effect::RevokeToken(id, tid) => {
                self.call(id, async move { c.revoke_token(&tid).await }, move |r| {
                    Msg::TokenRevoked(id, r)
                })
            }
            Effect::Pick(id, q) => self.call(id, pick(c, q), move |r| Msg::Picked(id, r)),
            Effect::Debounce(id, d) => {
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(d).await;
                    let _ = tx.send(Msg::DebounceDue(id));
                });
            }
            Effect::Cancel(id) => {
                if let Some(h) = self.tasks.remove(&id) {
                    h.abort();
                }
                self.tasks.retain(|_, h| !h.is_finished());
            }
            Effect::CopyText(text) => {
                // The same path choice as the secret (system clipboard, tmux buffer, OSC 52).
                let mut w = TermWriter(self.deps.term_out.as_mut());
                let outcome = self.deps.clipboard.copy_text(&text, &mut w);
                queue.push_back(Msg::TextCopied(text, outcome));
            }
            Effect::CopySecret => {
                if let Some(secret) = app.secret() {
                    let mut w = TermWriter(self.deps.term_out.as_mut());
                    let outcome = self.deps.clipboard.copy(secret, &mut w);
                    if outcome.copied() && self.deps.clipboard_clear_secs > 0 {
                        self.clear_at = Some(
                            Instant::now() + Duration::from_secs(self.deps.clipboard_clear_secs),
                        );
                    }
                    queue.push_back(Msg::SecretCopied(outcome));
                }
            }
            Effect::ClearScreen => self.clear_screen = true,
        }
    }

    /// Spawns one API call with its id: abortable (Esc), bounded by the timeout; its result
    /// comes back as a message.
    fn call<T, F>(
        &mut self,
        id: ReqId,
        fut: F,
        wrap: impl FnOnce(ApiResult<T>) -> Msg + Send + 'static,
    ) where
        T: Send + 'static,
        F: Future<Output = Result<T, ApiError>> + Send + 'static,
    {
        let tx = self.tx.clone();
        let timeout = self.deps.request_timeout;
        let inner = tokio::spawn(tokio::time::timeout(timeout, fut));
        self.tasks.insert(id, inner.abort_handle());
        tokio::spawn(async move {
            let msg = match inner.await {
                // What a person can act on ("the server rejected the token…"), not the status line.
                Ok(Ok(r)) => wrap(r.map_err(|e| e.headline())),
                Ok(Err(_)) => wrap(Err(format!(
                    "the server did not answer within {} s",
                    timeout.as_secs()
                ))),
                Err(e) if e.is_cancelled() => return,
                Err(_) => wrap(Err("the request failed unexpectedly".into())),
            };
            let _ = tx.send(msg);
        });
    }
}

/// An API error for the screen: the status and the server's own words; a rate limit also says
/// when to try again.
const PAGE: u32 = 200;

/// One picker page from the API. Servers that ignore the search get filtered by the picker.
async fn pick(c: Client, q: PickQuery) -> Result<PickPage, ApiError> {
    let search = (!q.search.is_empty()).then_some(q.search.clone());
    match q.kind {
        PickKind::User => {
            let page = c
                .list_users_page(search.as_deref(), q.cursor.as_deref(), Some(PAGE))
                .await?;
            Ok(PickPage {
                items: page
                    .users
                    .into_iter()
                    .map(|u| PickItem {
                        label: match &u.email {
                            Some(e) => format!("{} <{e}>", u.username),
                            None => u.username.clone(),
                        },
                        id: u.username,
                    })
                    .collect(),
                next: page.cursor,
            })
        }
        PickKind::Entity(EntityKind::Project) => {
            let list = c.list_projects().await?;
            Ok(PickPage {
                items: list
                    .into_iter()
                    .map(|p| PickItem {
                        label: if p.display_name.is_empty() {
                            p.project_key.clone()
                        } else {
                            format!("{} — {}", p.project_key, p.display_name)
                        },
                        id: p.project_key,
                    })
                    .collect(),
                next: None,
            })
        }
        PickKind::Entity(EntityKind::Fleet) => {
            let project = q.project.unwrap_or_default();
            let list = c.list_fleets(&project).await?;
            Ok(PickPage {
                items: list
                    .into_iter()
                    .map(|f| PickItem {
                        label: format!("{} ({} devices)", f.name, f.device_count),
                        id: f.name,
                    })
                    .collect(),
                next: None,
            })
        }
        PickKind::Entity(EntityKind::Device) => {
            let project = q.project.unwrap_or_default();
            let query = DeviceQuery {
                fleet: None,
                search,
                after: q.cursor,
                limit: Some(PAGE),
            };
            let page = c.list_devices_page(&project, &query).await?;
            Ok(PickPage {
                items: page
                    .devices
                    .into_iter()
                    .map(|d| PickItem {
                        label: format!("{} · {} · {}", d.device_name, d.device_uuid, d.group),
                        id: d.device_uuid,
                    })
                    .collect(),
                next: page.after,
            })
        }
    }
}
