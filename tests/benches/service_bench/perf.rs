//! Where the CPU goes by function: `perf record -e cpu-clock` on given processes during an extra
//! run (not one of the measured ones), when `perf` can record here. Software clock events only:
//! containers often have no hardware counters.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub struct Recording {
    child: Child,
    data: PathBuf,
}

/// Starts recording `pids`, or says why it cannot.
pub fn start(pids: &[u32], dir: &Path) -> Result<Recording, String> {
    let data = dir.join("perf.data");
    let list: Vec<String> = pids.iter().map(u32::to_string).collect();
    let child = Command::new("perf")
        .args(["record", "-q", "-e", "cpu-clock", "-F", "999", "-o"])
        .arg(&data)
        .args(["-p", &list.join(",")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("perf: {e} (apt-get install linux-perf)"))?;
    Ok(Recording { child, data })
}

fn report(data: &Path, extra: &[&str], top: usize) -> Vec<String> {
    let out = Command::new("perf")
        .args(["report", "--stdio", "--no-children", "-i"])
        .arg(data)
        .args(extra)
        .stderr(Stdio::null())
        .output();
    let text = out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    text.unwrap_or_default()
        .lines()
        .filter(|l| {
            l.trim_start()
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        })
        .take(top)
        .map(|l| {
            let l = l.split_whitespace().collect::<Vec<_>>().join(" ");
            l.chars().take(120).collect()
        })
        .collect()
}

impl Recording {
    /// Stops perf (SIGINT: it writes its data and exits) and summarises: share by process and
    /// library, then the top functions of the serve process and of PostgreSQL.
    pub fn finish(mut self, serve_pid: u32) -> Vec<String> {
        let pid = rustix::process::Pid::from_raw(self.child.id() as i32);
        if let Some(pid) = pid {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::INT);
        }
        if self.child.wait().is_err() || !self.data.exists() {
            return vec!["perf record failed (perf_event_paranoid? try as root)".into()];
        }
        let mut lines = vec!["by process and library:".to_owned()];
        lines.extend(report(&self.data, &["--sort", "comm,dso"], 8));
        lines.push("top functions of tokentab serve:".into());
        lines.extend(report(
            &self.data,
            &["--pid", &serve_pid.to_string(), "--sort", "sym"],
            14,
        ));
        lines.push("top functions of postgres:".into());
        lines.extend(report(
            &self.data,
            &["--comm", "postgres", "--sort", "sym"],
            8,
        ));
        lines
    }
}
