//! The one TestBackend journey harness: `runtime::run` on a terminal that publishes every flushed
//! frame as text, keys fed through a channel by a [`Person`] who waits for what a person would
//! wait for on the screen (never a fixed sleep).

use std::future::Future;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::Stream;
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use secrecy::SecretString;
use tokio::sync::{mpsc, watch};

use tokentab::api::{Client, ClientOptions};
use tokentab::model::settings::ClipboardMode;
use tokentab::secret::clipboard::{ClipEnv, Clipboard};
use tokentab::tui::app::{App, AppConfig};
use tokentab::tui::runtime::{self, Deps, Stats};

use super::fixtures::buffer_text;

/// How long a person waits for a screen before the test fails (generous: a loaded 2-core box).
pub const WAIT: Duration = Duration::from_secs(60);

/// A TestBackend that publishes its whole screen as text after every flush (once per frame).
pub struct Mirror {
    pub inner: TestBackend,
    frames: watch::Sender<String>,
}

impl Mirror {
    pub fn new(w: u16, h: u16) -> (Mirror, watch::Receiver<String>) {
        let (tx, rx) = watch::channel(String::new());
        (
            Mirror {
                inner: TestBackend::new(w, h),
                frames: tx,
            },
            rx,
        )
    }

    pub fn text(&self) -> String {
        buffer_text(self.inner.buffer())
    }
}

impl Backend for Mirror {
    type Error = <TestBackend as Backend>::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()?;
        self.frames.send_replace(buffer_text(self.inner.buffer()));
        Ok(())
    }
}

pub type Input = std::pin::Pin<Box<dyn Stream<Item = std::io::Result<Event>> + Send>>;

/// A key channel and the input stream the loop reads it from.
pub fn input() -> (mpsc::UnboundedSender<Event>, Input) {
    let (tx, rx) = mpsc::unbounded_channel::<Event>();
    let stream =
        futures_util::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) },
        );
    (tx, Box::pin(stream))
}

/// The person at the keyboard: sends keys, reads frames.
pub struct Person {
    pub keys: mpsc::UnboundedSender<Event>,
    pub frames: watch::Receiver<String>,
}

impl Person {
    pub fn event(&self, ev: Event) {
        self.keys.send(ev).expect("the loop takes keys");
    }

    pub fn key(&self, code: KeyCode) {
        self.event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub fn keys(&self, codes: &[KeyCode]) {
        for c in codes {
            self.key(*c);
        }
    }

    pub fn ctrl(&self, c: char) {
        self.event(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )));
    }

    pub fn text(&self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    /// Waits until a frame satisfies `pred`; panics with the last frame after [`WAIT`].
    pub async fn wait(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let found = tokio::time::timeout(WAIT, async {
            loop {
                let frame = self.frames.borrow_and_update().clone();
                if pred(&frame) {
                    return Some(frame);
                }
                if self.frames.changed().await.is_err() {
                    return None;
                }
            }
        })
        .await;
        match found {
            Ok(Some(frame)) => frame,
            _ => panic!(
                "timed out waiting for {what}; last frame:\n{}",
                self.frames.borrow().as_str()
            ),
        }
    }

    pub async fn wait_text(&mut self, text: &str) -> String {
        self.wait(text, |f| f.contains(text)).await
    }

    /// From the token table: `n`, description `desc`, Custom, past User (the signed-in user
    /// stays) to Target entity Fleet, project demo picked; opens the fleet picker and returns its
    /// frame once demo's fleets are listed.
    pub async fn open_demo_fleet_picker(&mut self, desc: &str) -> String {
        self.key(KeyCode::Char('n'));
        self.wait_text("New token").await;
        self.text(desc);
        self.keys(&[KeyCode::Tab, KeyCode::Tab, KeyCode::Char(' ')]);
        self.wait_text("(•) Custom").await;
        self.keys(&[KeyCode::Tab, KeyCode::Tab, KeyCode::Right]);
        self.wait_text("◂ Fleet").await;
        self.keys(&[KeyCode::Tab, KeyCode::Enter]);
        self.wait_text("Choose a project").await;
        self.pick_only("demo", "demo — Demo", "[ demo ▾]").await;
        self.key(KeyCode::Enter);
        self.wait_text("Choose a fleet in demo").await;
        self.wait("the demo fleets", |f| f.contains("edge-eu ("))
            .await
    }

    /// In an open picker: types `query`, waits until one entry is found and `label` is on the
    /// frame, picks it, and waits for the field to show `shown` (`[ value ▾]`).
    pub async fn pick_only(&mut self, query: &str, label: &str, shown: &str) {
        self.text(query);
        self.wait(&format!("{label} alone"), |f| {
            f.contains("1 found") && f.contains(label)
        })
        .await;
        self.key(KeyCode::Enter);
        self.wait_text(shown).await;
    }
}

/// The app as the tab starts it on its embedded service at `url` (the clipboard cleared after
/// 30 s).
pub fn embedded_app(url: &str) -> App {
    let cfg = AppConfig {
        server_label: url.to_owned(),
        embedded: true,
        clipboard_clear_secs: 30,
        ..AppConfig::default()
    };
    App::new(cfg, chrono::Utc::now())
}

/// [`deps_with`] without retries and with a 30 s request timeout: on a loaded machine a request
/// is slow, never retried.
pub fn patient_deps(url: &str, token: &str) -> Deps {
    let mut d = deps_with(url, token, no_retries());
    d.request_timeout = Duration::from_secs(30);
    d
}

/// The loop's dependencies for a server at `url` signed in with `token`: the client's default
/// options (retries included), the clipboard off.
pub fn deps(url: &str, token: &str) -> Deps {
    deps_with(url, token, ClientOptions::default())
}

/// As [`deps`] with the client's options given.
pub fn deps_with(url: &str, token: &str, options: ClientOptions) -> Deps {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = Client::new(url, SecretString::from(token.to_owned()), options).expect("client");
    let mut d = Deps::new(
        client,
        Clipboard::new(ClipboardMode::Off, ClipEnv::default()),
    );
    d.request_timeout = Duration::from_secs(60);
    d
}

/// Client options for a test that wants each failure at once: no retries, short timeouts.
pub fn no_retries() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(20),
        max_retries: 0,
        ..ClientOptions::default()
    }
}

/// Runs the loop on a `w`x`h` mirror terminal while `drive` plays the person; returns the final
/// model and the last frame. The whole journey is bounded so a frozen loop fails the test.
pub async fn play<F, Fut>(app: App, deps: Deps, w: u16, h: u16, drive: F) -> (App, String)
where
    F: FnOnce(Person) -> Fut,
    Fut: Future<Output = ()>,
{
    let (app, _, last) = play_counted(app, deps, w, h, drive).await;
    (app, last)
}

/// As [`play`], also returning what the loop counted (draws, messages).
pub async fn play_counted<F, Fut>(
    app: App,
    deps: Deps,
    w: u16,
    h: u16,
    drive: F,
) -> (App, Stats, String)
where
    F: FnOnce(Person) -> Fut,
    Fut: Future<Output = ()>,
{
    let (mirror, frames) = Mirror::new(w, h);
    let mut terminal = Terminal::new(mirror).expect("terminal");
    let (keys, input) = input();
    let person = Person { keys, frames };
    let run = runtime::run(&mut terminal, app, input, deps);
    let (res, ()) = tokio::time::timeout(Duration::from_secs(240), async {
        tokio::join!(run, drive(person))
    })
    .await
    .expect("the journey finished (nothing froze)");
    let (app, stats) = res.expect("run");
    let last = terminal.backend().text();
    (app, stats, last)
}

/// A TCP port where a server is "down" for as long as this lives: every connection is accepted
/// and dropped at once, so a client fails fast. Unlike a freed port (or the guess that nothing
/// listens on port 9), nothing else can take it meanwhile.
pub struct DownServer {
    pub url: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    addr: std::net::SocketAddr,
}

impl DownServer {
    pub fn start() -> DownServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                drop(conn);
            }
        });
        DownServer {
            url: format!("http://{addr}"),
            stop,
            addr,
        }
    }
}

impl Drop for DownServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = std::net::TcpStream::connect(self.addr);
    }
}
