//! Drives the real binary inside a private tmux server, as a person at a terminal would:
//! send-keys to type, capture-pane to read the screen.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub use super::tools::require_tmux;

pub struct TmuxSession {
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl TmuxSession {
    /// Starts `cmd` (argv) in a detached session of `width`x`height` with `env` set, on a
    /// private server that reads no config file.
    pub fn start(cmd: &[&str], width: u16, height: u16, env: &[(&str, &str)]) -> Self {
        require_tmux();
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = dir.path().join("tmux.sock");
        let mut c = Command::new("tmux");
        c.arg("-S")
            .arg(&socket)
            .args(["-f", "/dev/null", "new-session", "-d", "-s", "t"]);
        c.args(["-x", &width.to_string(), "-y", &height.to_string()]);
        for (k, v) in env {
            c.arg("-e").arg(format!("{k}={v}"));
        }
        // tmux sets a pane's TERM from its `default-terminal` over `-e TERM=…`: a TERM the test
        // asks for reaches the program only through `env`.
        if let Some((_, term)) = env.iter().find(|(k, _)| *k == "TERM") {
            c.args(["env", &format!("TERM={term}")]);
        }
        c.args(cmd);
        let out = c.output().expect("run tmux");
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let s = TmuxSession { socket, _dir: dir };
        // Keep the pane after the program exits so its last screen and exit status can be read.
        s.tmux(&["set-option", "-t", "t", "remain-on-exit", "on"]);
        s
    }

    /// A server whose one pane only waits: for tests that need tmux itself, not a program in it.
    pub fn idle() -> Self {
        Self::start(&["sh", "-c", "exec sleep 3600"], 80, 24, &[])
    }

    /// A server option's value (`show-options -sv`), e.g. `set-clipboard`.
    pub fn server_option(&self, name: &str) -> String {
        let out = self.tmux(&["show-options", "-sv", name]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Sets a server option and checks that it took.
    pub fn set_server_option(&self, name: &str, value: &str) {
        let out = self.tmux(&["set-option", "-s", name, value]);
        assert!(
            out.status.success(),
            "tmux set-option -s {name} {value}: {out:?}"
        );
        assert_eq!(self.server_option(name), value);
    }

    /// The contents of the paste buffer `name`, if the server has it.
    pub fn buffer(&self, name: &str) -> Option<String> {
        let out = self.tmux(&["show-buffer", "-b", name]);
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The names of every paste buffer the server holds.
    pub fn buffer_names(&self) -> Vec<String> {
        let names = self.tmux(&["list-buffers", "-F", "#{buffer_name}"]);
        String::from_utf8_lossy(&names.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The contents of every paste buffer the server holds.
    pub fn all_buffers(&self) -> Vec<String> {
        self.buffer_names()
            .iter()
            .filter_map(|name| self.buffer(name))
            .collect()
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    pub fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    /// Named keys (`Enter`, `Escape`, `C-s`, `Tab`, `Down`) one by one.
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "t", k]);
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    /// Literal text.
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "t", "-l", text]);
        std::thread::sleep(Duration::from_millis(40));
    }

    pub fn screen(&self) -> String {
        let out = self.tmux(&["capture-pane", "-p", "-t", "t"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until `pred(screen)` holds; panics with the last screen after `timeout`.
    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > timeout {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn wait_text(&self, text: &str, timeout: Duration) -> String {
        self.wait_for(text, timeout, |s| s.contains(text))
    }

    /// True once the program in the pane has exited.
    pub fn pane_dead(&self) -> bool {
        let out = self.tmux(&["display-message", "-p", "-t", "t", "#{pane_dead}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    /// Terminal modes of the pane after the program exited: alternate screen, mouse, etc.
    pub fn pane_flags(&self) -> String {
        let out = self.tmux(&[
            "display-message",
            "-p",
            "-t",
            "t",
            "alt=#{alternate_on} mouse=#{mouse_any_flag} cursor=#{cursor_flag} keypad=#{keypad_flag}",
        ]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for TmuxSession {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}
