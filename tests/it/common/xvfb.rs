//! A private X server (Xvfb) for the native clipboard tests, read and written from other X
//! clients with xclip. Needs Xvfb and xclip: a test fails with the install line without them.
//!
//! arboard takes the display from `$DISPLAY`, which is process-wide: a test that copies in this
//! process runs in a process of its own (`own_process`) and names its display there with
//! [`Xvfb::start_for_this_process`]; a test that only hands the display to a child (the real binary
//! in tmux) uses [`Xvfb::start`], which leaves this process's environment alone.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokentab::secret::clipboard::ClipEnv;

use super::own_process::{remove_env, set_env};

/// `$DISPLAY` of this process names `display`, and no Wayland one is set (inside `own_process`).
pub fn set_process_display(display: &str) {
    set_env("DISPLAY", display);
    remove_env("WAYLAND_DISPLAY");
}

/// A private X server on a display number it picks itself (`-displayfd`), killed on drop.
pub struct Xvfb {
    child: Child,
    pub display: String,
}

impl Xvfb {
    pub fn start() -> Xvfb {
        super::tools::require_x11();
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-nolisten",
                "tcp",
                "-screen",
                "0",
                "320x240x24",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Xvfb writes the display number once it accepts connections.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let number = line.trim();
        assert!(!number.is_empty(), "Xvfb did not start");
        let display = format!(":{number}");
        Xvfb { child, display }
    }

    /// [`Xvfb::start`], and `$DISPLAY` of this process names it (inside `own_process` only).
    pub fn start_for_this_process() -> Xvfb {
        let x = Xvfb::start();
        set_process_display(&x.display);
        x
    }

    pub fn env(&self) -> ClipEnv {
        ClipEnv::from_vars(|k| (k == "DISPLAY").then(|| self.display.clone()))
    }

    /// What another X client reads from the CLIPBOARD selection (None: nothing there). Waits
    /// out an X server reset (it resets when its last client leaves, refusing connections for
    /// a moment).
    pub fn read_clipboard(&self, target: Option<&str>) -> Option<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut cmd = Command::new("xclip");
            cmd.args(["-selection", "clipboard", "-o"]);
            if let Some(target) = target {
                cmd.args(["-t", target]);
            }
            let out = cmd
                .env("DISPLAY", &self.display)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            if out.status.success() {
                return Some(String::from_utf8_lossy(&out.stdout).into_owned());
            }
            let err = String::from_utf8_lossy(&out.stderr);
            if err.contains("not available") {
                return None;
            }
            assert!(
                Instant::now() < deadline,
                "xclip cannot read the clipboard: {err}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Another program copies `text` (xclip keeps serving it from the background).
    pub fn copy_from_elsewhere(&self, text: &str) {
        let mut xclip = Command::new("xclip")
            .args(["-selection", "clipboard", "-i"])
            .env("DISPLAY", &self.display)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        xclip
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        assert!(xclip.wait().unwrap().success());
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.read_clipboard(None).as_deref() != Some(text) {
            assert!(Instant::now() < deadline, "xclip never took the clipboard");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        // SIGTERM, so Xvfb removes its lock file and socket for the next one.
        let pid = rustix::process::Pid::from_child(&self.child);
        if rustix::process::kill_process(pid, rustix::process::Signal::TERM).is_err() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}
