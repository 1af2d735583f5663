//! Terminal input for the binary: a thread of its own reads crossterm's events and hands them to
//! the loop through a channel, a batch at a time (gitui's design, `src/input.rs`).
//!
//! The loop applies every event already waiting before it draws (`runtime::run`). Two earlier
//! ways of doing that on crossterm's `EventStream` broke the binary; this design avoids both:
//!
//! 1. **`EventStream` keeps only the waker of its first pending poll.** Its `poll_next` hands
//!    a waker to a reader thread only when no thread is waiting already, so draining it with a
//!    no-op or borrowed waker (`now_or_never`) left that thread holding a waker that wakes
//!    nothing, and the loop slept through the following keys. Here the thread never sees a
//!    waker: it sends into a tokio channel, and [`TermInput::poll_next`] is `poll_recv`, which
//!    wakes the task that polled it last. The loop, besides, only ever polls its input with its
//!    own waker (`runtime::next_ready`).
//! 2. **A waiting poll held crossterm's input lock while ratatui read the cursor.** The
//!    `EventStream` reader thread waits in `poll(None)`, which holds crossterm's global event
//!    reader lock until an event comes; a cursor-position read (`Terminal::clear`, as closing the
//!    secret view does) needs that lock, and its reply (`ESC [ r ; c R`), read by the waiting
//!    thread, sits unseen among the skipped events until a key arrives. Here the thread waits in
//!    `poll(2)` on the tty itself ([`tty_wait`]), outside crossterm, and takes crossterm's lock
//!    only to ask `event::poll(0)` and to read what is there: a cursor read never waits for it
//!    longer than that. Keys that the cursor read takes off the tty are left in crossterm's
//!    queue, where the thread, asleep on a tty that has nothing left, would not see them: the
//!    loop nudges it after each clear ([`Nudge`]), and a wait lasts at most [`IDLE_CHECK`]
//!    anyway.
//!
//! Idle, the thread sleeps: it wakes for a byte on the tty, a nudge (the loop's, or stopping),
//! a window size change (`SIGWINCH` writes to the same socket, since crossterm turns it into a
//! resize event only when asked), and once every [`IDLE_CHECK`]. It used to wake 20 times a
//! second to give crossterm's lock back.
//!
//! Batches: after an event, the thread takes every event crossterm can give at once
//! (`poll(0)`) and sends them in one message, so a paste typed as keys reaches the loop whole
//! even when the loop wakes between two of its keys.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::Duration;

use crossterm::event::Event;
use futures_util::Stream;
use tokio::sync::mpsc;

mod tty_wait;

pub use tty_wait::Nudge;

/// The longest the thread sleeps without asking crossterm whether it holds an event (a safety
/// net: every way for input to come wakes it sooner).
pub const IDLE_CHECK: Duration = Duration::from_secs(1);

/// How long stopping waits for the thread to end (it ends at once when it can: the stop nudges
/// it).
const STOP_WAIT: Duration = Duration::from_millis(500);

/// The most events sent in one batch.
const MAX_BATCH: usize = 1024;

/// Where events come from: crossterm's global reader in the binary, a script in tests.
pub trait Source {
    /// Whether an event can be read now, waiting at most `timeout` for one (or for a nudge,
    /// when it may say false), holding no lock while it waits.
    fn poll(&mut self, timeout: Duration) -> io::Result<bool>;
    /// The next event (after `poll` said there is one).
    fn read(&mut self) -> io::Result<Event>;
    /// What wakes a `poll` that waits.
    fn nudge(&self) -> Nudge;
}

/// crossterm's `event::poll(0)` / `event::read`, asked after a wait on the tty.
pub struct Crossterm {
    tty: tty_wait::TtyWait,
}

impl Crossterm {
    pub fn new() -> io::Result<Crossterm> {
        Ok(Crossterm {
            tty: tty_wait::TtyWait::new()?,
        })
    }
}

impl Source for Crossterm {
    fn poll(&mut self, timeout: Duration) -> io::Result<bool> {
        let closed = || io::Error::new(io::ErrorKind::UnexpectedEof, "the terminal closed");
        // A hung-up terminal is never handed to crossterm, which would spin on `read() == 0`.
        if self.tty.wait(Duration::ZERO)? == tty_wait::Woke::Closed {
            return Err(closed());
        }
        // Events crossterm parsed already (a batch cut at MAX_BATCH, keys a cursor read took)
        // are not on the tty any more.
        if crossterm::event::poll(Duration::ZERO)? {
            return Ok(true);
        }
        match self.tty.wait(timeout)? {
            tty_wait::Woke::Closed => Err(closed()),
            _ => crossterm::event::poll(Duration::ZERO),
        }
    }
    fn read(&mut self) -> io::Result<Event> {
        crossterm::event::read()
    }
    fn nudge(&self) -> Nudge {
        self.tty.nudge()
    }
}

type Batch = io::Result<Vec<Event>>;

/// The loop's input: a stream of events read on a thread of its own.
pub struct TermInput {
    rx: mpsc::UnboundedReceiver<Batch>,
    ready: VecDeque<Event>,
    stop: Arc<AtomicBool>,
    nudge: Nudge,
    thread: Option<JoinHandle<()>>,
    /// Disconnected when the thread ends.
    done: std::sync::mpsc::Receiver<()>,
}

impl TermInput {
    /// Starts reading the terminal.
    pub fn start() -> io::Result<TermInput> {
        TermInput::with_source(Crossterm::new()?)
    }

    /// Starts reading `source` on a thread of its own.
    pub fn with_source<S: Source + Send + 'static>(mut source: S) -> io::Result<TermInput> {
        let (tx, rx) = mpsc::unbounded_channel();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let (ended, done) = std::sync::mpsc::channel::<()>();
        let nudge = source.nudge();
        let thread = std::thread::Builder::new()
            .name("tokentab-input".into())
            .spawn(move || {
                let _ended = ended;
                pump(&mut source, &tx, &flag);
            })?;
        Ok(TermInput {
            rx,
            ready: VecDeque::new(),
            stop,
            nudge,
            thread: Some(thread),
            done,
        })
    }

    /// Wakes the thread to ask crossterm again: after the loop read the terminal itself (the
    /// cursor read of a clear), which may have left keys in crossterm's queue.
    pub fn nudge(&self) -> Nudge {
        self.nudge.clone()
    }

    /// Stops the thread and waits for it, a bounded time: normally it ends at once (the stop
    /// wakes it), and nothing reads the terminal after this returns. A thread stuck inside
    /// crossterm is left behind rather than waited for: on a closed terminal (a hang-up; stdin
    /// at end of file) crossterm's reader loops on `read() == 0` and never returns, and joining
    /// it would keep the process alive, spinning, after the tab has quit.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.rx.close();
        self.nudge.nudge();
        let ended = matches!(
            self.done.recv_timeout(STOP_WAIT),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected)
        );
        if let Some(t) = self.thread.take()
            && ended
        {
            let _ = t.join();
        }
    }
}

impl Drop for TermInput {
    fn drop(&mut self) {
        self.halt();
    }
}

impl Stream for TermInput {
    type Item = io::Result<Event>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(ev) = this.ready.pop_front() {
                return Poll::Ready(Some(Ok(ev)));
            }
            match this.rx.poll_recv(cx) {
                Poll::Ready(Some(Ok(batch))) => this.ready.extend(batch),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// The thread's loop: wait (bounded) for an event, then send it with every event readable at
/// once; ends on `stop`, on a closed channel, or after sending a read error.
fn pump(source: &mut impl Source, tx: &mpsc::UnboundedSender<Batch>, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) && !tx.is_closed() {
        match source.poll(IDLE_CHECK) {
            Ok(false) => continue,
            Ok(true) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        }
        let mut batch = Vec::new();
        let failed = loop {
            match source.read() {
                Ok(ev) => batch.push(ev),
                Err(e) => break Some(e),
            }
            if batch.len() == MAX_BATCH {
                break None;
            }
            match source.poll(Duration::ZERO) {
                Ok(true) => {}
                Ok(false) => break None,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => break None,
                Err(e) => break Some(e),
            }
        };
        if !batch.is_empty() && tx.send(Ok(batch)).is_err() {
            return;
        }
        if let Some(e) = failed {
            let _ = tx.send(Err(e));
            return;
        }
    }
}

#[cfg(test)]
mod tests;
