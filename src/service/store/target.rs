//! What `--db` / `TOKENTAB_DB` names: a SQLite file, or a PostgreSQL URL
//! `postgres://user@host:port/db?sslmode=…` whose password never travels in the URL.
//!
//! URL parameters: `sslmode` = `disable | require | verify-full` (default: `disable` on
//! loopback or a Unix socket, `verify-full` anywhere else), `sslrootcert` = a PEM file of CA
//! certificates (default: the system's), `password_file` = a file holding the password, and
//! `schema` = the schema to keep our tables in (created if missing; default `public`).
//! The password comes from `password_file`, else `PGPASSWORD`, else the pgpass file
//! (`PGPASSFILE` or `~/.pgpass`), else none (trust or peer authentication).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::service::error::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbTarget {
    Sqlite(PathBuf),
    Postgres(PgTarget),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    /// Encrypted, server certificate not verified.
    Require,
    /// Encrypted, certificate chain and host name verified.
    VerifyFull,
}

/// A PostgreSQL server and database; holds no password (see the module docs).
#[derive(Clone, PartialEq, Eq)]
pub struct PgTarget {
    pub user: String,
    /// A host name, an IP address, or a Unix socket directory (starts with `/`).
    pub host: String,
    pub port: u16,
    pub dbname: String,
    pub sslmode: SslMode,
    pub sslrootcert: Option<PathBuf>,
    pub password_file: Option<PathBuf>,
    pub schema: Option<String>,
}

impl fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for PgTarget {
    /// The URL as given, for logs: it carries no secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        write!(
            f,
            "postgres://{}@{}:{}/{}",
            self.user, host, self.port, self.dbname
        )?;
        if let Some(s) = &self.schema {
            write!(f, "?schema={s}")?;
        }
        Ok(())
    }
}

fn bad(msg: impl Into<String>) -> StoreError {
    StoreError::Config(msg.into())
}

fn percent_decode(s: &str, what: &str) -> Result<String, StoreError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| bad(format!("--db: bad %-escape in the {what}")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad(format!("--db: the {what} is not UTF-8")))
}

fn is_loopback(host: &str) -> bool {
    host.starts_with('/')
        || host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl DbTarget {
    /// Reads `--db`. A `postgres://` or `postgresql://` URL is PostgreSQL; any other
    /// `scheme://` is refused (never taken as a file name); the rest is a SQLite file.
    pub fn parse(given: &Path) -> Result<DbTarget, StoreError> {
        let Some(text) = given.to_str() else {
            return Ok(DbTarget::Sqlite(given.to_owned()));
        };
        let rest = text
            .strip_prefix("postgres://")
            .or_else(|| text.strip_prefix("postgresql://"));
        match rest {
            Some(rest) => PgTarget::parse_rest(rest).map(DbTarget::Postgres),
            None if text.contains("://") => {
                let scheme = text.split("://").next().unwrap_or_default();
                Err(bad(format!(
                    "--db: \"{}://…\" is not a database this service can use: give a SQLite file \
                     path or a postgres://user@host:port/db URL",
                    crate::model::sanitize::sanitize_line(scheme)
                )))
            }
            None => Ok(DbTarget::Sqlite(given.to_owned())),
        }
    }
}

impl PgTarget {
    fn parse_rest(rest: &str) -> Result<PgTarget, StoreError> {
        let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = main.split_once('/').unwrap_or((main, ""));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        if userinfo.is_some_and(|u| u.contains(':')) {
            // Never echo the URL: it holds the password.
            return Err(bad(
                "--db: the URL carries a password, which would show in `ps` and shell history: \
                 remove it and use PGPASSWORD, a pgpass file (~/.pgpass or PGPASSFILE) or \
                 ?password_file=PATH",
            ));
        }
        let user = match userinfo.filter(|u| !u.is_empty()) {
            Some(u) => percent_decode(u, "user name")?,
            None => std::env::var("PGUSER")
                .or_else(|_| std::env::var("USER"))
                .map_err(|_| bad("--db: name the user: postgres://USER@host/db"))?,
        };
        let (host, port) = split_host_port(hostport)?;
        let dbname = match path {
            "" => user.clone(),
            p => percent_decode(p, "database name")?,
        };
        let mut target = PgTarget {
            sslmode: if is_loopback(&host) {
                SslMode::Disable
            } else {
                SslMode::VerifyFull
            },
            user,
            host,
            port,
            dbname,
            sslrootcert: None,
            password_file: None,
            schema: None,
        };
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match &*key {
                "sslmode" => {
                    target.sslmode = match &*value {
                        "disable" => SslMode::Disable,
                        "require" => SslMode::Require,
                        "verify-full" => SslMode::VerifyFull,
                        _ => {
                            return Err(bad(
                                "--db: sslmode must be disable, require or verify-full",
                            ));
                        }
                    }
                }
                "sslrootcert" => target.sslrootcert = Some(PathBuf::from(&*value)),
                "password_file" => target.password_file = Some(PathBuf::from(&*value)),
                "schema" => {
                    let ok = !value.is_empty()
                        && value.len() <= 63
                        && value
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
                    if !ok {
                        return Err(bad(
                            "--db: schema must be 1 to 63 of a-z, 0-9 and _ characters",
                        ));
                    }
                    target.schema = Some(value.into_owned());
                }
                "password" => {
                    return Err(bad(
                        "--db: the URL carries a password, which would show in `ps` and shell \
                         history: remove it and use PGPASSWORD, a pgpass file or \
                         ?password_file=PATH",
                    ));
                }
                other => {
                    return Err(bad(format!(
                        "--db: unknown URL parameter \"{}\" (known: sslmode, sslrootcert, \
                         password_file, schema)",
                        crate::model::sanitize::sanitize_line(other)
                    )));
                }
            }
        }
        Ok(target)
    }

    /// The password from `password_file`, `PGPASSWORD` or the pgpass file, if any.
    pub fn password(&self) -> Result<Option<zeroize::Zeroizing<String>>, StoreError> {
        if let Some(file) = &self.password_file {
            let text = std::fs::read_to_string(file).map_err(|source| StoreError::Io {
                path: file.display().to_string(),
                source,
            })?;
            let text = zeroize::Zeroizing::new(text);
            return Ok(Some(zeroize::Zeroizing::new(
                text.trim_end_matches(['\n', '\r']).to_owned(),
            )));
        }
        if let Ok(p) = std::env::var("PGPASSWORD") {
            return Ok(Some(zeroize::Zeroizing::new(p)));
        }
        let file = std::env::var_os("PGPASSFILE")
            .map(PathBuf::from)
            .or_else(|| dirs::home_dir().map(|h| h.join(".pgpass")));
        let Some(text) = file.and_then(|f| std::fs::read_to_string(f).ok()) else {
            return Ok(None);
        };
        let text = zeroize::Zeroizing::new(text);
        Ok(pgpass_lookup(&text, self).map(zeroize::Zeroizing::new))
    }
}

fn split_host_port(hostport: &str) -> Result<(String, u16), StoreError> {
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or_else(|| bad("--db: unclosed [ in the host"))?;
        (h.to_owned(), after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (percent_decode(h, "host")?, Some(p)),
            None => (percent_decode(hostport, "host")?, None),
        }
    };
    let host = if host.is_empty() {
        "localhost".to_owned()
    } else {
        host
    };
    let port = match port {
        None | Some("") => 5432,
        Some(p) => p
            .parse()
            .map_err(|_| bad("--db: the port must be a number from 1 to 65535"))?,
    };
    Ok((host, port))
}

/// `hostname:port:database:username:password` lines; `*` matches anything, `\` escapes.
fn pgpass_lookup(text: &str, t: &PgTarget) -> Option<String> {
    let port = t.port.to_string();
    let wanted = [
        t.host.as_str(),
        port.as_str(),
        t.dbname.as_str(),
        t.user.as_str(),
    ];
    for line in text.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let fields = split_pgpass(line);
        if fields.len() != 5 {
            continue;
        }
        let matches = fields[..4]
            .iter()
            .zip(wanted)
            .all(|(f, w)| f == "*" || f == w || (f == "localhost" && is_loopback(w)));
        if matches {
            return Some(fields[4].clone());
        }
    }
    None
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => field.extend(chars.next()),
            ':' => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(url: &str) -> PgTarget {
        match DbTarget::parse(Path::new(url)).unwrap() {
            DbTarget::Postgres(t) => t,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn paths_stay_sqlite_and_urls_become_postgres() {
        assert_eq!(
            DbTarget::parse(Path::new("data/t.db")).unwrap(),
            DbTarget::Sqlite("data/t.db".into())
        );
        let t = pg("postgres://svc@db.example:6543/tokens?sslmode=require&schema=tt_1");
        assert_eq!(
            (t.user.as_str(), t.host.as_str(), t.port, t.dbname.as_str()),
            ("svc", "db.example", 6543, "tokens")
        );
        assert_eq!(t.sslmode, SslMode::Require);
        assert_eq!(t.schema.as_deref(), Some("tt_1"));
        let t = pg("postgresql://svc@[::1]/x");
        assert_eq!((t.host.as_str(), t.port), ("::1", 5432));
        assert_eq!(t.sslmode, SslMode::Disable, "loopback defaults to no TLS");
        assert_eq!(pg("postgres://a@remote/x").sslmode, SslMode::VerifyFull);
        let t = pg("postgres://a@%2Fvar%2Frun%2Fpostgresql/x");
        assert_eq!(t.host, "/var/run/postgresql");
    }

    #[test]
    fn a_password_in_the_url_is_refused_without_echoing_it() {
        for url in [
            "postgres://svc:hunter2@db/x",
            "postgres://svc@db/x?password=hunter2",
        ] {
            let e = DbTarget::parse(Path::new(url)).unwrap_err().to_string();
            assert!(
                e.contains("PGPASSWORD") && e.contains("password_file"),
                "{e}"
            );
            assert!(!e.contains("hunter2"), "{e}");
        }
    }

    #[test]
    fn other_schemes_and_bad_parameters_are_refused() {
        for url in [
            "mysql://a@b/c",
            "postgres://a@b/c?sslmode=prefer",
            "postgres://a@b:99999/c",
            "postgres://a@b/c?x=1",
            "postgres://a@b/c?schema=Bad-Name",
        ] {
            assert!(DbTarget::parse(Path::new(url)).is_err(), "{url}");
        }
    }

    #[test]
    fn pgpass_lines_match_with_wildcards_and_escapes() {
        let t = pg("postgres://svc@127.0.0.1:5433/tokens");
        let file = "# comment\nother:5433:tokens:svc:no\nlocalhost:*:tokens:svc:pa\\:ss\n";
        assert_eq!(pgpass_lookup(file, &t).as_deref(), Some("pa:ss"));
        assert_eq!(pgpass_lookup("*:*:*:bob:x\n", &t), None);
    }
}
