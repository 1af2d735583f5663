//! Where the admin token comes from, and getting it: env value, file (mode-checked), command
//! (no shell, timeout), or a hidden prompt. The token is never printed or logged.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::Source;
use super::error::ConfigError;

pub const DEFAULT_COMMAND_TIMEOUT_SECS: u64 = 60;

/// The kind of source, for `config show` and messages. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSourceKind {
    /// `TOKENTAB_TOKEN` or a profile's `token_env`.
    Env {
        var: String,
    },
    File {
        path: PathBuf,
    },
    Command {
        argv: Vec<String>,
        timeout_secs: u64,
    },
    JfrogCli {
        server_id: String,
    },
    /// Asked on the terminal.
    Prompt,
}

impl std::fmt::Display for TokenSourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSourceKind::Env { var } => write!(f, "{var}"),
            TokenSourceKind::File { path } => write!(f, "file {}", path.display()),
            TokenSourceKind::Command { argv, .. } => write!(f, "command `{}`", argv.join(" ")),
            TokenSourceKind::JfrogCli { server_id } => {
                write!(f, "JFrog CLI server '{server_id}'")
            }
            TokenSourceKind::Prompt => write!(f, "a prompt"),
        }
    }
}

/// A token source with, for env and JFrog CLI sources, the value already in hand.
#[derive(Clone)]
pub struct TokenSource {
    pub kind: TokenSourceKind,
    /// Which configuration layer chose this source.
    pub origin: Source,
    value: Option<SecretString>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("kind", &self.kind)
            .field("origin", &self.origin)
            .field("value", &self.value.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

impl TokenSource {
    pub(crate) fn with_value(kind: TokenSourceKind, origin: Source, value: SecretString) -> Self {
        TokenSource {
            kind,
            origin,
            value: Some(value),
        }
    }

    pub(crate) fn deferred(kind: TokenSourceKind, origin: Source) -> Self {
        TokenSource {
            kind,
            origin,
            value: None,
        }
    }

    /// True when the value was already read (env, JFrog CLI config).
    pub fn is_set(&self) -> bool {
        self.value.is_some()
    }

    /// Gets the token: reads the file, runs the command, or asks on the terminal if stdin and
    /// stderr are terminals. `url` is only shown in the prompt.
    pub fn obtain(&self, url: &str) -> Result<SecretString, ConfigError> {
        let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        self.obtain_with(url, interactive)
    }

    pub fn obtain_with(&self, url: &str, interactive: bool) -> Result<SecretString, ConfigError> {
        let from = self.kind.to_string();
        if let Some(v) = &self.value {
            return check_token(v.expose_secret(), &from);
        }
        match &self.kind {
            TokenSourceKind::File { path } => {
                let text = read_token_file(path)?;
                check_token(first_line(&text), &from)
            }
            TokenSourceKind::Command { argv, timeout_secs } => {
                let out = run_command(argv, Duration::from_secs(*timeout_secs))?;
                check_token(first_line(&out), &from)
            }
            TokenSourceKind::Prompt if interactive => {
                let text = prompt(url)?;
                check_token(&text, "the prompt")
            }
            TokenSourceKind::Prompt => Err(ConfigError::NoToken {
                url: url.to_string(),
            }),
            TokenSourceKind::Env { .. } | TokenSourceKind::JfrogCli { .. } => {
                Err(ConfigError::EmptyToken { from })
            }
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Trims whitespace; refuses empty tokens and ones that could not be a token (a misread binary
/// file, an escape sequence), without ever echoing the value.
fn check_token(raw: &str, from: &str) -> Result<SecretString, ConfigError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(ConfigError::EmptyToken { from: from.into() });
    }
    if !t.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ConfigError::BadToken { from: from.into() });
    }
    Ok(SecretString::from(t.to_string()))
}

/// Reads a token file, refusing one that group or others can read.
pub fn read_token_file(path: &Path) -> Result<Zeroizing<String>, ConfigError> {
    let read_err = |source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(read_err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Checked on the open handle, so the file cannot be swapped between check and read.
        let mode = f.metadata().map_err(read_err)?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(ConfigError::TokenFileMode {
                path: path.to_path_buf(),
                mode: mode & 0o777,
            });
        }
    }
    let mut buf = Zeroizing::new(String::new());
    f.read_to_string(&mut buf).map_err(read_err)?;
    Ok(buf)
}

/// Runs `argv` without a shell; stdout is captured, stdin and stderr stay with the terminal so a
/// password manager can ask for its passphrase.
pub fn run_command(argv: &[String], timeout: Duration) -> Result<Zeroizing<String>, ConfigError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(ConfigError::EmptyToken {
            from: "an empty token_command".into(),
        });
    };
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|source| ConfigError::CommandSpawn {
            program: program.clone(),
            source,
        })?;
    let (tx, rx) = mpsc::channel();
    if let Some(mut out) = child.stdout.take() {
        std::thread::spawn(move || {
            let mut buf = Zeroizing::new(Vec::new());
            let res = out.read_to_end(&mut buf).map(|_| buf);
            let _ = tx.send(res);
        });
    }
    let deadline = Instant::now() + timeout;
    let timed_out = || ConfigError::CommandTimeout {
        program: program.clone(),
        secs: timeout.as_secs(),
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(timed_out());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(source) => {
                return Err(ConfigError::CommandSpawn {
                    program: program.clone(),
                    source,
                });
            }
        }
    };
    if !status.success() {
        return Err(ConfigError::CommandFailed {
            program: program.clone(),
            status: status.to_string(),
        });
    }
    // A grandchild may still hold stdout open; do not wait for it past the deadline.
    let left = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_secs(1));
    let bytes = match rx.recv_timeout(left) {
        Ok(Ok(b)) => b,
        Ok(Err(source)) => {
            return Err(ConfigError::CommandSpawn {
                program: program.clone(),
                source,
            });
        }
        Err(_) => return Err(timed_out()),
    };
    match std::str::from_utf8(&bytes) {
        Ok(s) => Ok(Zeroizing::new(s.to_string())),
        Err(_) => Err(ConfigError::BadToken {
            from: format!("command `{program}`"),
        }),
    }
}

/// Leaves raw mode however the prompt ends.
struct RawMode;

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// Asks for the token on stderr with nothing echoed.
fn prompt(url: &str) -> Result<Zeroizing<String>, ConfigError> {
    use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
    let mut err = std::io::stderr();
    let shown = crate::model::sanitize::sanitize_line(url);
    // Raw mode first: a key typed before it is on would be echoed by the terminal.
    crossterm::terminal::enable_raw_mode().map_err(ConfigError::Prompt)?;
    let guard = RawMode;
    write!(err, "Admin token for {shown} (input hidden): ").map_err(ConfigError::Prompt)?;
    err.flush().map_err(ConfigError::Prompt)?;
    let mut buf = Zeroizing::new(String::new());
    let result = loop {
        match event::read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => {
                let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
                match k.code {
                    KeyCode::Enter => break Ok(()),
                    KeyCode::Esc => break Err(ConfigError::PromptCancelled),
                    KeyCode::Char('c') | KeyCode::Char('d') if ctrl => {
                        break Err(ConfigError::PromptCancelled);
                    }
                    KeyCode::Char('u') if ctrl => buf.clear(),
                    KeyCode::Backspace => {
                        buf.pop();
                    }
                    KeyCode::Char(c) if !ctrl => buf.push(c),
                    _ => {}
                }
            }
            Ok(Event::Paste(s)) => buf.push_str(&s),
            Ok(_) => {}
            Err(e) => break Err(ConfigError::Prompt(e)),
        }
    };
    drop(guard);
    let _ = writeln!(err);
    result.map(|()| buf)
}
