//! TLS: a server whose certificate comes from a private CA is refused by default, accepted with
//! that CA added (`cacert_pem`), and accepted without verification with `insecure`.
//! Certificates are made with the `openssl` command; the test fails loudly when it is missing.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use secrecy::SecretString;
use tokentab::api::{ApiError, Client, ClientOptions};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the `openssl` command is needed by this test (apt-get install openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, and a leaf for 127.0.0.1 signed by it. Returns (ca.pem, leaf.pem, leaf.key).
fn make_certs(dir: &Path) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=tokentab test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    std::fs::write(
        dir.join("ext.cnf"),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .expect("write ext");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
    );
    let read = |f: &str| std::fs::read(dir.join(f)).expect("read pem");
    (read("ca.pem"), read("leaf.pem"), read("leaf.key"))
}

/// A blocking TLS server answering every request with an empty token list.
fn start_tls_server(cert_pem: &[u8], key_pem: &[u8]) -> String {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .expect("certs");
    let key = PrivateKeyDer::from_pem_slice(key_pem).expect("key");
    let config = Arc::new(
        rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("server config"),
    );
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("https://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for sock in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, sock);
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let body = br#"{"tokens":[]}"#;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n",
                    body.len()
                );
                let _ = tls.write_all(head.as_bytes());
                let _ = tls.write_all(body);
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    url
}

fn client(url: &str, opts: ClientOptions) -> Client {
    Client::new(url, SecretString::from("t".to_owned()), opts).expect("client")
}

#[tokio::test]
async fn private_ca_refused_by_default_accepted_with_cacert_or_insecure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ca, leaf, key) = make_certs(dir.path());
    let url = start_tls_server(&leaf, &key);
    let q = tokentab::api::TokenQuery::default();

    let err = client(&url, ClientOptions::default())
        .list_tokens_page(&q, None, None)
        .await
        .expect_err("unknown CA");
    assert!(matches!(err, ApiError::Network { .. }), "{err:?}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "the message names the certificate problem: {err}"
    );

    let with_ca = ClientOptions {
        cacert_pem: Some(ca),
        ..Default::default()
    };
    let list = client(&url, with_ca)
        .list_tokens_page(&q, None, None)
        .await
        .expect("trusted through --cacert");
    assert!(list.tokens.is_empty());

    let insecure = ClientOptions {
        insecure: true,
        ..Default::default()
    };
    client(&url, insecure)
        .list_tokens_page(&q, None, None)
        .await
        .expect("unverified with --insecure");
}
