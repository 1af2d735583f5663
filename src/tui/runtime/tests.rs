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
async fn until(rx: &mut tokio::sync::watch::Receiver<Stats>, ok: impl Fn(&Stats) -> bool) -> Stats {
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
