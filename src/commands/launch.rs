//! The default command: open the tab against the resolved server (the embedded service unless
//! a URL is configured), then shut the embedded service down.

use std::process::ExitCode;

use crate::config::Resolved;
use crate::tui::TuiOptions;

use super::connect::connect;

pub async fn run_tui(cfg: &Resolved) -> ExitCode {
    // A bad [keys] / [theme] entry refuses to start, before anything else happens.
    if let Err(e) = crate::tui::customisation(&cfg.keys, &cfg.theme, cfg.banner_color.as_deref()) {
        eprintln!("tokentab: {e}");
        return ExitCode::from(2);
    }
    // The TUI owns the terminal: logs go to a file only.
    let _log = match crate::config::default_state_dir() {
        Some(dir) => match super::connect::create_private_dir(&dir)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                crate::config::init_logging(&dir, &cfg.log_level).map_err(|e| e.to_string())
            }) {
            Ok(guard) => Some(guard),
            Err(e) => {
                eprintln!("tokentab: warning: no log file: {e}");
                None
            }
        },
        None => None,
    };
    let conn = match connect(cfg).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tokentab: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    let opts = TuiOptions {
        client: conn.client.clone(),
        server_label: conn.label.clone(),
        embedded: conn.embedded.is_some(),
        profile: cfg.profile.clone(),
        mouse: cfg.mouse,
        readonly: cfg.readonly,
        clipboard_mode: cfg.clipboard,
        clipboard_clear_secs: cfg.clipboard_clear_secs,
        mask_secret: cfg.mask_secret,
        no_color: cfg.no_color,
        glyphs: cfg.glyphs,
        refresh_secs: cfg.refresh_secs,
        keys: cfg.keys.clone(),
        theme: cfg.theme.clone(),
        banner_color: cfg.banner_color.clone(),
    };
    let result = crate::tui::run(opts).await;
    conn.close().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tokentab: {e:?}");
            ExitCode::FAILURE
        }
    }
}
