#!/usr/bin/env bash
# The one test command: installs the system tools the tests need, then runs what CI runs
# (rustfmt check, clippy with warnings as errors, the whole suite with the locked Cargo.lock).
#
#   bash tests/run.sh                  # everything
#   bash tests/run.sh --test it e2e_paths  # extra arguments go to `cargo test`
#
# Needs the Rust toolchain; the tools are installed with apt-get (sudo when not root). On a
# system without apt-get it prints the packages to install and stops. `.ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/.."

# The system tools the tests use, one per line: "<command to look for> <Debian package>".
TOOLS=(
  "tmux tmux"           # the real binary in a terminal (e2e_*, no_leak, clipboard_tmux)
  "jq jq"               # the README's scripting example (cli_parity, readme_examples)
  "curl curl"           # the README's day-one walkthrough reads devices with it (readme_day_one)
  "setsid util-linux"   # README examples run without a controlling terminal (readme_examples)
  "Xvfb xvfb"           # a real X server for the native clipboard (clipboard_x11, e2e_paths)
  "xclip xclip"         # reads and writes that clipboard as another program would
  "script bsdutils"     # a pseudo-terminal (config_prompt, clipboard_tmux)
  "openssl openssl"     # test certificates (api_tls)
  "cc build-essential"  # C compiler for the bundled SQLite and ring
  "pg_lsclusters postgresql"  # a real PostgreSQL server (store_conformance, store_pg_*, service_operator, service_at_rest)
  "python3 python3-venv"  # Yelp's detect-secrets with the shipped plugin (scan_scanners; issue 20)
  "haproxy haproxy"     # the README's load balancer configuration, run (serve_balancer)
  "nginx nginx"         # the README's nginx configuration, run (serve_balancer)
)

# A tool that needs a step after its install (start a server, make a user…) gets a function
# named setup_<package>, run on every invocation.

# Starts the cluster, makes a throwaway role + database for this run and exports
# TOKENTAB_TEST_PG and PGPASSWORD for `cargo test` (tests/pg-setup.sh); dropped on exit.
setup_postgresql() {
  local env
  env=$(bash tests/pg-setup.sh)
  eval "$env"
  PG_TEST_ROLE=${TOKENTAB_TEST_PG##*/}
  trap 'bash tests/pg-setup.sh --drop "$PG_TEST_ROLE" || true' EXIT
}

# Yelp's detect-secrets (PyPI) in a venv under target/, for the shipped plugin's test
# (tests/it/scan_scanners.rs); made once.
setup_python3_venv() {
  local venv=target/detect-secrets-venv
  [ -x "$venv/bin/detect-secrets" ] && return 0
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "detect-secrets==1.5.0"
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "tests/run.sh: need root or sudo to run: $*" >&2
    exit 1
  fi
}

install_tools() {
  local missing=() entry cmd pkg
  for entry in "${TOOLS[@]}"; do
    read -r cmd pkg <<<"$entry"
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "tests/run.sh: no apt-get here. Install these (Debian package names; yours may differ):" >&2
    printf '  %s\n' "${missing[@]}" >&2
    exit 1
  fi
  echo "== installing: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

setup_tools() {
  local entry cmd pkg
  for entry in "${TOOLS[@]}"; do
    read -r cmd pkg <<<"$entry"
    if declare -F "setup_${pkg//-/_}" >/dev/null; then
      echo "== setting up $pkg"
      "setup_${pkg//-/_}"
    fi
  done
}

rust_components() {
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    command -v rustup >/dev/null 2>&1 || {
      echo "tests/run.sh: cargo fmt / cargo clippy missing and no rustup to add them" >&2
      exit 1
    }
    rustup component add rustfmt clippy
  fi
}

install_tools
setup_tools
rust_components

echo "== cargo fmt --check"
cargo fmt --all -- --check
# Clippy lints our own targets while they are built for the tests: clippy-driver is rustc plus
# clippy's lints, and as cargo's wrapper for this workspace's crates (the way `cargo clippy` runs it,
# with the same CLIPPY_ARGS) it fails the build on any warning. The dependencies are then compiled
# once; a separate `cargo clippy` compiles every one of them again in check mode (~2 of a cold run's
# 5.3 minutes here). `--all-targets` lints the benches too (built, not run).
echo "== cargo clippy -D warnings, while building every target"
RUSTC_WORKSPACE_WRAPPER="$(rustc --print sysroot)/bin/clippy-driver"
[ -x "$RUSTC_WORKSPACE_WRAPPER" ] || {
  echo "tests/run.sh: clippy-driver not found at $RUSTC_WORKSPACE_WRAPPER" >&2
  exit 1
}
export RUSTC_WORKSPACE_WRAPPER
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
cargo test --locked --all-targets --no-run
echo "== cargo test"
cargo test --locked "$@"

# The tests that start a service, again with the service on PostgreSQL instead of SQLite: the
# same binary (built already; TOKENTAB_TEST_BACKEND is read at run time by the one harness,
# tests/it/common/service/mod.rs), filtered to the modules that start a service through it or as a `serve`
# child (found by their use of harness() / on_postgres() / serve_child::start(, so a new service
# test joins the pass by itself; a `serve` child without --db gets a fresh schema).
# Only the lines that read or write the SQLite file itself are gated inside the tests; skipped by
# name here are only the tests about SQLite itself:
SQLITE_ONLY=(
  readiness_fails_while_the_database_file_is_gone  # deletes the SQLite file under a running service
  wal_stays_bounded_during_sustained_creates       # measures the size of SQLite's WAL file
)
if [ $# -eq 0 ]; then
  echo "== the tests that start a service, on PostgreSQL"
  filters=()
  while read -r m; do filters+=("$m::"); done < <(
    grep -l 'harness()\|on_postgres()\|serve_child::start(' tests/it/*.rs tests/it/*/*.rs | grep -v '/common/' |
      sed 's#^tests/it/##; s#/.*##; s#\.rs$##' | sort -u)
  echo "   modules: ${filters[*]}"
  skips=()
  for t in "${SQLITE_ONLY[@]}"; do skips+=(--skip "$t"); done
  TOKENTAB_TEST_BACKEND=postgres cargo test --locked --test it -- "${filters[@]}" "${skips[@]}"
  # Issue 23: the Debian package (built, installed, removed, purged) and the static musl binary.
  echo "== the Debian package and the static binary"
  bash tests/package/run.sh
fi
echo "== all green in ${SECONDS} s"
