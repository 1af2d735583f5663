//! The connection cap against the process's open-file limit: each connection is a file
//! descriptor, so a cap above the limit would turn into failing accepts (EMFILE) instead.

/// Descriptors kept for everything that is not a client connection: the database and its
/// WAL files, readers, PostgreSQL connections, the listener, logs, certificate reloads.
const RESERVED_FDS: u64 = 64;

/// Raises the soft open-file limit towards the hard one as far as `wanted` connections need,
/// and returns how many connections fit under it (at most `wanted`, at least 1).
#[cfg(unix)]
pub fn connections_within_fd_limit(wanted: usize) -> usize {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let need = (wanted as u64).saturating_add(RESERVED_FDS);
    let mut limit = getrlimit(Resource::Nofile);
    if let Some(soft) = limit.current {
        if soft < need {
            let raised = limit.maximum.map_or(need, |hard| hard.min(need));
            if raised > soft {
                limit.current = Some(raised);
                if setrlimit(Resource::Nofile, limit).is_err() {
                    limit.current = Some(soft);
                }
            }
        }
    }
    match limit.current {
        Some(soft) if soft < need => {
            let fits = usize::try_from(soft.saturating_sub(RESERVED_FDS))
                .unwrap_or(usize::MAX)
                .max(1);
            tracing::warn!(
                wanted,
                fits,
                open_file_limit = soft,
                "--max-connections lowered to what the open-file limit allows (raise it with \
                 `ulimit -n` or LimitNOFILE=)"
            );
            fits
        }
        _ => wanted,
    }
}

#[cfg(not(unix))]
pub fn connections_within_fd_limit(wanted: usize) -> usize {
    wanted
}
