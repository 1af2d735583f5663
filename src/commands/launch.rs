//! The default command: open the tab against the resolved server (the embedded service unless
//! a URL is configured), then shut the embedded service down.

use std::process::ExitCode;

use std::sync::Arc;

use crate::config::{Inputs, Resolved};
use crate::tui::TuiOptions;

use super::connect::connect;
use super::switch::ProfileConnector;

/// `inputs`: what `cfg` was resolved from; switching servers (`P`) resolves the other entries
/// from them.
pub async fn run_tui(cfg: &Resolved, inputs: Inputs) -> ExitCode {
    // A bad [keys] / [theme] entry refuses to start, before anything else happens.
    if !cfg.accessible
        && let Err(e) =
            crate::tui::customisation(&cfg.keys, &cfg.theme, cfg.banner_color.as_deref())
    {
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
    let mut conn = match connect(cfg).await {
        Ok(c) => c,
        Err(e) if cfg.accessible => {
            eprintln!("{}", crate::tui::accessible::error_line(&e.to_string()));
            return ExitCode::from(e.exit_code());
        }
        Err(e) => {
            eprintln!("tokentab: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    let embedded = conn.embedded.is_some();
    // Issue 21: the same session in plain lines and prompts.
    let accessible = cfg.accessible;
    // The connector owns the embedded service from here on (it may start it later, too).
    let connector = Arc::new(ProfileConnector::new(inputs, cfg, &mut conn));
    let opts = TuiOptions {
        client: conn.client.clone(),
        server_label: conn.label.clone(),
        embedded,
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
        servers: connector.entries(),
        current_server: crate::config::switch::current_key(cfg),
        connector: Some(connector.clone()),
    };
    if accessible {
        let code = crate::tui::accessible::run(opts).await;
        conn.close().await;
        connector.close().await;
        return code;
    }
    let result = crate::tui::run(opts).await;
    conn.close().await;
    connector.close().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tokentab: {e:?}");
            ExitCode::FAILURE
        }
    }
}
