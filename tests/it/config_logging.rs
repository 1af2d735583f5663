//! The log file: created 0600 in the state dir, filtered by level, HTTP crates kept quiet.
//! In a process of its own (`own_process`): it installs the global subscriber.

use std::os::unix::fs::PermissionsExt;

use crate::common::own_process::own_process;
use tokentab::config::{build_filter, init_logging, log_file_path};

#[test]
fn logs_go_to_a_private_file_with_quiet_http_crates() {
    own_process(
        module_path!(),
        "logs_go_to_a_private_file_with_quiet_http_crates",
        || {
            assert!(build_filter("debug").is_ok());
            assert!(build_filter("tokentab=debug,warn").is_ok());
            let e = build_filter("tokentab=loud").unwrap_err().to_string();
            assert!(e.contains("tokentab=loud") && e.contains("trace"), "{e}");

            let dir = tempfile::tempdir().unwrap();
            let state = dir.path().join("state/tokentab");
            // A file left from before with a wide mode is tightened.
            std::fs::create_dir_all(&state).unwrap();
            let path = log_file_path(&state);
            std::fs::write(&path, "old line\n").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();

            let guard = init_logging(&state, "debug").unwrap();
            assert_eq!(guard.path, path);
            tracing::debug!(target: "tokentab::api", "debug-line-kept");
            tracing::debug!(target: "hyper::proto", "hyper-debug-dropped");
            tracing::info!(target: "reqwest::connect", "reqwest-info-kept");
            tracing::trace!(target: "tokentab::api", "trace-line-dropped");

            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.starts_with("old line\n"), "appends");
            assert!(
                text.contains("debug-line-kept") && text.contains("reqwest-info-kept"),
                "{text}"
            );
            assert!(
                !text.contains("hyper-debug-dropped") && !text.contains("trace-line-dropped"),
                "{text}"
            );
            assert!(!text.contains("\u{1b}["), "no ANSI colours in the file");
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);

            assert!(
                init_logging(&state, "info").is_err(),
                "a second install is refused"
            );
        },
    );
}
