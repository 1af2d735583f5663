//! A test that must change the process environment (`DISPLAY` for the native clipboard, the
//! config variables for the loader) runs its body in a child process of this test binary, alone:
//! the other tests of the binary never see the change, and the child's environment is set with
//! `set_var` while nothing else runs in it.
//!
//! ```ignore
//! #[test]
//! fn my_test() {
//!     own_process(module_path!(), "my_test", || { set_env("DISPLAY", ":9"); … });
//! }
//! ```

use std::process::Command;

/// Names the test a child process was started for.
const CHILD: &str = "TOKENTAB_TEST_OWN_PROCESS";

/// In the parent: runs this binary again with only `module::name` (exactly), and fails unless
/// that child ran it and it passed. In the child: runs `body`.
pub fn own_process(module: &str, name: &str, body: impl FnOnce()) {
    // module_path!() starts with the crate name; the test harness names tests without it.
    let test = match module.split_once("::") {
        Some((_, rest)) => format!("{rest}::{name}"),
        None => name.to_owned(),
    };
    if std::env::var(CHILD).as_deref() == Ok(test.as_str()) {
        body();
        return;
    }
    let exe = std::env::current_exe().expect("the test binary");
    let out = Command::new(exe)
        .args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, &test)
        .output()
        .expect("run the test binary again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{test} in its own process: {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    eprint!("{stderr}");
}

/// Sets a variable of this process; only inside [`own_process`]'s child, where this test is
/// the only one running.
pub fn set_env(key: &str, value: impl AsRef<std::ffi::OsStr>) {
    assert!(
        std::env::var_os(CHILD).is_some(),
        "set_env outside own_process"
    );
    // SAFETY: the child process runs this one test on one thread.
    unsafe { std::env::set_var(key, value) };
}

/// Removes a variable of this process; only inside [`own_process`]'s child.
pub fn remove_env(key: &str) {
    assert!(
        std::env::var_os(CHILD).is_some(),
        "remove_env outside own_process"
    );
    // SAFETY: as in `set_env`.
    unsafe { std::env::remove_var(key) };
}
