//! Runs the real `tokentab` in tmux with a private home, and talks to the service it started.

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::tmux::TmuxSession;

pub const WAIT: Duration = Duration::from_secs(60);

/// A private home for one run of the binary: nothing touches the real one.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    /// The environment that keeps config, state, data and any JFrog CLI config inside.
    pub fn env(&self) -> Vec<(String, String)> {
        let p = |s: &str| self.dir.path().join(s).display().to_string();
        vec![
            ("HOME".into(), p("home")),
            ("XDG_CONFIG_HOME".into(), p("config")),
            ("XDG_STATE_HOME".into(), p("state")),
            ("XDG_DATA_HOME".into(), p("xdg-data")),
            ("XDG_CACHE_HOME".into(), p("cache")),
            // Empty values count as unset: no server, token or profile from the outer world.
            ("TOKENTAB_URL".into(), String::new()),
            ("TOKENTAB_TOKEN".into(), String::new()),
            ("TOKENTAB_TOKEN_FILE".into(), String::new()),
            ("TOKENTAB_PROFILE".into(), String::new()),
            ("TOKENTAB_CONFIG".into(), String::new()),
            ("JFROG_CLI_SERVER_ID".into(), String::new()),
            ("DISPLAY".into(), String::new()),
            ("WAYLAND_DISPLAY".into(), String::new()),
            ("NO_COLOR".into(), String::new()),
            // The screens these tests read are drawn with the unicode set whatever the outer
            // locale is (tests/tui_glyphs_tmux.rs covers the automatic choice).
            ("TOKENTAB_GLYPHS".into(), "unicode".into()),
        ]
    }
}

/// Starts `tokentab` on the embedded service in a `w`x`h` tmux window, run by a shell that stays
/// after it (so the terminal's modes can be read once it has exited, as a person's shell would
/// see them) and prints its exit status.
pub fn start_tab(home: &Home, w: u16, h: u16, extra: &[&str]) -> TmuxSession {
    start_tab_logged(home, w, h, extra, None)
}

/// As [`start_tab`], with the program's stderr going to `stderr_file`.
pub fn start_tab_logged(
    home: &Home,
    w: u16,
    h: u16,
    extra: &[&str],
    stderr_file: Option<&Path>,
) -> TmuxSession {
    let mut args = vec!["--clipboard", "off"];
    args.extend_from_slice(extra);
    launch(home, w, h, &args, stderr_file, &[])
}

/// Starts `tokentab --data-dir <home data> ARGS` (nothing else implied: the clipboard is as the
/// arguments say) with the home's environment plus `env` (which wins).
pub fn launch(
    home: &Home,
    w: u16,
    h: u16,
    args: &[&str],
    stderr_file: Option<&Path>,
    env: &[(&str, &str)],
) -> TmuxSession {
    let data = home.data().display().to_string();
    let script = match stderr_file {
        Some(_) => {
            "f=$1; shift; \"$0\" \"$@\" 2>>\"$f\"; printf '\\ntokentab exited with %s\\n' $?; exec sleep 600"
        }
        None => "\"$0\" \"$@\"; printf '\\ntokentab exited with %s\\n' $?; exec sleep 600",
    };
    let errfile = stderr_file.map(|p| p.display().to_string());
    let mut argv = vec!["sh", "-c", script, env!("CARGO_BIN_EXE_tokentab")];
    if let Some(f) = errfile.as_deref() {
        argv.push(f);
    }
    argv.extend(["--data-dir", data.as_str()]);
    argv.extend_from_slice(args);
    let mut vars = home.env();
    for (k, v) in env {
        vars.retain(|(name, _)| name != k);
        vars.push(((*k).to_owned(), (*v).to_owned()));
    }
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    TmuxSession::start(&argv, w, h, &vars)
}

/// The Linux console in the C locale: for [`start_with_env`].
pub const CONSOLE: &[&str] = &["TERM=linux", "LC_ALL=C"];

/// Starts `tokentab --data-dir <home data> ARGS` at `w`×`h` with `vars` (`NAME=value`) set for the
/// binary alone through `env`: tmux keeps the test's locale, so capture-pane reads every character
/// drawn, and it would set TERM from its own `default-terminal`. `TOKENTAB_GLYPHS` is emptied
/// (unset for the tab): the glyph set is chosen from the environment.
pub fn start_with_env(home: &Home, w: u16, h: u16, vars: &[&str], args: &[&str]) -> TmuxSession {
    let data = home.data().display().to_string();
    let mut argv = vec!["env", "TOKENTAB_GLYPHS="];
    argv.extend_from_slice(vars);
    argv.extend([env!("CARGO_BIN_EXE_tokentab"), "--data-dir", data.as_str()]);
    argv.extend_from_slice(args);
    let henv = home.env();
    let henv: Vec<(&str, &str)> = henv.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    TmuxSession::start(&argv, w, h, &henv)
}

/// The pid of the running `tokentab` (the child of the pane's shell).
pub fn tab_pid(t: &TmuxSession) -> u32 {
    let out = t.tmux(&["display-message", "-p", "-t", "t", "#{pane_pid}"]);
    let shell: u32 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("pane pid");
    let start = std::time::Instant::now();
    loop {
        if let Some(pid) = children(shell)
            .into_iter()
            .find(|p| comm(*p).as_deref() == Some("tokentab"))
        {
            return pid;
        }
        assert!(start.elapsed() < WAIT, "no tokentab process under {shell}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn comm(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|s| s.trim().to_owned())
}

fn children(parent: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid …": the comm may hold spaces, so split after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|s| s.parse::<u32>().ok());
        if ppid == Some(parent) {
            out.push(pid);
        }
    }
    out
}

/// HTTP to the service the tab started.
pub struct Http {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
    pub url: String,
    pub admin: String,
}

impl Http {
    pub fn new(url: String, data_dir: &Path) -> Http {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let admin = std::fs::read_to_string(data_dir.join("admin.token"))
            .expect("admin.token")
            .trim()
            .to_owned();
        Http {
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("client"),
            url,
            admin,
        }
    }

    pub fn call(
        &self,
        method: Method,
        token: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.rt.block_on(async {
            let mut req = self
                .client
                .request(method, format!("{}{path}", self.url))
                .bearer_auth(token);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let resp = req.send().await.expect("send");
            let status = resp.status();
            let text = resp.text().await.expect("body");
            (status, serde_json::from_str(&text).unwrap_or(Value::Null))
        })
    }

    pub fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, token, path, None)
    }

    pub fn tokens(&self) -> Vec<Value> {
        let (s, v) = self.get(&self.admin, "/access/api/v1/tokens?limit=1000");
        assert_eq!(s, StatusCode::OK, "{v}");
        v["tokens"].as_array().expect("tokens").clone()
    }

    pub fn devices(&self, project: &str, fleet: &str) -> Vec<String> {
        let (s, v) = self.get(
            &self.admin,
            &format!("/api/v2/{project}/devices?group_name={fleet}&limit=1000"),
        );
        assert_eq!(s, StatusCode::OK, "{v}");
        v["devices"]
            .as_array()
            .expect("devices")
            .iter()
            .filter_map(|d| d["device_uuid"].as_str().map(str::to_owned))
            .collect()
    }
}

/// Waits for the program to exit (the shell prints its status) and returns the status.
pub fn wait_exit(t: &TmuxSession) -> i32 {
    let screen = t.wait_text("tokentab exited with ", WAIT);
    screen
        .lines()
        .find_map(|l| l.split("tokentab exited with ").nth(1))
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("no exit status on screen:\n{screen}"))
}

pub fn assert_restored(t: &TmuxSession) {
    let flags = t.pane_flags();
    assert!(
        flags.contains("alt=0") && flags.contains("mouse=0") && flags.contains("cursor=1"),
        "terminal restored (main screen, no mouse, cursor shown): {flags}"
    );
}

/// In an open picker: types `query`, waits until one entry is found and `label` is on screen,
/// picks it, and waits for the field to show `shown` (`[ value ▾]`).
pub fn pick_only(t: &TmuxSession, query: &str, label: &str, shown: &str) {
    t.type_text(query);
    t.wait_for(&format!("{label} alone"), WAIT, |s| {
        s.contains("1 found") && s.contains(label)
    });
    t.keys(&["Enter"]);
    t.wait_text(shown, WAIT);
}

/// Waits for the loaded token table: the header's counts are drawn (the total gives way first
/// on a narrow screen, the expiring count stays longer) and no page is still loading.
pub fn wait_table(t: &TmuxSession) -> String {
    t.wait_for("the token table", WAIT, table_loaded)
}

/// The token table has loaded: the header carries counts (the total gives way first at narrow
/// widths; any glyph set) and nothing says it is loading.
pub fn table_loaded(s: &str) -> bool {
    let header = s.lines().next().unwrap_or("");
    s.contains("Access Tokens")
        && (header.contains(" tokens")
            || header.contains(" token ")
            || header.contains(" expiring"))
        && !header.contains("loading")
        && !s.contains("loading tokens")
}

/// From the token table (at 80×24 or larger): `n`, description `desc`, Custom, User `user`, Target
/// entity Fleet, Project `project` and Fleet `fleet` picked (each a `(query, label on screen)`),
/// added with its default Read, then Generate. Asserts the form names the user and fits (`[ Generate ]` shown) before
/// Ctrl+S; returns the new token's `(secret, token id)` from the one-time view (still open).
pub fn make_custom_fleet_token(
    t: &TmuxSession,
    desc: &str,
    user: &str,
    project: (&str, &str),
    fleet: (&str, &str),
) -> (String, String) {
    t.type_text("n");
    t.wait_text("New token", WAIT);
    t.type_text(desc);
    t.keys(&["Tab", "Tab", "Space"]);
    t.wait_text("(•) Custom", WAIT);
    t.keys(&["Tab", "Enter"]);
    t.wait_text("Choose a user", WAIT);
    let user_shown = format!("[ {user} ▾]");
    pick_only(t, user, &format!("{user} <"), &user_shown);
    // The choice moves on to Target entity.
    t.keys(&["Right"]);
    t.wait_text("◂ Fleet", WAIT);
    t.keys(&["Tab", "Enter"]);
    t.wait_text("Choose a project", WAIT);
    pick_only(t, project.0, project.1, &format!("[ {} ▾]", project.0));
    t.keys(&["Enter"]);
    t.wait_text(&format!("Choose a fleet in {}", project.0), WAIT);
    pick_only(t, fleet.0, fleet.1, &format!("[ {} ▾]", fleet.0));
    t.keys(&["Tab", "Enter"]);
    let form = t.wait_text("Permissions (1)", WAIT);
    assert!(form.contains(&user_shown), "{form}");
    assert!(form.contains("[ Generate ]"), "every part fits:\n{form}");
    t.keys(&["C-s"]);
    let view = t.wait_text("Your new access token", WAIT);
    (
        super::screen::secret_on(&view),
        super::screen::token_id_on(&view),
    )
}

/// `info` (a token's JSON from the service) is a token of `user`'s with exactly `scope`.
pub fn assert_token_of(info: &Value, user: &str, scope: &str) {
    assert!(
        info["subject"]
            .as_str()
            .unwrap_or("")
            .ends_with(&format!("/users/{user}")),
        "{info}"
    );
    assert_eq!(info["scope"], scope, "{info}");
}
