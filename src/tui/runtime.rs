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
use crate::api::{ApiError, Client, user_is_disabled};
use crate::model::EntityKind;
use crate::secret::clipboard::Clipboard;

use super::app::App;
use super::msg::{
    Answer, ApiResult, CallError, Effect, Msg, Owner, PickItem, PickKind, PickPage, PickQuery,
    ReqId, Request,
};
use super::switch::{Connector, Session};
use super::token_stream::stream_tokens;
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
    /// Fires on SIGTERM / SIGINT: quit cleanly.
    pub shutdown: Option<oneshot::Receiver<()>>,
    /// The clock (tests may pin it).
    pub clock: fn() -> DateTime<Utc>,
    /// Published after every draw (tests and benchmarks watch the loop through it).
    pub stats: Option<tokio::sync::watch::Sender<Stats>>,
    /// Turns a server entry into a session (`P`); None: switching is not available.
    pub connector: Option<std::sync::Arc<dyn Connector>>,
    /// Mouse capture was turned on at start: the loop turns it off while the secret view shows
    /// (so the token can be selected) and back on after.
    pub mouse: bool,
}

impl Deps {
    pub fn new(client: Client, clipboard: Clipboard) -> Deps {
        Deps {
            client,
            clipboard,
            term_out: None,
            request_timeout: Duration::from_secs(30),
            refresh_every: Duration::from_secs(60),
            shutdown: None,
            clock: Utc::now,
            stats: None,
            connector: None,
            mouse: false,
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
    /// Whether mouse capture is on now (as this loop last set it).
    mouse_on: bool,
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
    let mut r = Runner::new(deps, tx);
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
        // Everything ready is applied before one draw: a burst of results costs one frame.
        if r.apply_ready(&mut app, &mut queue, &mut rx, &mut stats) == Flow::Quit {
            break 'run;
        }
        r.follow_mouse(&app);
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
                    r.on_event(&ev, &app, &mut queue);
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

/// Whether the loop goes on after the ready messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    Quit,
}

impl Runner {
    /// A runner with nothing in flight, sending results to `tx`.
    fn new(deps: Deps, tx: mpsc::UnboundedSender<Msg>) -> Self {
        Runner {
            mouse_on: deps.mouse,
            deps,
            tx,
            tasks: HashMap::new(),
            clear_at: None,
            clear_screen: false,
        }
    }

    /// Applies the queue and every message already waiting in the channel (results, timers),
    /// running the effects they ask for; stops at `Effect::Quit`. Input events are not pulled
    /// here: crossterm's `EventStream` hands its waker to a reader thread that holds the input
    /// lock, and ratatui reads the cursor position through that lock on a resize or a clear.
    fn apply_ready(
        &mut self,
        app: &mut App,
        queue: &mut VecDeque<Msg>,
        rx: &mut mpsc::UnboundedReceiver<Msg>,
        stats: &mut Stats,
    ) -> Flow {
        loop {
            while let Some(msg) = queue.pop_front() {
                stats.messages += 1;
                for fx in app.update(msg) {
                    if fx == Effect::Quit {
                        return Flow::Quit;
                    }
                    self.effect(fx, app, queue);
                }
            }
            match rx.try_recv() {
                Ok(msg) => queue.push_back(msg),
                Err(_) => return Flow::Continue,
            }
        }
    }

    /// A terminal event: the clock first when it moved a second or more, then the message.
    fn on_event(&self, ev: &Event, app: &App, queue: &mut VecDeque<Msg>) {
        let now = (self.deps.clock)();
        if (now - app.now).num_milliseconds().abs() >= 1000 {
            queue.push_back(Msg::Tick(now));
        }
        if let Some(m) = app.translate(ev) {
            queue.push_back(m);
        }
    }

    fn clear_clipboard(&mut self) -> crate::secret::clipboard::ClearOutcome {
        let mut w = TermWriter(self.deps.term_out.as_mut());
        self.deps.clipboard.clear_if_ours(&mut w)
    }

    /// Mouse capture follows the model (off while the secret view shows), if it was on at all.
    fn follow_mouse(&mut self, app: &App) {
        use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
        let want = self.deps.mouse && app.wants_mouse();
        if want == self.mouse_on {
            return;
        }
        if let Some(w) = self.deps.term_out.as_mut() {
            let _ = if want {
                crossterm::queue!(w, EnableMouseCapture)
            } else {
                crossterm::queue!(w, DisableMouseCapture)
            };
            let _ = w.flush();
        }
        self.mouse_on = want;
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
        match fx {
            Effect::Quit => {}
            Effect::Call { owner, id, request } => self.call(owner, id, request),
            Effect::UseSession(s) => {
                // Whatever still runs was for the old server.
                for (_, h) in self.tasks.drain() {
                    h.abort();
                }
                self.deps.client = (*s.0).clone();
            }
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
                    queue.push_back(Msg::SecretCopied(outcome));
                }
            }
            Effect::ClearClipboardIn(d) => self.clear_at = Instant::now().checked_add(d),
            Effect::ClearScreen => self.clear_screen = true,
        }
    }

    /// Runs one request for `owner`; its answer comes back as `Msg::Reply { owner, id, … }`.
    fn call(&mut self, owner: Owner, id: ReqId, request: Request) {
        let c = self.deps.client.clone();
        let reply = move |answer| Msg::Reply { owner, id, answer };
        match request {
            Request::Me => self.spawn(id, async move { c.get_me().await }, move |r| {
                reply(Answer::Token(r))
            }),
            Request::ListTokens => {
                let stream =
                    stream_tokens(c, self.deps.request_timeout, self.tx.clone(), move |r| {
                        reply(Answer::Page(r))
                    });
                self.tasks.insert(id, tokio::spawn(stream).abort_handle());
            }
            Request::GetToken(tid) => {
                self.spawn(id, async move { c.get_token(&tid).await }, move |r| {
                    reply(Answer::Token(r))
                })
            }
            Request::CreateToken(req) => {
                self.spawn(id, async move { c.create_token(&req).await }, move |r| {
                    reply(Answer::Created(r))
                })
            }
            Request::RevokeToken(tid) => {
                self.spawn(id, async move { c.revoke_token(&tid).await }, move |r| {
                    reply(Answer::Revoked(r))
                })
            }
            Request::Pick(q) => self.spawn(id, pick(c, q), move |r| reply(Answer::Picked(r))),
            Request::TokenLimits => {
                self.spawn(id, async move { c.token_limits().await }, move |r| {
                    reply(Answer::Limits(r))
                })
            }
            Request::DeviceNames(devices) => self.spawn(
                id,
                async move { Ok::<_, ApiError>(c.device_names(devices).await) },
                move |r| reply(Answer::DeviceNames(r.unwrap_or_default())),
            ),
            Request::ListAudit(q) => {
                self.spawn(id, async move { c.list_audit(&q).await }, move |r| {
                    reply(Answer::Audit(r))
                })
            }
            Request::Connect(key) => self.connect(id, key, move |r| reply(Answer::Connected(r))),
            Request::ExportCsv {
                path,
                tokens,
                now,
                overwrite,
            } => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let r = super::export_file::write_csv_file(&path, &tokens, now, overwrite);
                    let _ = tx.send(reply(Answer::Exported(r)));
                });
            }
        }
    }

    /// Spawns a switch through the connector (cancellable like a call).
    fn connect(
        &mut self,
        id: ReqId,
        key: String,
        wrap: impl FnOnce(Result<Session, String>) -> Msg + Send + 'static,
    ) {
        let tx = self.tx.clone();
        let Some(connector) = self.deps.connector.clone() else {
            let _ = tx.send(wrap(Err("switching servers is not available here".into())));
            return;
        };
        let check = self.deps.request_timeout;
        let task = tokio::spawn(async move {
            let r = super::switch::connect_and_check(connector, key, check).await;
            let _ = tx.send(wrap(r));
        });
        self.tasks.insert(id, task.abort_handle());
    }

    /// Spawns one API call with its id: abortable (Esc), bounded by the timeout; its result
    /// comes back as a message.
    fn spawn<T, F>(
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
                Ok(Ok(r)) => wrap(r.map_err(CallError::Api)),
                Ok(Err(_)) => wrap(Err(CallError::TimedOut {
                    secs: timeout.as_secs(),
                })),
                Err(e) if e.is_cancelled() => return,
                Err(_) => wrap(Err(CallError::Lost)),
            };
            let _ = tx.send(msg);
        });
    }
}

/// Items asked for per picker page.
const PAGE: u32 = 200;

/// One picker page from the API, its entries as the model words them. Servers that ignore the
/// search get filtered by the picker.
async fn pick(c: Client, q: PickQuery) -> Result<PickPage, ApiError> {
    fn items<T: Into<PickItem>>(list: Vec<T>) -> Vec<PickItem> {
        list.into_iter().map(Into::into).collect()
    }
    let search = (!q.search.is_empty()).then_some(q.search.clone());
    let project = q.project.unwrap_or_default();
    Ok(match q.kind {
        PickKind::User => {
            // Only enabled users: asked of the server, and a server that ignores the
            // parameter still has its disabled users dropped here.
            let page = c
                .list_users_page_with(
                    search.as_deref(),
                    Some("enabled"),
                    q.cursor.as_deref(),
                    Some(PAGE),
                )
                .await?;
            let enabled = page.users.into_iter().filter(|u| !user_is_disabled(u));
            PickPage {
                items: items(enabled.collect()),
                next: page.cursor,
            }
        }
        PickKind::Entity(EntityKind::Project) => PickPage {
            items: items(c.list_projects().await?),
            next: None,
        },
        PickKind::Entity(EntityKind::Fleet) => PickPage {
            items: items(c.list_fleets(&project).await?),
            next: None,
        },
        PickKind::Entity(EntityKind::Device) => {
            let query = DeviceQuery {
                fleet: None,
                search,
                after: q.cursor,
                limit: Some(PAGE),
            };
            let page = c.list_devices_page(&project, &query).await?;
            PickPage {
                items: items(page.devices),
                next: page.after,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ClientOptions;
    use crate::model::settings::ClipboardMode;
    use crate::secret::clipboard::ClipEnv;
    use crate::tui::app::AppConfig;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::backend::TestBackend;
    use secrecy::SecretString;

    fn key(code: KeyCode) -> io::Result<Event> {
        Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    /// Keys the test types, delivered the way crossterm's `EventStream` does: the waker of the
    /// first poll that found nothing is kept, and woken, once.
    #[derive(Clone, Default)]
    struct Keys(std::sync::Arc<std::sync::Mutex<KeysState>>);

    #[derive(Default)]
    struct KeysState {
        ready: VecDeque<io::Result<Event>>,
        waker: Option<std::task::Waker>,
    }

    impl Keys {
        fn send(&self, ev: io::Result<Event>) {
            let mut st = self.0.lock().expect("keys lock");
            st.ready.push_back(ev);
            if let Some(w) = st.waker.take() {
                w.wake();
            }
        }
    }

    impl Stream for Keys {
        type Item = io::Result<Event>;
        fn poll_next(
            self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            let mut st = self.0.lock().expect("keys lock");
            match st.ready.pop_front() {
                Some(ev) => std::task::Poll::Ready(Some(ev)),
                None => {
                    if st.waker.is_none() {
                        st.waker = Some(cx.waker().clone());
                    }
                    std::task::Poll::Pending
                }
            }
        }
    }

    /// Waits (bounded) until the loop has published stats that satisfy `ok`.
    async fn until(
        rx: &mut tokio::sync::watch::Receiver<Stats>,
        ok: impl Fn(&Stats) -> bool,
    ) -> Stats {
        let seen = tokio::time::timeout(Duration::from_secs(20), rx.wait_for(|s| ok(s)))
            .await
            .expect("the loop did not get there within 20 s")
            .expect("the loop ended");
        *seen
    }

    /// Deps whose server refuses connections at once (nothing listens on the port).
    fn refusing_deps() -> Deps {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let opts = ClientOptions {
            max_retries: 0,
            ..ClientOptions::default()
        };
        let client = Client::new(
            &format!("http://127.0.0.1:{port}"),
            SecretString::from("t"),
            opts,
        )
        .expect("client");
        let mut deps = Deps::new(
            client,
            Clipboard::new(ClipboardMode::Off, ClipEnv::default()),
        );
        deps.clock = || DateTime::<Utc>::UNIX_EPOCH;
        deps
    }

    #[tokio::test]
    async fn every_message_waiting_in_the_channel_is_applied_before_the_draw() {
        let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
        let mut r = Runner {
            deps: refusing_deps(),
            tx: tx.clone(),
            tasks: HashMap::new(),
            clear_at: None,
            clear_screen: false,
            mouse_on: false,
        };
        let mut app = App::new(AppConfig::default(), DateTime::<Utc>::UNIX_EPOCH);
        app.dirty = false;
        // A burst: twenty results already waiting when the loop wakes.
        for _ in 0..20 {
            tx.send(Msg::Scroll(1)).expect("channel open");
        }
        let mut queue = VecDeque::from([Msg::Resize(100, 30)]);
        let mut stats = Stats::default();
        let flow = r.apply_ready(&mut app, &mut queue, &mut rx, &mut stats);
        assert_eq!(flow, Flow::Continue);
        assert_eq!(
            stats.messages, 21,
            "the queue and all twenty waiting messages"
        );
        assert!(queue.is_empty() && rx.try_recv().is_err());
        assert!(app.dirty && app.size == (100, 30));

        // A quit stops at once; what follows it is not applied.
        tx.send(Msg::Action(crate::tui::keymap::Action::Quit))
            .expect("channel open");
        tx.send(Msg::Scroll(1)).expect("channel open");
        let flow = r.apply_ready(&mut app, &mut queue, &mut rx, &mut stats);
        assert_eq!((flow, stats.messages), (Flow::Quit, 22));
    }

    #[tokio::test]
    async fn keys_from_an_event_stream_keep_waking_the_loop() {
        let mut deps = refusing_deps();
        let (stats_tx, mut stats) = tokio::sync::watch::channel(Stats::default());
        deps.stats = Some(stats_tx);
        let keys = Keys::default();
        let input = keys.clone();
        let app = App::new(AppConfig::default(), DateTime::<Utc>::UNIX_EPOCH);
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
        let run =
            tokio::spawn(async move { run(&mut terminal, app, input, deps).await.map(|(_, s)| s) });

        // Start-up: tick, resize, and both failed calls are in; then nothing animates.
        let settled = until(&mut stats, |s| s.messages >= 4).await;
        for _ in 0..20 {
            keys.send(key(KeyCode::Down));
        }
        let after = until(&mut stats, |s| s.messages >= settled.messages + 20).await;
        assert!(
            after.draws > settled.draws && after.draws <= settled.draws + 20,
            "{settled:?} -> {after:?}"
        );

        keys.send(key(KeyCode::Char('q')));
        let end = tokio::time::timeout(Duration::from_secs(20), run)
            .await
            .expect("the loop quits")
            .expect("no panic")
            .expect("no error");
        assert_eq!(end.draws, after.draws, "quitting draws nothing more");
    }

    /// A terminal byte stream the test can read.
    #[derive(Clone, Default)]
    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().expect("sink lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn secret_view() -> crate::tui::app::SecretView {
        use crate::api::CreatedToken;
        use crate::model::wire::CreatedTokenMeta;
        use crate::secret::OneTimeSecret;
        crate::tui::app::SecretView {
            created: CreatedToken {
                meta: CreatedTokenMeta {
                    token_id: "t1".into(),
                    expires_in: None,
                    scope: String::new(),
                    token_type: String::new(),
                },
                secret: OneTimeSecret::new("s3cr3t-value".into()).expect("secret"),
            },
            copy: None,
            copies: 0,
            cleared: None,
            revealed: true,
        }
    }

    #[tokio::test]
    async fn the_clear_timer_is_the_one_the_model_asks_for() {
        use crate::tui::app::Overlay;

        let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
        let mut deps = refusing_deps();
        deps.clipboard = Clipboard::new(ClipboardMode::Osc52, ClipEnv::default());
        let sink = Sink::default();
        deps.term_out = Some(Box::new(sink.clone()));
        let mut r = Runner::new(deps, tx);
        let cfg = AppConfig {
            clipboard_clear_secs: 7,
            ..AppConfig::default()
        };
        let mut app = App::new(cfg, DateTime::<Utc>::UNIX_EPOCH);
        app.overlay = Overlay::Secret(secret_view());
        let mut queue = VecDeque::new();
        r.effect(Effect::CopySecret, &app, &mut queue);
        assert_eq!(r.clear_at, None, "copying alone arms nothing");
        let mut stats = Stats::default();
        r.apply_ready(&mut app, &mut queue, &mut rx, &mut stats);
        // OSC 52 went to the terminal stream; it cannot be cleared reliably, so the model sets
        // no deadline and no timer is armed (the view says so instead of counting down).
        assert!(!sink.0.lock().expect("sink lock").is_empty());
        assert_eq!(app.clip_clear_at, None);
        assert_eq!(r.clear_at, None);
        // The delay the model asks for (a tmux buffer, the system clipboard) is armed exactly.
        let before = Instant::now();
        r.effect(
            Effect::ClearClipboardIn(Duration::from_secs(7)),
            &app,
            &mut queue,
        );
        let armed = r.clear_at.expect("a clear timer") - before;
        assert!(
            armed >= Duration::from_secs(7) && armed < Duration::from_secs(8),
            "{armed:?}"
        );
    }

    #[tokio::test]
    async fn mouse_capture_is_off_while_the_secret_view_shows() {
        use crate::tui::app::Overlay;

        let (tx, _rx) = mpsc::unbounded_channel::<Msg>();
        let mut deps = refusing_deps();
        let sink = Sink::default();
        deps.term_out = Some(Box::new(sink.clone()));
        deps.mouse = true;
        let mut r = Runner::new(deps, tx);
        let mut app = App::new(AppConfig::default(), DateTime::<Utc>::UNIX_EPOCH);
        let taken = |s: &Sink| String::from_utf8(std::mem::take(&mut *s.0.lock().expect("lock")));
        r.follow_mouse(&app);
        assert_eq!(
            taken(&sink).expect("utf8"),
            "",
            "on at start: nothing to change"
        );
        app.overlay = Overlay::Secret(secret_view());
        r.follow_mouse(&app);
        let off = taken(&sink).expect("utf8");
        assert!(
            off.contains("\x1b[?1000l") && off.contains("\x1b[?1006l"),
            "{off:?}"
        );
        r.follow_mouse(&app);
        assert_eq!(taken(&sink).expect("utf8"), "", "once");
        app.overlay = Overlay::None;
        r.follow_mouse(&app);
        let on = taken(&sink).expect("utf8");
        assert!(
            on.contains("\x1b[?1000h") && on.contains("\x1b[?1006h"),
            "{on:?}"
        );

        // Started without mouse capture (--no-mouse): never turned on.
        let (tx, _rx) = mpsc::unbounded_channel::<Msg>();
        let mut deps = refusing_deps();
        deps.term_out = Some(Box::new(sink.clone()));
        let mut r = Runner::new(deps, tx);
        app.overlay = Overlay::Secret(secret_view());
        r.follow_mouse(&app);
        app.overlay = Overlay::None;
        r.follow_mouse(&app);
        assert_eq!(taken(&sink).expect("utf8"), "");
    }
}
