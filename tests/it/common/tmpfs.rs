//! A small real file system for a test: a tmpfs it mounts (root only) and unmounts, and
//! another process that fills it (`common::tmpfs`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const MIB: u64 = 1024 * 1024;

/// A tmpfs mounted for one test; unmounted on drop (lazily when still busy).
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// None (with a message) when not root.
    pub fn mount(size_mib: u64) -> Option<Tmpfs> {
        if !rustix::process::geteuid().is_root() {
            eprintln!("SKIPPED: mounting a tmpfs needs root (run the test as root)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o"])
            .arg(format!("size={size_mib}m,mode=0700"))
            .arg("tmpfs")
            .arg(dir.path())
            .status()
            .expect("run mount")
            .success();
        assert!(ok, "mount -t tmpfs failed");
        Some(Tmpfs { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let umount = |lazy: bool| {
            let mut c = Command::new("umount");
            if lazy {
                c.arg("-l");
            }
            c.arg(self.dir.path()).status().is_ok_and(|s| s.success())
        };
        if !umount(false) {
            // A child killed on drop may still hold files for a moment.
            std::thread::sleep(Duration::from_millis(200));
            if !umount(false) {
                assert!(umount(true) || std::thread::panicking(), "umount failed");
            }
        }
    }
}

fn free_bytes(dir: &Path) -> u64 {
    let s = rustix::fs::statvfs(dir).unwrap();
    s.f_bavail * s.f_frsize
}

#[derive(Clone, Copy, Debug)]
pub enum Fill {
    /// `fallocate` a file leaving 2 MiB free.
    UnderFloor,
    /// `dd` until ENOSPC: zero bytes free.
    ToZero,
}

/// Another process fills the file system at `root` with `root/filler`.
pub fn fill(root: &Path, how: Fill) -> PathBuf {
    let filler = root.join("filler");
    match how {
        Fill::UnderFloor => {
            let len = free_bytes(root).saturating_sub(2 * MIB);
            let ok = Command::new("fallocate")
                .args(["-l", &len.to_string()])
                .arg(&filler)
                .status()
                .expect("run fallocate")
                .success();
            assert!(ok, "fallocate -l {len}");
            let free = free_bytes(root);
            assert!(free <= 2 * MIB, "{free} bytes free after fallocate");
        }
        Fill::ToZero => {
            // The service writes and frees pages while dd runs (a WAL restarted, a page
            // released), so space can come free again after dd stopped: dd appends until the
            // file system reads full.
            let mut free = u64::MAX;
            for _ in 0..20 {
                let out = Command::new("dd")
                    .args(["if=/dev/zero", "bs=4K", "oflag=append", "conv=notrunc"])
                    .arg(format!("of={}", filler.display()))
                    .output()
                    .expect("run dd");
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(
                    !out.status.success() && err.contains("No space left"),
                    "dd should stop at ENOSPC: {err}"
                );
                free = free_bytes(root);
                if free == 0 {
                    break;
                }
            }
            assert_eq!(free, 0, "dd left space free 20 times");
        }
    }
    filler
}
