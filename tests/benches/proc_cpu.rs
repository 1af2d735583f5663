//! The benches' CPU time of a process: user + system time from `/proc/<pid>/stat`.

/// Linux reports `/proc` times in USER_HZ, 100 on every architecture we run on.
pub const USER_HZ: f64 = 100.0;

pub fn ticks_to_s(t: u64) -> f64 {
    t as f64 / USER_HZ
}

/// utime + stime of `/proc/<pid>/stat` (`pid` may be `self`), every thread (those ended too).
pub fn ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after it are fixed.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}
