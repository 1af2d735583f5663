#!/usr/bin/env bash
# A throwaway PostgreSQL role and database for one test run.
#
#   eval "$(bash tests/pg-setup.sh)"     # or:  source tests/pg-setup.sh
#
# Installs Debian's `postgresql` when missing (apt-get; sudo when not root), starts the first
# cluster (`pg_ctlcluster <ver> <name> start`), creates role + database `tokentab_t_<random>`
# (CREATEDB, so a test may make its own databases) with a random password, and exports
#   TOKENTAB_TEST_PG=postgres://<role>@127.0.0.1:<port>/<db>
#   PGPASSWORD=<password>               (the URL never carries it)
# Progress goes to stderr; stdout carries only the `export` lines (for eval).
# Drop everything later with: tests/pg-setup.sh --drop <role>   (the role owns the database)

log() { printf 'pg-setup: %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# psql as the `postgres` superuser over the local socket (peer authentication).
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    elif [ "$(id -un)" = postgres ]; then
        "$@"
    else
        sudo -u postgres "$@"
    fi
}

ensure_installed() {
    if command -v pg_lsclusters >/dev/null 2>&1 && [ -n "$(pg_lsclusters -h 2>/dev/null)" ]; then
        return
    fi
    log "installing Debian's postgresql (apt-get install -y postgresql)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 \
        || { as_root apt-get update -q >&2 && as_root env DEBIAN_FRONTEND=noninteractive \
                 apt-get install -y -q postgresql >&2; }
}

# "<version> <cluster> <port> <status>" of the first cluster.
first_cluster() {
    pg_lsclusters -h | awk 'NR == 1 { print $1, $2, $3, $4 }'
}

ensure_running() {
    local ver name port status
    read -r ver name port status <<<"$(first_cluster)"
    if [ -z "${ver:-}" ]; then
        log "no PostgreSQL cluster found after installing: create one with pg_createcluster"
        return 1
    fi
    if [ "$status" != online ]; then
        log "starting cluster $ver/$name (pg_ctlcluster $ver $name start)"
        as_root pg_ctlcluster "$ver" "$name" start >&2
    fi
    local i
    for i in $(seq 1 100); do
        if pg_isready -q -h 127.0.0.1 -p "$port"; then
            PG_PORT=$port
            return 0
        fi
        sleep 0.1
    done
    log "PostgreSQL $ver/$name did not accept connections on 127.0.0.1:$port within 10 s"
    return 1
}

drop_run() {
    local role=$1
    case $role in tokentab_t_*) ;; *) log "refusing to drop $role (not a test role)"; return 1 ;; esac
    as_postgres psql -q -v ON_ERROR_STOP=1 -d postgres \
        -c "DROP DATABASE IF EXISTS \"$role\" WITH (FORCE)" \
        -c "DROP ROLE IF EXISTS \"$role\"" >&2
    log "dropped $role"
}

main() {
    if [ "${1:-}" = --drop ]; then
        drop_run "${2:?usage: pg-setup.sh --drop ROLE}"
        return
    fi
    ensure_installed
    ensure_running
    local suffix password role
    suffix=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
    password=$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')
    role="tokentab_t_$suffix"
    as_postgres psql -q -v ON_ERROR_STOP=1 -d postgres >&2 <<SQL
CREATE ROLE "$role" LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE "$role" OWNER "$role";
SQL
    log "database $role on 127.0.0.1:$PG_PORT (drop it: bash tests/pg-setup.sh --drop $role)"
    TOKENTAB_TEST_PG="postgres://$role@127.0.0.1:$PG_PORT/$role"
    PGPASSWORD=$password
    export TOKENTAB_TEST_PG PGPASSWORD
    printf 'export TOKENTAB_TEST_PG=%q\nexport PGPASSWORD=%q\n' "$TOKENTAB_TEST_PG" "$PGPASSWORD"
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # Sourced: run in a subshell (its `set -e` cannot end or change the caller's shell), then
    # export here.
    # (Not `$(…) && eval`: inside an && list bash ignores `set -e`.)
    __tokentab_pg_env=$( (set -euo pipefail; main "$@") )
    __tokentab_pg_rc=$?
    [ "$__tokentab_pg_rc" -eq 0 ] && eval "$__tokentab_pg_env"
    unset __tokentab_pg_env
    return "$__tokentab_pg_rc"
else
    set -euo pipefail
    main "$@"
fi
