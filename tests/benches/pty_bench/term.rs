//! The real `tokentab` in a pseudo-terminal: a reader thread feeds every byte it writes to a
//! `vt100` screen and notes when each frame ends (the tab wraps every draw in a synchronized
//! update, so a frame's last bytes are `ESC [ ? 2026 l`).

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::pty_open::open_pty;

/// What ends a frame: the end of a synchronized update.
const FRAME_END: &[u8] = b"\x1b[?2026l";

/// Everything the reader thread has seen.
pub struct Seen {
    pub parser: vt100::Parser,
    /// Bytes read so far.
    pub bytes: u64,
    /// Frames ended so far, when the last one ended and the bytes read up to its end.
    pub frames: u64,
    pub frame_end: Option<Instant>,
    pub frame_bytes: u64,
    /// The last bytes of the previous read (a marker split between two reads).
    tail: Vec<u8>,
    pub closed: bool,
}

/// One key (or several) and the frame that answered it.
#[derive(Debug, Clone, Copy)]
pub struct Answered {
    /// From writing the key to the last byte of the frame.
    pub latency: Duration,
    /// Bytes the tab wrote from the key to the end of that frame.
    pub bytes: u64,
    /// CPU time the tab used meanwhile, all its threads, in clock ticks (1/100 s): summed
    /// over many keys it tells the work per key, which other load on the machine does not.
    pub cpu_ticks: u64,
}

pub struct Tab {
    input: File,
    seen: Arc<(Mutex<Seen>, Condvar)>,
    child: Child,
    pub started: Instant,
}

impl Drop for Tab {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Tab {
    /// Starts `bin ARGS` at `w`×`h` with `env` (the rest of the environment cleared but PATH),
    /// in a session of its own with the pty as its controlling terminal (`setsid -c`), its
    /// stderr to `log`.
    pub fn start(
        bin: &str,
        args: &[&str],
        env: &[(String, String)],
        w: u16,
        h: u16,
        log: &Path,
    ) -> Tab {
        let (master, slave) = open_pty(w, h);
        let out = |fd: &OwnedFd| Stdio::from(fd.try_clone().expect("dup"));
        let started = Instant::now();
        let child = Command::new("setsid")
            .arg("-c")
            .arg(bin)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(out(&slave))
            .stdout(out(&slave))
            .stderr(File::create(log).expect("log file"))
            .spawn()
            .expect("setsid tokentab");
        drop(slave);
        let input = File::from(master.try_clone().expect("dup"));
        let seen = Arc::new((
            Mutex::new(Seen {
                parser: vt100::Parser::new(h, w, 0),
                bytes: 0,
                frames: 0,
                frame_end: None,
                frame_bytes: 0,
                tail: Vec::new(),
                closed: false,
            }),
            Condvar::new(),
        ));
        let reader = Arc::clone(&seen);
        std::thread::spawn(move || read_all(File::from(master), &reader));
        Tab {
            input,
            seen,
            child,
            started,
        }
    }

    /// The tab's process id (`setsid` runs it in its own place when it need not fork).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn lock(&self) -> MutexGuard<'_, Seen> {
        self.seen.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until a frame has ended since `frames` and `done` holds for the screen then.
    pub fn wait_frame(
        &self,
        frames: u64,
        timeout: Duration,
        done: impl Fn(&vt100::Screen) -> bool,
    ) -> MutexGuard<'_, Seen> {
        let deadline = Instant::now() + timeout;
        let mut seen = self.lock();
        loop {
            if seen.frames > frames && done(seen.parser.screen()) {
                return seen;
            }
            assert!(
                !seen.closed,
                "the tab closed its terminal:\n{}",
                seen.parser.screen().contents()
            );
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "no such frame in {timeout:?}; the screen:\n{}",
                seen.parser.screen().contents()
            );
            seen = self
                .seen
                .1
                .wait_timeout(seen, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Writes `keys` and waits for the frame after which `done` holds: the time from the write
    /// to that frame's last byte, and the bytes written meanwhile.
    pub fn press(&mut self, keys: &[u8], done: impl Fn(&vt100::Screen) -> bool) -> Answered {
        let (frames, bytes) = {
            let seen = self.lock();
            (seen.frames, seen.bytes)
        };
        let cpu = self.cpu_ticks();
        let t0 = Instant::now();
        self.input.write_all(keys).expect("write a key");
        let (latency, bytes) = {
            let seen = self.wait_frame(frames, Duration::from_secs(60), done);
            let end = seen.frame_end.expect("a frame ended");
            (end.saturating_duration_since(t0), seen.frame_bytes - bytes)
        };
        Answered {
            latency,
            bytes,
            cpu_ticks: self.cpu_ticks() - cpu,
        }
    }

    /// User and system time of the tab, every thread (those ended too), in clock ticks.
    pub fn cpu_ticks(&self) -> u64 {
        super::proc_cpu::ticks(&self.pid().to_string()).unwrap_or(0)
    }

    /// Waits until no byte has come for `quiet` (timers and late pages settled).
    pub fn settle(&self, quiet: Duration) {
        let mut last = self.lock().bytes;
        loop {
            std::thread::sleep(quiet);
            let now = self.lock().bytes;
            if now == last {
                return;
            }
            last = now;
        }
    }
}

fn read_all(mut master: File, seen: &(Mutex<Seen>, Condvar)) {
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = master.read(&mut buf).unwrap_or(0);
        let at = Instant::now();
        let mut s = seen.0.lock().unwrap_or_else(|e| e.into_inner());
        if n == 0 {
            s.closed = true;
            seen.1.notify_all();
            return;
        }
        let chunk = &buf[..n];
        s.parser.process(chunk);
        let before = s.bytes;
        s.bytes += n as u64;
        // Markers in (tail of the last read + this read), each counted once.
        let mut hay = std::mem::take(&mut s.tail);
        let old = hay.len();
        hay.extend_from_slice(chunk);
        let mut from = 0;
        while let Some(k) = memchr::memmem::find(&hay[from..], FRAME_END) {
            let end = from + k + FRAME_END.len();
            s.frames += 1;
            s.frame_end = Some(at);
            s.frame_bytes = before + (end - old) as u64;
            from = end;
        }
        let keep = hay.len().saturating_sub(FRAME_END.len() - 1).max(from);
        s.tail = hay[keep..].to_vec();
        seen.1.notify_all();
    }
}
