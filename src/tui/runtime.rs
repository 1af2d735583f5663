//! The event loop: one `select!`, the message queue drained first, effects run here, a draw only
//! when the queue is empty and the model changed. Generic over the backend and the input stream,
//! so whole journeys run on `TestBackend` with keys fed through a channel.
//!
//! Input is coalesced: when one event arrives, every event the stream already holds is applied
//! (each translated on the model the previous one left) before the one draw that follows. The
//! stream is only ever polled from this task, with this task's own waker (see [`next_ready`]);
//! the binary's stream is [`super::input::TermInput`], whose module doc says why it cannot hold
//! crossterm's input lock while a draw reads the cursor.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Write};
use std::task::Poll;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::Event;
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::api::Client;
use crate::secret::clipboard::Clipboard;

use super::app::App;
use super::msg::{Effect, Msg, ReqId};
use super::page_batch;
use super::switch::Connector;
use super::ui;

mod calls;
#[cfg(test)]
mod tests;

/// At most this many input events are applied before a draw, so an endless flood still shows.
const MAX_BURST: usize = 4096;

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
    /// Called after the loop read the terminal itself (the cursor read of a clear): the input
    /// thread asks crossterm again for the keys that read may have left in its queue.
    pub input_nudge: Option<super::input::Nudge>,
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
            input_nudge: None,
        }
    }
}

/// Counts what the loop did (for tests and benchmarks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub draws: u64,
    pub messages: u64,
    /// Runs of input events applied together before a draw (one per wake-up by input).
    pub input_batches: u64,
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
    // An input event the `select!` took; it and every one already waiting behind it are applied
    // before the next draw.
    let mut arrived: Option<Event> = None;
    'run: loop {
        // Everything ready is applied before one draw: a burst of results costs one frame.
        if r.apply_ready(&mut app, &mut queue, &mut rx, &mut stats) == Flow::Quit {
            break 'run;
        }
        if let Some(first) = arrived.take() {
            let mut ev = first;
            let mut taken = 1;
            loop {
                // Translated on the model the previous key left ('/' then text, Esc then keys).
                r.on_event(&ev, &app, &mut queue);
                if r.apply_ready(&mut app, &mut queue, &mut rx, &mut stats) == Flow::Quit {
                    break 'run;
                }
                if taken == MAX_BURST {
                    break;
                }
                match next_ready(&mut input).await {
                    Poll::Ready(Some(Ok(next))) => ev = next,
                    Poll::Ready(Some(Err(_)) | None) => break 'run,
                    Poll::Pending => break,
                }
                taken += 1;
            }
            stats.input_batches += 1;
        }
        r.follow_mouse(&app);
        if app.dirty {
            if r.clear_screen {
                terminal.clear()?;
                r.clear_screen = false;
                if let Some(n) = &r.deps.input_nudge {
                    n.nudge();
                }
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
                    arrived = Some(ev);
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
            // Last of a biased select: only when nothing else is ready.
            () = std::future::ready(()), if app.has_idle_work() => app.idle_work(),
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

/// The stream's next event if it has one now, else `Pending`: polled once, inside this task,
/// with this task's own waker. Never a no-op or borrowed waker (`now_or_never`): a stream that,
/// like crossterm's `EventStream`, keeps only the waker of its first pending poll would then
/// wake nobody, and the loop would sleep through every later key.
async fn next_ready<S>(input: &mut S) -> Poll<Option<S::Item>>
where
    S: Stream + Unpin,
{
    std::future::poll_fn(|cx| Poll::Ready(input.poll_next_unpin(cx))).await
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
    /// running the effects they ask for; stops at `Effect::Quit`. Input events are pulled by
    /// the loop itself, one at a time, so each is translated on the model the last one left.
    fn apply_ready(
        &mut self,
        app: &mut App,
        queue: &mut VecDeque<Msg>,
        rx: &mut mpsc::UnboundedReceiver<Msg>,
        stats: &mut Stats,
    ) -> Flow {
        loop {
            while let Some(mut msg) = queue.pop_front() {
                // Only with nothing else queued: what waits in the channel came after the queue.
                if queue.is_empty()
                    && let Some(next) = page_batch::take_waiting_pages(&mut msg, rx)
                {
                    queue.push_back(next);
                }
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
            // Off the loop: the walk over a large heap takes ~0.1 s (2M tokens).
            Effect::ReleaseMemory => drop(std::thread::spawn(super::memory::release_free_pages)),
        }
    }
}
