//! The masked prompt, on a real pseudo-terminal (util-linux `script`): the typed token is read,
//! Backspace works, and nothing of it is echoed.

use crate::common;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secrecy::ExposeSecret;
use tokentab::config::{Env, Flags, Inputs, ServerChoice, TokenSourceKind, resolve};

const TYPED: &str = "typed-Secret-7Hq2";

/// Runs inside the pty (started by the test below).
#[test]
#[ignore = "run by prompt_reads_hidden_input inside a pseudo-terminal"]
fn prompt_child() {
    let mut i = Inputs {
        flags: Flags::default(),
        env: Env::new(),
        default_data_dir: PathBuf::from("/unused"),
        ..Default::default()
    };
    i.flags.server.url = Some("https://prompt.example.com".into());
    let r = resolve(&i).unwrap();
    let ServerChoice::Remote { url, token } = &r.server else {
        panic!()
    };
    assert_eq!(token.kind, TokenSourceKind::Prompt);
    let got = token.obtain(url).unwrap();
    let ok = got.expose_secret() == TYPED;
    println!("PROMPT-RESULT {}", if ok { "ok" } else { "mismatch" });
}

fn wait_for(buf: &Arc<Mutex<Vec<u8>>>, needle: &str, limit: Duration) -> String {
    let start = Instant::now();
    loop {
        let text = String::from_utf8_lossy(&buf.lock().unwrap()).to_string();
        if text.contains(needle) || start.elapsed() > limit {
            return text;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn prompt_reads_hidden_input() {
    common::tools::require_script();
    let exe = std::env::current_exe().unwrap();
    let cmd = format!(
        "'{}' --exact config_prompt::prompt_child --ignored --nocapture --test-threads=1",
        exe.display()
    );
    let mut child = Command::new("script")
        .args(["-qfec", &cmd, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = Arc::new(Mutex::new(Vec::new()));
    let mut stdout = child.stdout.take().unwrap();
    let sink = Arc::clone(&out);
    std::thread::spawn(move || {
        let mut chunk = [0u8; 1024];
        while let Ok(n) = stdout.read(&mut chunk) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    let text = wait_for(&out, "(input hidden)", Duration::from_secs(120));
    assert!(
        text.contains("Admin token for https://prompt.example.com"),
        "{text}"
    );
    let mut stdin = child.stdin.take().unwrap();
    // A stray "x" removed with Backspace (DEL), then Enter.
    stdin
        .write_all(format!("{TYPED}x\u{7f}\r").as_bytes())
        .unwrap();
    stdin.flush().unwrap();
    let text = wait_for(&out, "PROMPT-RESULT", Duration::from_secs(120));
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    assert!(text.contains("PROMPT-RESULT ok"), "{text}");
    assert!(
        !text.contains(TYPED) && !text.contains("typed-"),
        "echoed: {text}"
    );
    drop(stdin);
}
