//! The default command: open the tab against the resolved server (the embedded service unless
//! a URL is given), then shut the embedded service down.

use std::process::ExitCode;

use crate::cli::{ServerArgs, TuiArgs};
use crate::tui::TuiOptions;

use super::connect::{connect, create_private_dir, data_dir};
use super::logging;

pub async fn run_tui(server: &ServerArgs, tui: &TuiArgs, log_level: Option<&str>) -> ExitCode {
    // The log file lives in the data dir; without one the TUI runs without a log.
    if let Ok(dir) = data_dir(server) {
        let logged = create_private_dir(&dir)
            .map_err(|e| e.to_string())
            .and_then(|()| logging::to_file(&dir, log_level));
        if let Err(e) = logged {
            eprintln!("tokentab: warning: {e}");
        }
    }
    let conn = match connect(server).await {
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
        profile: server.profile.clone(),
        mouse: !tui.no_mouse,
        readonly: server.readonly,
        clipboard_mode: tui.clipboard.unwrap_or_default(),
        clipboard_clear_secs: tui.clipboard_clear.unwrap_or(30),
        mask_secret: tui.mask_secret,
        no_color: tui.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
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
