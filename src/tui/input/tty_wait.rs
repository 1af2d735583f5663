//! Waiting for the terminal without holding crossterm's input lock: `poll(2)` on the tty and on
//! a socket that a [`Nudge`], or a `SIGWINCH`, writes a byte to. crossterm is asked only once
//! this says there may be something (a bounded wait, a timeout, stays the safety net).

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec};
use signal_hook::SigId;

/// Wakes the input thread out of its wait (one byte down its socket); cheap to clone.
#[derive(Clone)]
pub struct Nudge(Arc<dyn Fn() + Send + Sync>);

impl Nudge {
    pub fn new(f: impl Fn() + Send + Sync + 'static) -> Nudge {
        Nudge(Arc::new(f))
    }

    pub fn nudge(&self) {
        (self.0)()
    }
}

/// Why a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Woke {
    /// The tty has bytes to read.
    Input,
    /// A nudge or a window size change.
    Nudged,
    TimedOut,
    /// The terminal hung up: nothing will ever come (crossterm would spin on its `read() == 0`).
    Closed,
}

pub struct TtyWait {
    /// The terminal crossterm reads (stdin when it is a tty, else `/dev/tty`, as crossterm
    /// chooses); a descriptor of our own for it.
    tty: OwnedFd,
    wake_rx: UnixStream,
    wake_tx: Arc<UnixStream>,
    /// The handler owns a socket end of its own, closed when it is unregistered.
    winch: Option<SigId>,
}

impl TtyWait {
    pub fn new() -> io::Result<TtyWait> {
        use std::io::IsTerminal;
        let tty = if io::stdin().is_terminal() {
            io::stdin().as_fd().try_clone_to_owned()?
        } else {
            std::fs::File::open("/dev/tty")?.into()
        };
        let (wake_rx, wake_tx) = UnixStream::pair()?;
        wake_rx.set_nonblocking(true)?;
        wake_tx.set_nonblocking(true)?;
        let winch = signal_hook::low_level::pipe::register(
            signal_hook::consts::SIGWINCH,
            wake_tx.try_clone()?,
        )?;
        Ok(TtyWait {
            tty,
            wake_rx,
            wake_tx: Arc::new(wake_tx),
            winch: Some(winch),
        })
    }

    pub fn nudge(&self) -> Nudge {
        let tx = self.wake_tx.clone();
        // Non-blocking: when the socket is full a wake-up is pending already.
        Nudge::new(move || {
            let _ = (&*tx).write(&[1]);
        })
    }

    /// Waits at most `timeout` for the tty, a nudge or a resize.
    pub fn wait(&mut self, timeout: Duration) -> io::Result<Woke> {
        let ts = Timespec::try_from(timeout).map_err(io::Error::other)?;
        let (tty, wake) = {
            let mut fds = [
                PollFd::new(&self.tty, PollFlags::IN),
                PollFd::new(&self.wake_rx, PollFlags::IN),
            ];
            match rustix::event::poll(&mut fds, Some(&ts)) {
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => return Ok(Woke::Nudged),
                Err(e) => return Err(e.into()),
            }
            (fds[0].revents(), fds[1].revents())
        };
        if !wake.is_empty() {
            let mut sink = [0u8; 64];
            while matches!((&self.wake_rx).read(&mut sink), Ok(n) if n > 0) {}
        }
        Ok(
            if tty.intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL) {
                Woke::Closed
            } else if tty.contains(PollFlags::IN) {
                Woke::Input
            } else if !wake.is_empty() {
                Woke::Nudged
            } else {
                Woke::TimedOut
            },
        )
    }
}

impl Drop for TtyWait {
    fn drop(&mut self) {
        if let Some(id) = self.winch.take() {
            signal_hook::low_level::unregister(id);
        }
    }
}
