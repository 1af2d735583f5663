//! The terminal UI: terminal init/restore around `runtime::run`.

pub mod accessible;
pub mod app;
pub mod export_file;
pub mod glyphs;
pub mod input;
pub mod key_overrides;
pub mod keymap;
pub mod layout;
pub mod memory;
pub mod msg;
pub mod page_batch;
pub mod runtime;
pub mod scroll_backend;
pub mod switch;
pub mod text_fit;
pub mod theme;
pub mod token_refresh;
pub mod token_stream;
pub mod ui;

use std::collections::BTreeMap;
use std::io::stdout;

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;

use crate::api::Client;
use crate::model::settings::ClipboardMode;
use crate::secret::clipboard::{ClipEnv, Clipboard};

/// Everything the tab needs from the composition root (`main`). The TUI never knows whether the
/// server is embedded beyond the label it shows.
pub struct TuiOptions {
    pub client: Client,
    /// Shown in the header, e.g. `http://127.0.0.1:40123`.
    pub server_label: String,
    /// True when `main` started the embedded service.
    pub embedded: bool,
    /// Profile name for the header, if any.
    pub profile: Option<String>,
    pub mouse: bool,
    pub readonly: bool,
    pub clipboard_mode: ClipboardMode,
    /// Seconds before the clipboard is cleared; 0 = never.
    pub clipboard_clear_secs: u64,
    pub mask_secret: bool,
    pub no_color: bool,
    pub glyphs: crate::model::settings::GlyphSet,
    /// Seconds between quiet refreshes; 0 = off.
    pub refresh_secs: u64,
    /// `[keys]` of the config file: action name -> key.
    pub keys: BTreeMap<String, String>,
    /// `[theme]` of the config file: semantic name -> colour.
    pub theme: BTreeMap<String, String>,
    /// The profile's banner colour (the header's background).
    pub banner_color: Option<String>,
    /// The servers `P` offers, the one talked to now, and how to reach another.
    pub servers: Vec<switch::ServerEntry>,
    pub current_server: Option<String>,
    pub connector: Option<std::sync::Arc<dyn switch::Connector>>,
}

/// The keymap and look a session runs with, built from the config file's overrides.
#[derive(Debug, Clone)]
pub struct Customisation {
    pub keymap: keymap::KeyMap,
    pub palette: theme::Palette,
    pub banner: Option<ratatui::style::Color>,
}

/// Checks and applies `[keys]`, `[theme]` and the banner colour. The error names the section
/// and the bad entry: "config [keys]: unknown action \"nwe\" …".
pub fn customisation(
    keys: &BTreeMap<String, String>,
    theme: &BTreeMap<String, String>,
    banner_color: Option<&str>,
) -> Result<Customisation, String> {
    let keymap = keymap::KeyMap::with_overrides(keys).map_err(|e| format!("config [keys]: {e}"))?;
    let palette =
        theme::Palette::with_overrides(theme).map_err(|e| format!("config [theme]: {e}"))?;
    let banner = banner_color
        .map(theme::parse_color)
        .transpose()
        .map_err(|e| format!("config banner_color: {e}"))?;
    Ok(Customisation {
        keymap,
        palette,
        banner,
    })
}

fn leave_modes() {
    let _ = execute!(stdout(), DisableMouseCapture, DisableBracketedPaste);
}

/// Runs the tab until the user quits. Restores the terminal on every exit path.
pub async fn run(opts: TuiOptions) -> color_eyre::Result<()> {
    // Checked before the terminal is touched, so the message lands on a normal screen.
    let custom = customisation(&opts.keys, &opts.theme, opts.banner_color.as_deref())
        .map_err(|e| color_eyre::eyre::eyre!(e))?;
    // ratatui's hook (raw mode, alternate screen) chains whatever was installed before it
    // (color-eyre's in main); ours also turns off mouse capture and bracketed paste first.
    // Raw mode, the alternate screen and ratatui's restore hook; the terminal it made is
    // replaced by one on the scrolling flush path (`scroll_backend`).
    drop(ratatui::try_init()?);
    let regions = scroll_backend::regions_allowed(
        std::env::var("TERM").ok().as_deref(),
        std::env::var(scroll_backend::SWITCH).ok().as_deref(),
    );
    let mut terminal = match scroll_backend::ScrollBackend::new(stdout(), regions)
        .and_then(ratatui::Terminal::new)
    {
        Ok(t) => t,
        Err(e) => {
            ratatui::restore();
            return Err(e.into());
        }
    };
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave_modes();
        previous(info);
    }));
    let entered = if opts.mouse {
        execute!(stdout(), EnableBracketedPaste, EnableMouseCapture)
    } else {
        execute!(stdout(), EnableBracketedPaste)
    };
    if let Err(e) = entered {
        leave_modes();
        ratatui::restore();
        return Err(e.into());
    }

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
    let signals = tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = stop_tx.send(());
    });

    let cfg = app::AppConfig {
        server_label: opts.server_label,
        embedded: opts.embedded,
        profile: opts.profile,
        readonly: opts.readonly,
        mask_secret: opts.mask_secret,
        clipboard_clear_secs: opts.clipboard_clear_secs,
        mono: theme::Theme::from_env(opts.no_color).mono,
    };
    let mut model = app::App::new(cfg, chrono::Utc::now());
    model.keymap = custom.keymap;
    model.theme.palette = custom.palette;
    model.theme.banner = custom.banner;
    model.theme.glyphs = opts.glyphs.glyphs();
    model.servers.entries = opts.servers;
    model.servers.current = opts.current_server;
    let clipboard = Clipboard::new(opts.clipboard_mode, ClipEnv::from_process());
    let mut deps = runtime::Deps::new(opts.client, clipboard);
    deps.term_out = Some(Box::new(stdout()));
    deps.refresh_every = std::time::Duration::from_secs(opts.refresh_secs);
    deps.shutdown = Some(stop_rx);
    deps.connector = opts.connector;
    deps.mouse = opts.mouse;

    // Not crossterm's `EventStream`: see `input`'s module doc for the two ways it froze the tab.
    let result = match input::TermInput::start() {
        Ok(mut keys) => {
            deps.input_nudge = Some(keys.nudge());
            let r = runtime::run(&mut terminal, model, &mut keys, deps).await;
            keys.stop();
            r
        }
        Err(e) => Err(e.into()),
    };
    signals.abort();
    leave_modes();
    ratatui::restore();
    result.map(|_| ())
}

/// Tests: `[("name", "value")]` as the string map the config file's `[keys]` and `[colors]`
/// tables give.
#[cfg(test)]
pub(crate) fn string_map(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(a, k)| (a.to_string(), k.to_string()))
        .collect()
}
