//! Debian's nginx run from the README's `nginx` block (placeholders replaced), wrapped in the
//! few lines a whole nginx.conf needs, in the foreground as a child of the test (killed on drop).

use std::path::Path;

use tokio::process::{Child, Command};

use super::haproxy::{Certs, free_port, readme_block, substitute};

pub struct Nginx {
    _child: Child,
    pub port: u16,
}

impl Nginx {
    pub async fn start(dir: &Path, certs: &Certs, replicas: [u16; 2]) -> Nginx {
        let port = free_port();
        let mut block = readme_block("```nginx\n");
        for (from, to) in [
            ("listen 443 ssl", format!("listen 127.0.0.1:{port} ssl")),
            ("/etc/nginx/tokentab.pem", certs.cert.display().to_string()),
            ("/etc/nginx/tokentab.key", certs.key.display().to_string()),
            ("/etc/tokentab/ca.pem", certs.ca.display().to_string()),
            ("10.0.0.11:8082", format!("127.0.0.1:{}", replicas[0])),
            ("10.0.0.12:8082", format!("127.0.0.1:{}", replicas[1])),
        ] {
            block = substitute(&block, from, &to);
        }
        let d = dir.join("nginx");
        std::fs::create_dir_all(&d).unwrap();
        let d = d.display();
        // What the README's block leaves to the distribution's nginx.conf, kept in the test's
        // directory (workers as root: the temp dir is the test's, mode 0700).
        let conf = format!(
            "user root;\npid {d}/nginx.pid;\nevents {{}}\nhttp {{\n    access_log off;\n    \
             client_body_temp_path {d}/body;\n    proxy_temp_path {d}/proxy;\n    \
             fastcgi_temp_path {d}/fastcgi;\n    uwsgi_temp_path {d}/uwsgi;\n    \
             scgi_temp_path {d}/scgi;\n{block}}}\n"
        );
        let path = dir.join("nginx.conf");
        std::fs::write(&path, conf).unwrap();
        let args = |test: bool| {
            let mut a = vec!["-e".to_owned(), format!("{d}/error.log"), "-c".to_owned()];
            a.push(path.display().to_string());
            // One process: killing it on drop leaves no worker behind.
            a.extend([
                "-g".to_owned(),
                "daemon off; master_process off;".to_owned(),
            ]);
            if test {
                a.push("-t".to_owned());
            }
            a
        };
        let check = std::process::Command::new("nginx")
            .args(args(true))
            .output()
            .expect("run nginx (Debian package nginx; tests/run.sh installs it)");
        assert!(
            check.status.success(),
            "nginx -t refused the README's configuration: {}",
            String::from_utf8_lossy(&check.stderr)
        );
        let child = Command::new("nginx")
            .args(args(false))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start nginx");
        // Up once it accepts connections.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(std::time::Instant::now() < deadline, "nginx did not listen");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Nginx {
            _child: child,
            port,
        }
    }
}
