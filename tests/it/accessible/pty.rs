//! The real `tokentab` on a pseudo-terminal (rustix), expect-style: every byte it writes is
//! kept; [`Pty::expect`] waits for text after what was already matched; [`Pty::send`] types a
//! line. stdin, stdout and stderr are all the terminal, so the whole output is checked.

use std::fs::File;
use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::common::pty_open::open_pty;

pub const WAIT: Duration = Duration::from_secs(60);

type Shared = Arc<(Mutex<(Vec<u8>, bool)>, Condvar)>;

pub struct Pty {
    master: File,
    out: Shared,
    child: Child,
    /// Where the next [`Pty::expect`] starts looking.
    seen: usize,
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Pty {
    /// `tokentab ARGS` with only PATH and `env` set, in a session of its own whose controlling
    /// terminal is the pty.
    pub fn start(args: &[&str], env: &[(String, String)]) -> Pty {
        let (master, slave) = open_pty(120, 40);
        let fd = |f: &std::os::fd::OwnedFd| Stdio::from(f.try_clone().expect("dup"));
        let child = Command::new("setsid")
            .arg("-c")
            .arg(env!("CARGO_BIN_EXE_tokentab"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(fd(&slave))
            .stdout(fd(&slave))
            .stderr(fd(&slave))
            .spawn()
            .expect("setsid tokentab");
        drop(slave);
        let out: Shared = Arc::new((Mutex::new((Vec::new(), false)), Condvar::new()));
        let reader = Arc::clone(&out);
        let mut from = File::from(master.try_clone().expect("dup"));
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            loop {
                let n = from.read(&mut chunk).unwrap_or(0);
                let (lock, cv) = &*reader;
                let mut g = lock.lock().unwrap_or_else(|e| e.into_inner());
                if n == 0 {
                    g.1 = true;
                    cv.notify_all();
                    return;
                }
                g.0.extend_from_slice(&chunk[..n]);
                cv.notify_all();
            }
        });
        Pty {
            master: File::from(master),
            out,
            child,
            seen: 0,
        }
    }

    /// Everything written so far.
    pub fn bytes(&self) -> Vec<u8> {
        self.out
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .clone()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    /// Waits for `needle` after the last match; returns the text from the last match to the
    /// end of this one.
    pub fn expect(&mut self, needle: &str) -> String {
        let (lock, cv) = &*self.out;
        let deadline = Instant::now() + WAIT;
        let mut g = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(at) = find(&g.0[self.seen..], needle.as_bytes()) {
                let end = self.seen + at + needle.len();
                let got = String::from_utf8_lossy(&g.0[self.seen..end]).into_owned();
                self.seen = end;
                return got;
            }
            let now = Instant::now();
            assert!(
                now < deadline && !g.1,
                "waited for {needle:?}; the output after the last match:\n{}",
                String::from_utf8_lossy(&g.0[self.seen..])
            );
            g = cv
                .wait_timeout(g, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Types `line` and Enter.
    pub fn send(&mut self, line: &str) {
        self.master
            .write_all(format!("{line}\n").as_bytes())
            .expect("type");
        self.master.flush().expect("flush");
    }

    /// Bytes as typed (Ctrl-C is `\x03`).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).expect("type");
    }

    /// Ctrl-D at the start of a line: the end of input.
    pub fn send_eof(&mut self) {
        self.master.write_all(b"\x04").expect("type ^D");
    }

    /// Waits for the program to exit.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                return st;
            }
            assert!(
                Instant::now() < deadline,
                "tokentab did not exit:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}
