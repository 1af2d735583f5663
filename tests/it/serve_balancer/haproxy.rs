//! Debian's HAProxy run from the README's configuration text (its first fenced block after the
//! `haproxy.cfg` marker, placeholders replaced), in the foreground as a child of the test (killed
//! on drop), with a stats socket of the test's own (a second `-f` file) to see which replicas
//! it counts as up; and the certificates of a private CA for it and the replicas.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};

const MARKER: &str = "<!-- haproxy.cfg: run by tests/it/serve_balancer.rs -->";

/// The README's fenced block that opens with `fence` after the `haproxy.cfg` marker, as shown.
pub fn readme_block(fence: &str) -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("read README.md");
    let after = &readme[readme
        .find(MARKER)
        .expect("the haproxy.cfg marker in README.md")..];
    let body = after
        .split_once(fence)
        .unwrap_or_else(|| panic!("a {fence:?} block after the marker"))
        .1;
    body[..body.find("\n```").expect("the block's end")].to_owned() + "\n"
}

/// `text` with `from` (which must occur exactly once: the README changed otherwise) made `to`.
pub fn substitute(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "the README's HAProxy block should hold {from:?} once:\n{text}"
    );
    text.replace(from, to)
}

/// PEM files of a private CA, and a leaf it signed for tokens.internal, 127.0.0.1 and
/// localhost: its certificate, its key, and both in one file (HAProxy's `crt`).
pub struct Certs {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub both: PathBuf,
}

pub fn make_certs(dir: &Path) -> Certs {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "tokentab balancer test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let names = ["tokens.internal", "127.0.0.1", "localhost"].map(str::to_owned);
    let mut leaf = CertificateParams::new(names.to_vec()).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, "tokens.internal");
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().unwrap();
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    let certs = Certs {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
        both: dir.join("haproxy.pem"),
    };
    std::fs::write(&certs.ca, ca_cert.pem()).unwrap();
    std::fs::write(&certs.cert, cert.pem()).unwrap();
    std::fs::write(&certs.key, key.serialize_pem()).unwrap();
    std::fs::write(&certs.both, cert.pem() + &key.serialize_pem()).unwrap();
    certs
}

/// A port nobody listens on now (bound, read, released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Haproxy {
    _child: Child,
    pub port: u16,
    socket: PathBuf,
}

impl Haproxy {
    /// Starts HAProxy from the README's block in front of `replicas` (ports of servers a, b).
    pub async fn start(dir: &Path, certs: &Certs, replicas: [u16; 2]) -> Haproxy {
        let port = free_port();
        let mut cfg = readme_block("```text\n");
        for (from, to) in [
            ("bind :443", format!("bind 127.0.0.1:{port}")),
            (
                "/etc/haproxy/tokentab.pem",
                certs.both.display().to_string(),
            ),
            ("/etc/tokentab/ca.pem", certs.ca.display().to_string()),
            ("10.0.0.11:8082", format!("127.0.0.1:{}", replicas[0])),
            ("10.0.0.12:8082", format!("127.0.0.1:{}", replicas[1])),
        ] {
            cfg = substitute(&cfg, from, &to);
        }
        let main = dir.join("haproxy.cfg");
        std::fs::write(&main, cfg).unwrap();
        let socket = dir.join("haproxy.sock");
        let extra = dir.join("test-stats.cfg");
        std::fs::write(
            &extra,
            format!("global\n    stats socket {} mode 600\n", socket.display()),
        )
        .unwrap();
        let check = std::process::Command::new("haproxy")
            .args(["-c", "-f"])
            .arg(&main)
            .arg("-f")
            .arg(&extra)
            .output()
            .expect("run haproxy (Debian package haproxy; tests/run.sh installs it)");
        assert!(
            check.status.success(),
            "haproxy -c refused the README's configuration: {}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
        let child = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&main)
            .arg("-f")
            .arg(&extra)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start haproxy");
        let h = Haproxy {
            _child: child,
            port,
            socket,
        };
        h.until(|s| s == ["UP", "UP"], "both replicas up").await;
        h
    }

    /// Each server's status as HAProxy sees it (`UP`, `DOWN`, `UP 1/2`…): a then b.
    pub async fn statuses(&self) -> Option<Vec<String>> {
        let mut s = tokio::net::UnixStream::connect(&self.socket).await.ok()?;
        s.write_all(b"show stat\n").await.ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).await.ok()?;
        let mut lines = out.lines();
        let header: Vec<&str> = lines.next()?.trim_start_matches("# ").split(',').collect();
        let col = |name: &str| header.iter().position(|h| *h == name);
        let (px, sv, st) = (col("pxname")?, col("svname")?, col("status")?);
        let mut got = Vec::new();
        for l in lines {
            let f: Vec<&str> = l.split(',').collect();
            if f.get(px) == Some(&"tokentab") && matches!(f.get(sv), Some(&"a") | Some(&"b")) {
                got.push(f.get(st)?.to_string());
            }
        }
        Some(got)
    }

    /// Waits until the statuses satisfy `ok` (bounded: 2 minutes); the time it took.
    pub async fn until(&self, ok: impl Fn(&[String]) -> bool, what: &str) -> Duration {
        let start = Instant::now();
        let mut last = None;
        while start.elapsed() < Duration::from_secs(120) {
            last = self.statuses().await;
            if last.as_deref().is_some_and(&ok) {
                return start.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("HAProxy: not {what} within 2 minutes; last statuses {last:?}");
    }
}
