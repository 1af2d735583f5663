//! Where the CPU goes during a run: user + system time from `/proc/<pid>/stat` of the serve
//! process and of PostgreSQL's processes (the postmaster, its helpers and the backends of this
//! run's database; other databases' backends count as "rest of the machine"), beside the
//! machine's busy time from `/proc/stat`. The load generator reports its own.

use std::collections::HashMap;
use std::time::Instant;

pub use crate::proc_cpu::{ticks, ticks_to_s};

/// (busy, total) jiffies of the whole machine.
fn machine() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let v: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// PostgreSQL's processes that work for `db`: the postmaster and its helpers, and the backends
/// connected to `db` (their command line is rewritten to `postgres: VER/CLUSTER: ROLE DB …`).
pub fn postgres_pids(db: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let Ok(raw) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
                return false;
            };
            let cmd = String::from_utf8_lossy(&raw).replace('\0', " ");
            if cmd.contains("bin/postgres ") {
                return true;
            }
            let Some(what) = cmd.strip_prefix("postgres: ") else {
                return false;
            };
            let words: Vec<&str> = what.split_whitespace().collect();
            // A backend: "VER/CLUSTER: ROLE DB ADDR(PORT) STATE"; a helper: "VER/CLUSTER: walwriter".
            let is_backend = words.iter().any(|w| w.contains('('));
            !is_backend || words.get(2) == Some(&db)
        })
        .collect()
}

#[derive(Clone)]
pub struct Snapshot {
    at: Instant,
    machine: (u64, u64),
    serve: u64,
    postgres: HashMap<u32, u64>,
}

pub fn snapshot(serve_pids: &[u32], db: &str) -> Snapshot {
    Snapshot {
        at: Instant::now(),
        machine: machine(),
        serve: serve_pids
            .iter()
            .filter_map(|p| ticks(&p.to_string()))
            .sum(),
        postgres: postgres_pids(db)
            .into_iter()
            .filter_map(|p| Some((p, ticks(&p.to_string())?)))
            .collect(),
    }
}

/// CPU seconds over one or more runs.
#[derive(Default)]
pub struct Split {
    pub wall_s: f64,
    pub machine_total_s: f64,
    pub machine_busy_s: f64,
    pub serve_s: f64,
    pub postgres_s: f64,
    pub load_gen_s: f64,
    pub requests: usize,
}

impl Split {
    /// Adds the run between `a` and `b` (taken with the same pids), in which the load generator
    /// used `load_gen_s` and answered `requests`.
    pub fn add(&mut self, a: &Snapshot, b: &Snapshot, load_gen_s: f64, requests: usize) {
        self.wall_s += (b.at - a.at).as_secs_f64();
        self.machine_busy_s += ticks_to_s(b.machine.0 - a.machine.0);
        self.machine_total_s += ticks_to_s(b.machine.1 - a.machine.1);
        self.serve_s += ticks_to_s(b.serve.saturating_sub(a.serve));
        // A backend started during the run counts from zero.
        self.postgres_s += b
            .postgres
            .iter()
            .map(|(pid, t)| ticks_to_s(t.saturating_sub(*a.postgres.get(pid).unwrap_or(&0))))
            .sum::<f64>();
        self.load_gen_s += load_gen_s;
        self.requests += requests;
    }

    pub fn lines(&self) -> Vec<String> {
        let cores = (self.machine_total_s / self.wall_s.max(1e-9)).round();
        let pct = |s: f64| 100.0 * s / self.machine_total_s.max(1e-9);
        let us = |s: f64| 1e6 * s / self.requests.max(1) as f64;
        let rest =
            (self.machine_busy_s - self.serve_s - self.postgres_s - self.load_gen_s).max(0.0);
        let idle = self.machine_total_s - self.machine_busy_s;
        vec![
            format!(
                "serve {:.0}%, postgres {:.0}%, load gen {:.0}%, rest of the machine {:.0}%, idle {:.0}% of {cores} cores over {:.1} s",
                pct(self.serve_s),
                pct(self.postgres_s),
                pct(self.load_gen_s),
                pct(rest),
                pct(idle),
                self.wall_s
            ),
            format!(
                "CPU per request: serve {:.0} µs, postgres {:.0} µs, load gen {:.0} µs ({} requests)",
                us(self.serve_s),
                us(self.postgres_s),
                us(self.load_gen_s),
                self.requests
            ),
        ]
    }
}
