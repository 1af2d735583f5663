//! `tokentab serve` on the network: plain HTTP on a non-loopback address is refused (exit 2)
//! unless asked for with a warning; HTTPS with a certificate from a private CA (made here with
//! rcgen) is answered by the API client and by `tokentab tokens list --cacert`, not by a plain
//! HTTP client; SIGHUP swaps the certificate.

mod connections;

use crate::common::service::child as serve_child;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use secrecy::SecretString;
use tokentab::api::{ApiError, Client, ClientOptions, TokenQuery};

/// PEM files of a private CA and a leaf it signed for 127.0.0.1 and localhost.
struct Certs {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

fn make_certs(dir: &Path, tag: &str) -> Certs {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, format!("tokentab test CA {tag}"));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().expect("ca key");
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca cert");
    let issuer = Issuer::new(ca_params, ca_key);

    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("leaf params");
    leaf.distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).expect("leaf cert");

    let certs = Certs {
        ca: dir.join(format!("ca-{tag}.pem")),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    };
    std::fs::write(&certs.ca, ca_cert.pem()).expect("write ca");
    std::fs::write(&certs.cert, leaf_cert.pem()).expect("write cert");
    std::fs::write(&certs.key, leaf_key.serialize_pem()).expect("write key");
    certs
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn client(url: &str, token: &str, cacert: Option<&Path>) -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let opts = ClientOptions {
        cacert_pem: cacert.map(|p| std::fs::read(p).expect("read ca")),
        max_retries: 0,
        ..Default::default()
    };
    Client::new(url, SecretString::from(token.to_owned()), opts).expect("client")
}

fn admin_token(data: &Path) -> String {
    std::fs::read_to_string(data.join("admin.token"))
        .expect("admin.token")
        .trim()
        .to_owned()
}

#[tokio::test]
async fn plain_http_on_a_network_address_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for listen in ["0.0.0.0:0", "[::]:0"] {
        let out =
            serve_child::refused(&["--listen", listen, "--data-dir", data.to_str().unwrap()]).await;
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{listen}: {err}");
        assert!(
            err.contains("refusing to serve plain HTTP")
                && err.contains("--tls-cert FILE --tls-key FILE")
                && err.contains("--plain-http-on-network"),
            "{listen}: {err}"
        );
        assert!(text(&out.stdout).is_empty(), "nothing listened");
    }
    assert!(!data.exists(), "refused before touching the data dir");
}

#[tokio::test]
async fn plain_http_on_network_when_asked_warns_once_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut s = serve_child::start(
        &[
            "--listen",
            "0.0.0.0:0",
            "--plain-http-on-network",
            "--no-seed",
            "--data-dir",
            data.to_str().unwrap(),
        ],
        None,
    )
    .await;
    assert!(s.url.starts_with("http://0.0.0.0:"), "{}", s.url);
    let warning = s.stderr_line_with("tokentab serve: warning").await;
    assert!(
        warning.contains("plain HTTP") && warning.contains("clear text"),
        "{warning}"
    );
    let url = format!("http://127.0.0.1:{}", s.port());
    let me = client(&url, &admin_token(&data), None)
        .get_me()
        .await
        .expect("serves plain HTTP");
    assert!(me.description.unwrap_or_default().contains("admin"));
    s.stop().await;
}

#[tokio::test]
async fn https_serve_answers_our_client_and_tokens_list_with_cacert() {
    let dir = tempfile::tempdir().unwrap();
    let certs = make_certs(dir.path(), "one");
    let data = dir.path().join("data");
    // A network address is fine with TLS.
    let mut s = serve_child::start(
        &[
            "--listen",
            "0.0.0.0:0",
            "--tls-cert",
            certs.cert.to_str().unwrap(),
            "--tls-key",
            certs.key.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
        None,
    )
    .await;
    assert!(s.url.starts_with("https://0.0.0.0:"), "{}", s.url);
    let url = format!("https://127.0.0.1:{}", s.port());
    let admin = admin_token(&data);

    // The tab's API client: trusted with the CA, refused without it.
    let q = TokenQuery::default();
    let page = client(&url, &admin, Some(&certs.ca))
        .list_tokens_page(&q, None, None)
        .await
        .expect("HTTPS list with --cacert");
    assert!(
        !page.tokens.is_empty(),
        "the demo tokens and the admin token"
    );
    let err = client(&url, &admin, None)
        .list_tokens_page(&q, None, None)
        .await
        .expect_err("a private CA is not trusted by default");
    assert!(matches!(err, ApiError::Network { .. }), "{err:?}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );

    // The real binary, token through the environment.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_tokentab"))
        .args(["tokens", "list", "--json", "--url", &url, "--cacert"])
        .arg(&certs.ca)
        .env("TOKENTAB_TOKEN", &admin)
        .env_remove("TOKENTAB_URL")
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("JFROG_CLI_HOME_DIR", dir.path().join("jfrog"))
        .output()
        .await
        .expect("run tokens list");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("tokentab admin token"),
        "{}",
        text(&out.stdout)
    );

    // A plain HTTP client to the TLS port fails cleanly, and the server goes on.
    let plain = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let r = plain
        .get(format!(
            "http://127.0.0.1:{}/access/api/v1/system/ping",
            s.port()
        ))
        .send()
        .await;
    match r {
        Err(e) => assert!(!e.is_timeout(), "refused at once, not hung: {e}"),
        Ok(resp) => assert!(
            !resp.status().is_success(),
            "plain HTTP got {}",
            resp.status()
        ),
    }
    client(&url, &admin, Some(&certs.ca))
        .get_me()
        .await
        .expect("still serving HTTPS");

    // The audit trail records the client's address over TLS too.
    let tls = client(&url, &admin, Some(&certs.ca));
    let made = tls
        .create_token(&tokentab::model::wire::CreateTokenRequest {
            description: Some("over tls".into()),
            ..Default::default()
        })
        .await
        .expect("create over HTTPS");
    let rows = tls
        .list_audit(&tokentab::api::audit::AuditQuery {
            token_id: Some(made.meta.token_id.clone()),
            ..Default::default()
        })
        .await
        .expect("audit over HTTPS");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].action, "create");
    let source = rows[0].source.as_deref().unwrap_or_default();
    assert!(source.starts_with("127.0.0.1:"), "{source:?}");

    // SIGHUP: a certificate from another CA replaces the first for new connections.
    let second = make_certs(dir.path(), "two");
    s.signal("HUP");
    s.stderr_line_with("reloaded the TLS certificate").await;
    client(&url, &admin, Some(&second.ca))
        .get_me()
        .await
        .expect("the new certificate is served after SIGHUP");
    let err = client(&url, &admin, Some(&certs.ca))
        .get_me()
        .await
        .expect_err("the old CA no longer matches");
    assert!(matches!(err, ApiError::Network { .. }), "{err:?}");
    s.stop().await;
}

#[tokio::test]
async fn unreadable_certificate_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    for (cert, key) in [(&missing, &garbage), (&garbage, &garbage)] {
        let out = serve_child::refused(&[
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--data-dir",
            dir.path().join("data").to_str().unwrap(),
        ])
        .await;
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(cert.to_str().unwrap()),
            "names the file: {err}"
        );
    }
}

#[test]
fn serve_help_lists_only_the_flags_serve_uses() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tokentab"))
        .args(["serve", "--help"])
        .output()
        .expect("run tokentab serve --help");
    assert!(out.status.success());
    let help = text(&out.stdout);
    for used in [
        "--listen",
        "--db",
        "--data-dir",
        "--no-seed",
        "--max-expiry",
        "--tls-cert",
        "--tls-key",
        "--plain-http-on-network",
        "--rotate-admin-token",
        "--audit-retention",
        "--refresh-grace",
        "--log-format",
    ] {
        assert!(help.contains(used), "{used} missing:\n{help}");
    }
    for client_only in [
        "--url",
        "--token-file",
        "--profile",
        "--server-id",
        "--cacert",
        "--insecure",
        "--readonly",
        "--no-color",
        "--clipboard",
    ] {
        assert!(!help.contains(client_only), "{client_only} listed:\n{help}");
    }
    // And a client flag given to serve is an error, not silently ignored.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tokentab"))
        .args(["serve", "--readonly"])
        .output()
        .expect("run tokentab serve --readonly");
    assert_eq!(out.status.code(), Some(2));
}

/// `--db postgres://…` is a database URL, never a file name (it once made a `postgres:`
/// directory): a server that cannot be reached is named with the cause (exit 1, nothing
/// listens), and a URL carrying a password is refused for that reason first (exit 2).
#[tokio::test]
async fn a_postgres_url_is_a_database_never_a_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let out = serve_child::refused(&[
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data_arg,
        "--db",
        "postgres://tokentab@127.0.0.1:1/tokentab",
    ])
    .await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot reach PostgreSQL at postgres://tokentab@127.0.0.1:1/tokentab")
            && err.contains("Connection refused"),
        "{err}"
    );
    assert!(text(&out.stdout).is_empty(), "nothing listened");
    let stray = |d: &std::path::Path| {
        std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("postgres"))
    };
    assert!(
        !stray(&data) && !stray(dir.path()),
        "no postgres: file or dir"
    );
    let data = dir.path().join("data2");
    let data_arg = data.to_str().unwrap();

    let out = serve_child::refused(&[
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data_arg,
        "--db",
        "postgres://tokentab:hunter2@127.0.0.1:1/tokentab",
    ])
    .await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("password"), "{err}");
    assert!(
        !err.contains("hunter2"),
        "the password is not echoed: {err}"
    );
    assert!(!data.exists(), "refused before touching the data dir");
}

/// The README's `tokentab serve …` line, run as written (every optional flag given, with its
/// shown value), on a free port and in a temp dir: it starts and stops cleanly.
#[tokio::test]
async fn the_readme_serve_line_runs_as_written() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("`tokentab serve --listen 127.0.0.1:8082")
        .expect("the README's serve line");
    let line = &readme[start + 1..];
    let line = &line[..line.find('`').unwrap()];
    let words: Vec<String> = line
        .replace(['[', ']'], " ")
        .split_whitespace()
        .skip(2)
        .map(str::to_owned)
        .collect();
    assert!(words.iter().any(|w| w.starts_with("--refusal")), "{line}");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = dir.path().join("tokens.db");
    let mut args: Vec<String> = Vec::new();
    let mut it = words.iter();
    while let Some(w) = it.next() {
        args.push(w.clone());
        // The README's port may be taken here, and its db path is relative.
        match w.as_str() {
            "--listen" => {
                it.next();
                args.push("127.0.0.1:0".into());
            }
            "--db" => {
                it.next();
                args.push(db.to_str().unwrap().into());
            }
            _ => {}
        }
    }
    args.extend(["--data-dir".into(), data.to_str().unwrap().into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let child = serve_child::start(&args, None).await;
    assert!(child.url.starts_with("http://127.0.0.1:"), "{}", child.url);
    child.stop().await;
}
