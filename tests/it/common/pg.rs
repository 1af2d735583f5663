//! A real PostgreSQL for tests: `TOKENTAB_TEST_PG` (+ `PGPASSWORD`) from `tests/pg-setup.sh`.
//! Without it the tests fail with the line that fixes it; they never pass silently.
//! `common::pg`, shared by the service harness and the store tests.

use std::path::Path;

use tokentab::service::store::target::{DbTarget, PgTarget};

pub const FIX: &str = "PostgreSQL tests need a server: run  eval \"$(bash tests/pg-setup.sh)\"  \
                       (installs Debian's postgresql if missing, starts it, exports \
                       TOKENTAB_TEST_PG and PGPASSWORD), then run the tests again";

/// The run's database URL; panics with [`FIX`] when it is not set.
pub fn url() -> String {
    match std::env::var("TOKENTAB_TEST_PG") {
        Ok(u) if !u.trim().is_empty() => u,
        _ => panic!("TOKENTAB_TEST_PG is not set. {FIX}"),
    }
}

fn unique_name(prefix: &str) -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).expect("random");
    format!("{prefix}_{}", hex::encode(bytes))
}

/// A fresh schema of the run's database, for one test.
pub fn fresh_schema_url() -> String {
    let base = url();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}schema={}", unique_name("t"))
}

pub fn target(url: &str) -> PgTarget {
    match DbTarget::parse(Path::new(url)) {
        Ok(DbTarget::Postgres(t)) => t,
        other => panic!("TOKENTAB_TEST_PG is not a postgres:// URL ({other:?}). {FIX}"),
    }
}

/// A direct connection to the test database, with `search_path` set to the URL's `schema`.
pub async fn connect(db_url: &str) -> tokio_postgres::Client {
    let t = target(db_url);
    let mut cfg = tokio_postgres::Config::new();
    cfg.host(&t.host)
        .port(t.port)
        .user(&t.user)
        .dbname(&t.dbname);
    if let Ok(p) = std::env::var("PGPASSWORD") {
        cfg.password(p);
    }
    if let Some(s) = &t.schema {
        cfg.options(format!("-c search_path={s}"));
    }
    let (client, conn) = cfg
        .connect(tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect to {t}: {e}. {}", FIX));
    tokio::spawn(conn);
    client
}
