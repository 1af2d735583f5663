//! Issue 21: the accessible mode (`--accessible`, `TOKENTAB_ACCESSIBLE=1`, config
//! `accessible = true`). The tab's journeys as numbered menus and prompts read line by line:
//! no alternate screen, no cursor addressing, no colour, no box, braille or spinner characters;
//! plain lines appended in order, so a screen reader (and the scrollback) reads each once.
//!
//! It reuses the tab's rules rather than copying them: the row model and its filter words
//! ([`super::app::tokens::Rows`]), the create form's checks ([`super::app::form::Form`]),
//! expiry parsing and limits, scopes, rotation ([`crate::model::rotate`]), the one-time
//! secret and its clipboard paths, and the same `api::Client`.

mod create;
mod custom;
mod details;
mod io;
mod list;
mod rotate;
mod secret;
mod switch;
mod words;

use std::process::ExitCode;
use std::sync::Arc;

use crate::api::Client;
use crate::model::filter_query::KEYS;
use crate::model::settings::ClipboardMode;
use crate::secret::clipboard::{ClipEnv, Clipboard};

use super::TuiOptions;
use super::app::tokens::Rows;
use super::switch::{Connector, ServerEntry};
use io::{Io, Step, Stop};

/// What the session works with; replaced in part by a server switch.
pub(crate) struct Session {
    pub io: Io,
    pub client: Arc<Client>,
    pub label: String,
    pub embedded: bool,
    pub readonly: bool,
    /// The signed-in user's name, once known.
    pub me: Option<String>,
    /// The token list as last loaded; None: load it before showing it.
    pub rows: Option<Rows>,
    pub clipboard_mode: ClipboardMode,
    pub clipboard_clear_secs: u64,
    /// `--mask-secret`: a new token is printed only when asked for.
    pub mask_secret: bool,
    pub servers: Vec<ServerEntry>,
    pub current_server: Option<String>,
    pub connector: Option<Arc<dyn Connector>>,
}

/// Where a journey goes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    Menu,
    Quit,
}

const MENU: &str = "Main menu. Type a number and press Enter.\n\
    1. List tokens.\n\
    2. Create a User token.\n\
    3. Create a Custom token.\n\
    4. Switch server.\n\
    5. Help.\n\
    6. Quit.";

/// The help, its filter words taken from the filter's own list ([`KEYS`]).
fn help() -> String {
    let keys: Vec<String> = KEYS
        .iter()
        .map(|(k, what)| format!("{k}: {what}"))
        .collect();
    format!(
        "This is tokentab's accessible mode: every screen is a few lines of text, and every \
         question waits for a line you type and Enter.\n\
         In the list, type a row number for its details, n for the next page, p for the previous \
         page, f followed by filter words to filter, f alone to clear the filter, r to reload, \
         and b to go back.\n\
         Filter words are those of the tab: free text matches anywhere in a row, and {}.\n\
         A new token's secret is shown once, on a line of its own, and never again.\n\
         Ctrl-D or Ctrl-C leaves at any question.",
        keys.join("; ")
    )
}

/// "Error: …" as a sentence, for what goes wrong before the session starts (the server cannot
/// be reached or its token read).
pub fn error_line(text: &str) -> String {
    format!(
        "Error: {}",
        words::sentence(&crate::model::sanitize::clean(text))
    )
}

/// Runs the accessible mode until the person quits or the input ends.
pub async fn run(opts: TuiOptions) -> ExitCode {
    let clipboard = Clipboard::new(opts.clipboard_mode, ClipEnv::from_process());
    let mut s = Session {
        io: Io::start(clipboard),
        client: Arc::new(opts.client),
        label: opts.server_label,
        embedded: opts.embedded,
        readonly: opts.readonly,
        me: None,
        rows: None,
        clipboard_mode: opts.clipboard_mode,
        clipboard_clear_secs: opts.clipboard_clear_secs,
        mask_secret: opts.mask_secret,
        servers: opts.servers,
        current_server: opts.current_server,
        connector: opts.connector,
    };
    s.io.say("tokentab, accessible mode.");
    let code = match session(&mut s).await {
        Ok(()) => {
            s.io.say("Goodbye.");
            ExitCode::SUCCESS
        }
        Err(Stop::Eof) => {
            s.io.say("Input ended, so tokentab is closing. Goodbye.");
            ExitCode::SUCCESS
        }
        // Only a form returns it, and catches it; here for completeness.
        Err(Stop::Cancelled) => ExitCode::SUCCESS,
        Err(Stop::Interrupted) => {
            s.io.say("Interrupted, so tokentab is closing. Goodbye.");
            ExitCode::from(130)
        }
    };
    s.io.clear_clipboard();
    code
}

async fn session(s: &mut Session) -> Step<()> {
    greet(s).await?;
    s.io.say(MENU);
    loop {
        let choice = s.io.ask("Choice, 1 to 6:").await?;
        let next = match choice.to_lowercase().as_str() {
            "1" | "l" | "list" => list::browse(s).await?,
            "2" | "user" => create::create(s, false).await?,
            "3" | "custom" => create::create(s, true).await?,
            "4" | "switch" | "server" => switch::switch(s).await?,
            "5" | "?" | "h" | "help" => {
                s.io.say(&help());
                Next::Menu
            }
            "6" | "q" | "quit" | "exit" => Next::Quit,
            "" => {
                s.io.say(MENU);
                continue;
            }
            other => {
                s.io.error(&format!(
                    "\"{other}\" is not a menu choice; type a number from 1 to 6"
                ));
                continue;
            }
        };
        if next == Next::Quit {
            return Ok(());
        }
        s.io.say(MENU);
    }
}

/// Says where the session is connected and as whom.
pub(crate) async fn greet(s: &mut Session) -> Step<()> {
    let kind = if s.embedded {
        " (the embedded token service on this machine)"
    } else {
        ""
    };
    let ro = if s.readonly {
        " Read-only: creating, revoking and rotating are off."
    } else {
        ""
    };
    s.io.say(&format!("Server: {}{kind}.{ro}", s.label));
    let client = Arc::clone(&s.client);
    match s.io.call(client.get_me()).await? {
        Ok(me) => {
            let name = crate::model::sanitize::clean(me.into_token().username());
            s.io.say(&format!("Signed in as {name}."));
            s.me = Some(name);
        }
        Err(e) => s.io.error(&e),
    }
    Ok(())
}
