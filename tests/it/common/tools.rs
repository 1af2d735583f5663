//! External tools a test needs. A missing tool fails the test with the line that installs it:
//! no test passes silently because its tool is absent. `bash tests/run.sh` installs them all.

use std::process::{Command, Stdio};

/// Panics unless `tool` runs (`tool probe`); the message names the package to install.
pub fn require(tool: &str, probe: &str, package: &str) {
    let ok = Command::new(tool)
        .arg(probe)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        ok,
        "`{tool}` is required for this test: install it with `apt-get install {package}` \
         (or run `bash tests/run.sh`, which installs every tool the tests need)"
    );
}

pub fn require_tmux() {
    require("tmux", "-V", "tmux");
}

pub fn require_x11() {
    require("Xvfb", "-help", "xvfb");
    require("xclip", "-version", "xclip");
}

pub fn require_script() {
    require("script", "--version", "bsdutils");
}
