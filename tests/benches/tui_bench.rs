//! TUI figures (not timed tests): draw, filter and sort over 100,000 tokens; bytes written for
//! one cursor move (in each glyph set, and what that costs at 9600 baud); draws while idle.
//! Prints a table; finishes well under a minute.

// The integration tests' fixtures, shared with them: `pub` because this bench uses only a part
// (an unused fixture is still reported in tests/it, where the module is private).
#[path = "tui_bench/scroll.rs"]
mod scroll;
#[path = "../it/common/fixtures.rs"]
pub mod tui_support;

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::{CrosstermBackend, TestBackend};
use tokentab::model::wire::TokenInfo;
use tokentab::tui::app::App;
use tokentab::tui::app::tokens::Column;
use tui_support::*;

const N: usize = 100_000;

fn tokens() -> Vec<TokenInfo> {
    let users = [
        "alice", "bob", "carol", "dave", "admin", "ci-bot", "grafana",
    ];
    let scopes = [
        Some("applied-permissions/user"),
        Some("applied-permissions/admin"),
        Some("connect:project:demo:r connect:fleet:demo/edge-eu:rw"),
        Some("connect:device:demo/d-feaf-d9aa:rwd"),
        None,
    ];
    (0..N)
        .map(|i| {
            info(
                &format!(
                    "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                    i * 2_654_435_761 % 0xffff_ffff,
                    i % 0xffff,
                    i % 0xfff,
                    (i * 7) % 0xfff,
                    i
                ),
                &format!(
                    "token {i} for {} service deploy pipeline",
                    ["edge", "core", "ci", "backup"][i % 4]
                ),
                users[i % users.len()],
                (i % 400) as i64,
                if i % 9 == 0 {
                    None
                } else {
                    Some((i % 500) as i64 - 100)
                },
                scopes[i % scopes.len()],
            )
        })
        .collect()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<F: FnMut()>(iters: usize, mut f: F) -> Duration {
    median(
        (0..iters)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

#[derive(Clone, Default)]
struct Counter(Arc<Mutex<usize>>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Ok(mut n) = self.0.lock() {
            *n += buf.len();
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let profile = if cfg!(debug_assertions) {
        "dev (unoptimised)"
    } else {
        "optimised"
    };
    // `cargo bench --bench tui_bench -- startup` runs one part; no name runs them all.
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let run = |name: &str| wanted.is_empty() || wanted.iter().any(|w| w == name);
    println!("tui_bench ({profile} build), {N} tokens");
    if run("table") {
        table();
    }
    if run("picker") {
        picker_10k();
    }
    if run("idle") {
        idle();
    }
    if run("startup") {
        startup();
    }
    if run("slowlink") {
        slow_link();
    }
    if run("scroll") {
        let rows: Vec<TokenInfo> = tokens().into_iter().take(2_000).collect();
        scroll::bytes_per_scroll(&rows);
    }
}

/// Draw, filter, sort and bytes per move over 100,000 tokens.
fn table() {
    let t0 = Instant::now();
    let mut app: App = loaded_with(cfg(), tokens(), 160, 48);
    println!("  ingest (sanitise, index, sort)    {}", ms(t0.elapsed()));

    let mut term = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    let draw = time(50, || {
        term.draw(|f| tokentab::tui::ui::draw(f, &app))
            .expect("draw");
    });
    println!(
        "  draw table 160x48                 {}   (goal <= 2 ms)",
        ms(draw)
    );

    // Filter keystrokes: the first one scans every row; one that extends the query scans the
    // previous matches; Backspace restores the shorter query's view.
    key(&mut app, KeyCode::Char('/'));
    let (mut first, mut narrow, mut back, mut miss) = (vec![], vec![], vec![], vec![]);
    for _ in 0..15 {
        let t = Instant::now();
        typing(&mut app, "e");
        first.push(t.elapsed());
        let t = Instant::now();
        typing(&mut app, "d");
        narrow.push(t.elapsed());
        let t = Instant::now();
        typing(&mut app, "g");
        narrow.push(t.elapsed());
        let t = Instant::now();
        key(&mut app, KeyCode::Backspace);
        back.push(t.elapsed());
        key(&mut app, KeyCode::Backspace);
        key(&mut app, KeyCode::Backspace);
        let t = Instant::now();
        typing(&mut app, "z");
        miss.push(t.elapsed());
        key(&mut app, KeyCode::Backspace);
    }
    let worst = [&first, &narrow, &back, &miss]
        .iter()
        .map(|v| median(v.to_vec()))
        .max()
        .unwrap_or_default();
    println!(
        "  filter keystroke (worst kind)     {}   (goal <= 10 ms)",
        ms(worst)
    );
    println!("      first key \"e\" (full scan)  {}", ms(median(first)));
    println!("      first key \"z\" (no match)   {}", ms(median(miss)));
    println!(
        "      extending key (\"ed\",\"edg\") {}",
        ms(median(narrow))
    );
    println!("      Backspace                   {}", ms(median(back)));
    key(&mut app, KeyCode::Esc);

    let mut sorts = Vec::new();
    for col in Column::ALL {
        let t = Instant::now();
        app.table.rows.set_sort(col, false);
        sorts.push((col, t.elapsed()));
    }
    let worst = sorts.iter().map(|(_, d)| *d).max().unwrap_or_default();
    println!(
        "  sort 100,000 (worst column)       {}   (goal <= 30 ms)",
        ms(worst)
    );
    for (c, d) in &sorts {
        println!("      by {:<12} {}", c.title(), ms(*d));
    }

    let counter = Counter::default();
    let mut ct = Terminal::new(CrosstermBackend::new(counter.clone())).expect("terminal");
    // A fixed-size backend: CrosstermBackend asks the real terminal for its size, so use a
    // fixed viewport instead.
    drop(ct);
    let backend = CrosstermBackend::new(counter.clone());
    ct = Terminal::with_options(
        backend,
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 160, 48)),
        },
    )
    .expect("terminal");
    app.update(tokentab::tui::msg::Msg::Resize(160, 48));
    // Start from the top of the window so the move does not scroll.
    key(&mut app, KeyCode::Char('g'));
    ct.draw(|f| tokentab::tui::ui::draw(f, &app)).expect("draw");
    let full = *counter.0.lock().expect("lock");
    *counter.0.lock().expect("lock") = 0;
    key(&mut app, KeyCode::Down);
    ct.draw(|f| tokentab::tui::ui::draw(f, &app)).expect("draw");
    let moved = *counter.0.lock().expect("lock");
    *counter.0.lock().expect("lock") = 0;
    key(&mut app, KeyCode::Char('G'));
    ct.draw(|f| tokentab::tui::ui::draw(f, &app)).expect("draw");
    *counter.0.lock().expect("lock") = 0;
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Up);
    ct.draw(|f| tokentab::tui::ui::draw(f, &app)).expect("draw");
    let mid = *counter.0.lock().expect("lock");
    println!("  bytes, first full frame           {full} B");
    println!("  bytes, one cursor move 160x48     {moved} B   (goal <= 1024 B)");
    println!("  bytes, two moves (2 rows + 2 rows) {mid} B");
}

/// The device picker after scrolling through 10,000 devices (50 pages of 200).
fn picker_10k() {
    use tokentab::tui::app::form::Field;
    use tokentab::tui::msg::{Answer, Effect, Owner, PickItem, PickPage, Request};
    let mut app = loaded_with(cfg(), Vec::new(), 160, 48);
    key(&mut app, KeyCode::Char('n'));
    focus(&mut app, Field::ScopeKind);
    key(&mut app, KeyCode::Char(' '));
    focus(&mut app, Field::Project);
    let fx = key(&mut app, KeyCode::Enter);
    pick_first(&mut app, &fx, &[("demo", "demo")]);
    focus(&mut app, Field::Entity);
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Right);
    focus(&mut app, Field::Target);
    let mut fx = key(&mut app, KeyCode::Enter);
    let t = Instant::now();
    for page in 0..50 {
        let Some(id) = fx.iter().find_map(|e| match e {
            Effect::Call {
                owner: Owner::Picker,
                id,
                request: Request::Pick(_),
            } => Some(*id),
            _ => None,
        }) else {
            break;
        };
        let items = (0..200)
            .map(|i| {
                let n = page * 200 + i;
                PickItem {
                    id: format!("d-{n:05}"),
                    label: format!("gateway-{n} (d-{n:05}) · fleet edge-eu"),
                    name: format!("gateway-{n} (d-{n:05})"),
                }
            })
            .collect();
        let next = (page < 49).then(|| format!("c{page}"));
        app.update(reply(
            Owner::Picker,
            id,
            Answer::Picked(Ok(PickPage { items, next })),
        ));
        fx = Vec::new();
        for _ in 0..200 {
            fx.extend(key(&mut app, KeyCode::Down));
        }
    }
    let scrolled = t.elapsed();
    let n = app
        .form
        .as_ref()
        .and_then(|f| f.picker.as_ref())
        .map_or(0, |p| p.items.len());
    let mut term = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    let draw = time(20, || {
        term.draw(|f| tokentab::tui::ui::draw(f, &app))
            .expect("draw");
    });
    let key_t = time(20, || {
        key(&mut app, KeyCode::Down);
    });
    println!(
        "  picker: {n} devices paged in + 10,000 moves {}",
        ms(scrolled)
    );
    println!("  picker: draw with {n} devices       {}", ms(draw));
    println!("  picker: one move                     {}", ms(key_t));
}

/// Counts draws of the real loop over 5 s with no input, on the table loaded from the embedded
/// service (seeded demo data), once the start-up draws are over.
fn idle() {
    use secrecy::SecretString;
    use tokentab::api::{Client, ClientOptions};
    use tokentab::model::settings::ClipboardMode;
    use tokentab::secret::clipboard::{ClipEnv, Clipboard};
    use tokentab::tui::runtime::{self, Deps, Stats};

    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let svc = tokentab::service::spawn(tokentab::service::ServiceConfig {
            listen: "127.0.0.1:0".parse().expect("addr"),
            db_path: dir.path().join("db").join("tokentab.db"),
            data_dir: dir.path().join("data"),
            seed: true,
            max_expiry: None,
            max_user_expiry: Some(tokentab::service::DEFAULT_MAX_USER_EXPIRY),
            max_tokens_per_user: tokentab::service::DEFAULT_MAX_TOKENS_PER_USER,
        })
        .await
        .expect("service");
        let admin = std::fs::read_to_string(&svc.admin_token_path).expect("admin token");
        let client = Client::new(
            &format!("http://{}", svc.addr),
            SecretString::from(admin.trim().to_string()),
            ClientOptions::default(),
        )
        .expect("client");
        let mut deps = Deps::new(
            client,
            Clipboard::new(ClipboardMode::Off, ClipEnv::default()),
        );
        let (stx, srx) = tokio::sync::watch::channel(Stats::default());
        deps.stats = Some(stx);
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let stream = Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|e| (Ok(e), rx))
        }));
        let mut term = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
        let app = App::new(cfg(), chrono::Utc::now());
        let driver = async {
            // Settled: no draw for 1.5 s (the list arrived, the spinner stopped).
            let mut last = srx.borrow().draws;
            let mut quiet_since = Instant::now();
            let start = Instant::now();
            while quiet_since.elapsed() < Duration::from_millis(1500)
                && start.elapsed() < Duration::from_secs(30)
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
                let now = srx.borrow().draws;
                if now != last {
                    last = now;
                    quiet_since = Instant::now();
                }
            }
            let before = srx.borrow().draws;
            tokio::time::sleep(Duration::from_secs(5)).await;
            let after = srx.borrow().draws;
            let _ = tx.send(crossterm::event::Event::Key(
                crossterm::event::KeyEvent::new(
                    KeyCode::Char('q'),
                    crossterm::event::KeyModifiers::NONE,
                ),
            ));
            (before, after - before)
        };
        let (res, (startup_draws, idle_draws)) =
            tokio::join!(runtime::run(&mut term, app, stream, deps), driver);
        let (app, _) = res.expect("run");
        assert!(
            matches!(app.table.list, tokentab::tui::app::Load::Loaded(_)),
            "the table did not load: {:?}",
            app.table.list
        );
        println!(
            "  draws while idle for 5 s          {idle_draws}   (goal 0; {startup_draws} draws to load {} tokens)",
            app.table.rows.len()
        );
        svc.shutdown().await;
    });
}

/// Process start to first table drawn: the release binary with the embedded service, in a
/// private tmux server at 160x48, the screen polled every 2 ms until the header counts tokens.
fn startup() {
    use std::process::Command;
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        println!("  start to first table: tmux missing, not measured");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_tokentab");
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = dir.path().join("tmux.sock");
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .arg("-S")
            .arg(&sock)
            .args(args)
            .output()
            .expect("tmux")
    };
    // A private server holding an idle pane; each run respawns the pane with the binary, so
    // the tmux server's own start is not counted.
    let out = Command::new("tmux")
        .arg("-S")
        .arg(&sock)
        .args(["-f", "/dev/null", "new-session", "-d", "-s", "t"])
        .args(["-x", "160", "-y", "48", "sleep", "600"])
        .output()
        .expect("tmux");
    assert!(out.status.success(), "tmux: {:?}", out);
    tmux(&["set-option", "-t", "t", "remain-on-exit", "on"]);
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let env = |k: &str, v: &std::path::Path| format!("{k}={}", v.display());
    let run_once = |data: &std::path::Path| -> Option<Duration> {
        let cmd: Vec<String> = vec![
            "env".into(),
            "-i".into(),
            "PATH=/usr/bin:/bin".into(),
            "TERM=tmux-256color".into(),
            // A UTF-8 locale, so the automatic glyph set is unicode as on a usual desktop.
            "LANG=C.UTF-8".into(),
            env("HOME", &home),
            env("XDG_CONFIG_HOME", &home.join("config")),
            env("XDG_STATE_HOME", &home.join("state")),
            env("JFROG_CLI_HOME_DIR", &home.join("jfrog")),
            bin.into(),
            "--data-dir".into(),
            data.display().to_string(),
        ];
        let mut args: Vec<&str> = vec!["respawn-pane", "-k", "-t", "t"];
        args.extend(cmd.iter().map(String::as_str));
        let t0 = Instant::now();
        let out = tmux(&args);
        assert!(out.status.success(), "respawn: {out:?}");
        let mut seen = None;
        while t0.elapsed() < Duration::from_secs(20) {
            let cap = tmux(&["capture-pane", "-p", "-t", "t"]);
            let screen = String::from_utf8_lossy(&cap.stdout);
            let header = screen.lines().next().unwrap_or("");
            if header.contains(" tokens ·") {
                seen = Some(t0.elapsed());
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        tmux(&["send-keys", "-t", "t", "q"]);
        let quit = Instant::now();
        while quit.elapsed() < Duration::from_secs(10) {
            let o = tmux(&["display-message", "-p", "-t", "t", "#{pane_dead}"]);
            if String::from_utf8_lossy(&o.stdout).trim() == "1" {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        seen
    };
    let runs = 10;
    let mut fresh = Vec::new();
    let mut existing = Vec::new();
    for i in 0..runs {
        let data = dir.path().join(format!("data-{i}"));
        fresh.extend(run_once(&data));
        existing.extend(run_once(&data));
    }
    let _ = tmux(&["kill-server"]);
    let report = |what: &str, v: Vec<Duration>| {
        if v.len() < runs {
            println!(
                "  start to first table, {what}: only {} of {runs} runs drew the table",
                v.len()
            );
        }
        if !v.is_empty() {
            let (lo, hi) = (
                v.iter().min().copied().unwrap_or_default(),
                v.iter().max().copied().unwrap_or_default(),
            );
            println!(
                "  start to first table, {what}  {}   (goal <= 150 ms; min {}, max {})",
                ms(median(v)),
                ms(lo),
                ms(hi)
            );
        }
    };
    report("fresh data dir (seeds)", fresh);
    report("existing data dir    ", existing);
}

/// Bytes written per cursor move in each glyph set, as the runtime writes them (the frame inside
/// a synchronized update), and what they cost on a 9600-baud line (960 bytes a second).
fn slow_link() {
    use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
    use tokentab::model::settings::GlyphSet;

    println!("  slow link: bytes per cursor move (goal <= 1024 B), time at 9600 baud");
    let rows: Vec<TokenInfo> = tokens().into_iter().take(2_000).collect();
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        for set in [GlyphSet::Unicode, GlyphSet::Vt, GlyphSet::Ascii] {
            let mut app: App = loaded_with(cfg(), rows.clone(), w, h);
            app.theme.glyphs = set.glyphs();
            let counter = Counter::default();
            let mut term = Terminal::with_options(
                CrosstermBackend::new(counter.clone()),
                ratatui::TerminalOptions {
                    viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, w, h)),
                },
            )
            .expect("terminal");
            let mut frame = |app: &App| -> usize {
                *counter.0.lock().expect("lock") = 0;
                let mut out = counter.clone();
                crossterm::execute!(out, BeginSynchronizedUpdate).expect("begin");
                term.draw(|f| tokentab::tui::ui::draw(f, app))
                    .expect("draw");
                crossterm::execute!(out, EndSynchronizedUpdate).expect("end");
                *counter.0.lock().expect("lock")
            };
            key(&mut app, KeyCode::Char('g'));
            let full = frame(&app);
            // Moves inside the window: the old and the new selected row are redrawn.
            let mut inside = Vec::new();
            for _ in 0..5 {
                key(&mut app, KeyCode::Down);
                inside.push(frame(&app));
            }
            key(&mut app, KeyCode::Up);
            inside.push(frame(&app));
            let worst_inside = inside.iter().copied().max().unwrap_or(0);
            // A move past the bottom scrolls the window: every body row changes.
            let body = usize::from(h);
            for _ in 0..body {
                key(&mut app, KeyCode::Down);
                frame(&app);
            }
            key(&mut app, KeyCode::Down);
            let scroll = frame(&app);
            let at_9600 = |b: usize| format!("{:.0} ms", b as f64 / 960.0 * 1e3);
            println!(
                "      {w}x{h} {:<7} move {:>5} B ({:>6} at 9600)   scrolling move {:>5} B ({:>6})   full frame {:>6} B",
                set.name(),
                worst_inside,
                at_9600(worst_inside),
                scroll,
                at_9600(scroll),
                full
            );
        }
    }
}
