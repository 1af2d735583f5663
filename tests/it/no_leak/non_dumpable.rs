//! The README says the process "marks itself non-dumpable" (no core dumps, no same-user ptrace
//! or /proc reads of its memory). Checked on the real binary from outside: the kernel gives the
//! /proc/PID files of a non-dumpable process to root (proc(5), PR_SET_DUMPABLE), whoever runs
//! it. So the binary is run as a user other than root (`nobody` when the tests run as root)
//! and its /proc/PID/status must belong to uid 0 while its own uid is not 0. A plain process
//! run the same way (`sleep`) is the control: its file stays with its user, which shows the
//! check can tell the two apart on this kernel.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// `nobody`: a user without privileges, for a test run as root.
const NOBODY: u32 = 65_534;

fn run_as(cmd: &mut Command) -> u32 {
    let me = rustix::process::getuid().as_raw();
    if me == 0 {
        cmd.uid(NOBODY).gid(NOBODY);
        NOBODY
    } else {
        me
    }
}

/// Who owns /proc/PID/status, and the real uid written in it.
fn proc_owner_and_uid(pid: u32) -> (u32, u32) {
    let path = format!("/proc/{pid}/status");
    let owner = std::fs::metadata(&path).expect("status metadata").uid();
    let status = std::fs::read_to_string(&path).expect("status");
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("a Uid line");
    (owner, uid)
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_real_binary_is_not_dumpable() {
    // A server that accepts and never answers: once the client has connected, `main` has long
    // passed the line that marks the process, and the process waits for its answer.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (accepted, connected) = mpsc::channel::<TcpStream>();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            if accepted.send(conn).is_err() {
                return;
            }
        }
    });

    let home = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tokentab"));
    cmd.args([
        "tokens",
        "list",
        "--url",
        &format!("http://127.0.0.1:{port}"),
    ])
    .env_clear()
    .env("HOME", home.path())
    .env("XDG_CONFIG_HOME", home.path())
    .env("XDG_DATA_HOME", home.path())
    .env("TOKENTAB_TOKEN", "not-a-real-token")
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    let user = run_as(&mut cmd);
    let mut tab = Killed(cmd.spawn().expect("start tokentab"));
    let conn = connected.recv_timeout(Duration::from_secs(30));
    if conn.is_err() {
        let mut err = String::new();
        let _ = tab.0.kill();
        if let Some(mut e) = tab.0.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        panic!("tokentab never connected within 30 s: {err}");
    }
    let (owner, uid) = proc_owner_and_uid(tab.0.id());
    assert_eq!(uid, user, "tokentab runs as uid {user}");
    assert_eq!(
        owner,
        0,
        "/proc/{}/status of tokentab (uid {uid}) belongs to uid {owner}: the process is \
         dumpable",
        tab.0.id()
    );

    // The control: an ordinary process of the same user keeps its /proc files.
    let mut sleep = Command::new("sleep");
    sleep.arg("30").stdin(Stdio::null());
    run_as(&mut sleep);
    let sleeping = Killed(sleep.spawn().expect("start sleep"));
    let (owner, uid) = proc_owner_and_uid(sleeping.0.id());
    assert_eq!(
        (owner, uid),
        (user, user),
        "a dumpable process's /proc files belong to its user (else this check proves nothing)"
    );
}
