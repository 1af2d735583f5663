#!/usr/bin/env bash
# Token-checked read throughput measured by wrk, over 1,000 distinct device-scoped tokens:
# GET /api/v2/demo/devices/{uuid} with a token that may read exactly that device.
#
#   bash tests/benches/wrk_reads.sh BIN [BIN…]      # e.g. a release build before and after a change
#
# Each BIN is started as `BIN serve` (request logs at warn, as in service_bench) on a fresh SQLite data dir (demo account, 127.0.0.1, a free
# port), given 1,000 tokens made through the API, then measured ROUNDS times (default 3) for
# SECS seconds (default 10) with wrk -t2 -c32, the binaries interleaved round by round so load
# on the machine falls on all of them alike. Prints each run (req/s, p99, and the server's CPU
# time per request from /proc/PID/stat, which other load on the machine disturbs far less than
# throughput) and each binary's medians.
# With DB_URL=postgres://… (e.g. `eval "$(bash tests/pg-setup.sh)"; DB_URL=$TOKENTAB_TEST_PG …`)
# each BIN serves instead from its own fresh database made beside DB_URL's (CREATE DATABASE
# through psql, PGPASSWORD from the environment; dropped at the end), and each run also prints
# the CPU time per request of the PostgreSQL backends connected to that database (utime +
# stime from /proc, summed over the backends, before and after the run).
# With PERF_DIR=DIR the last round of each BIN runs under `perf record -e cpu-clock -g -a` (the
# whole machine: server, backends started during the run, wrk), written to DIR/perf-INDEX.data;
# read it with e.g. `perf report -i DIR/perf-0.data --sort comm,dso -g none`.
# Needs curl, wrk and python3 (apt-get install wrk curl); psql with DB_URL.
# For A/B comparisons of builds. The figures with their goals, bare axum beside them (proving
# the generator) and both backends come from `cargo bench --bench service_bench` (README, Bench).
set -euo pipefail
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-10}
TOKENS=${TOKENS:-1000}
[ $# -ge 1 ] || { echo "usage: $0 BIN [BIN…]" >&2; exit 2; }
for t in wrk curl python3; do
  command -v "$t" >/dev/null || { echo "$0: needs $t (apt-get install $t)" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
dbs=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for d in "${dbs[@]}"; do
    psql -q "$DB_URL" -c "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)" >/dev/null || echo "$0: drop database $d by hand" >&2
  done
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/reads.lua" <<'LUA'
-- Each wrk thread reads the pairs "uuid token" and rotates over them.
local pairs_ = {}
for line in io.lines(os.getenv("PAIRS")) do
  local uuid, token = line:match("^(%S+) (%S+)$")
  pairs_[#pairs_ + 1] = { "/api/v2/demo/devices/" .. uuid, "Bearer " .. token }
end
local i = math.random(#pairs_)
request = function()
  i = i % #pairs_ + 1
  return wrk.format("GET", pairs_[i][1], { ["Authorization"] = pairs_[i][2] })
end
done = function(summary, latency, requests)
  io.write(string.format("non2xx=%d\n", summary.errors.status))
end
LUA

start() { # BIN INDEX -> sets url, pairs file
  local bin=$1 n=$2 dir="$work/s$2" db
  mkdir -m 700 "$dir"
  db="$dir/data/tokentab.db"
  if [ -n "${DB_URL:-}" ]; then
    local name
    name="wrk_$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')_$n"
    psql -q "$DB_URL" -c "CREATE DATABASE \"$name\"" >/dev/null
    dbs+=("$name")
    echo "$name" >"$dir/dbname"
    db="${DB_URL%/*}/$name"
  fi
  TOKENTAB_LOG=${TOKENTAB_LOG:-warn} "$bin" serve --listen 127.0.0.1:0 --data-dir "$dir/data" --db "$db" \
    >"$dir/out" 2>"$dir/err" </dev/null &
  pids+=($!)
  for _ in $(seq 600); do grep -q "listening on" "$dir/out" 2>/dev/null && break; sleep 0.1; done
  local url admin
  url=$(sed -n 's/^tokentab serve: listening on //p' "$dir/out")
  admin=$(cat "$dir/data/admin.token")
  echo "$url" >"$dir/url"
  URL=$url ADMIN=$admin N=$TOKENS python3 - >"$dir/pairs" <<'PY'
import json, os, urllib.request
url, admin, n = os.environ["URL"], os.environ["ADMIN"], int(os.environ["N"])
def call(method, path, body=None):
    req = urllib.request.Request(url + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + admin, "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))
uuids = []
for fleet in ("edge-eu", "edge-us", "lab"):
    uuids += [d["device_uuid"] for d in call("GET", f"/api/v2/demo/devices?group_name={fleet}&limit=1000")["devices"]]
for i in range(n):
    u = uuids[i % len(uuids)]
    t = call("POST", "/access/api/v1/tokens", {"scope": f"connect:device:demo/{u}:r", "description": f"wrk {i}"})
    print(u, t["access_token"])
PY
}

cpu_ticks() { # PID -> utime + stime in clock ticks
  awk '{print $14 + $15}' "/proc/$1/stat"
}
HZ=$(getconf CLK_TCK)

pg_ticks() { # DBNAME -> utime + stime of the PostgreSQL backends connected to DBNAME, as "pid ticks" lines
  local p cmd
  for p in /proc/[0-9]*; do
    cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
    case $cmd in "postgres: "*" $1 "*) awk -v p="${p#/proc/}" '{print p, $14 + $15}' "$p/stat" 2>/dev/null || true ;; esac
  done
}

xacts() { # DBNAME -> transactions committed in it so far (one per autocommit statement)
  psql -At "$DB_URL" -c "SELECT xact_commit FROM pg_stat_database WHERE datname = '$1'"
}

pg_delta() { # BEFORE AFTER -> ticks spent between them (a backend started meanwhile counts from 0)
  awk 'NR == FNR {a[$1] = $2; next} {d += $2 - ($1 in a ? a[$1] : 0)} END {print d + 0}' "$1" "$2"
}

i=0
for bin in "$@"; do start "$bin" "$i"; i=$((i + 1)); done
for r in $(seq "$ROUNDS"); do
  i=0
  for bin in "$@"; do
    dir="$work/s$i"
    pid=${pids[$i]}
    if [ -n "${DB_URL:-}" ]; then
      pg_ticks "$(cat "$dir/dbname")" >"$dir/pg0"
      x0=$(xacts "$(cat "$dir/dbname")")
    fi
    rec=""
    if [ -n "${PERF_DIR:-}" ] && [ "$r" = "$ROUNDS" ]; then
      perf record -q -e cpu-clock -g -a -o "$PERF_DIR/perf-$i.data" >/dev/null 2>&1 &
      rec=$!
      sleep 0.5
    fi
    t0=$(cpu_ticks "$pid")
    out=$(PAIRS="$dir/pairs" wrk -t2 -c32 -d"${SECS}s" --latency -s "$work/reads.lua" "$(cat "$dir/url")")
    t1=$(cpu_ticks "$pid")
    if [ -n "$rec" ]; then kill -INT "$rec"; wait "$rec" || true; fi
    if [ -n "${DB_URL:-}" ]; then
      pg_ticks "$(cat "$dir/dbname")" >"$dir/pg1"
      sleep 1 # PostgreSQL publishes a backend's statistics up to a second late
      x1=$(xacts "$(cat "$dir/dbname")")
    fi
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    total=$(awk '/requests in/ {print $1}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    bad=$(sed -n 's/^non2xx=//p' <<<"$out")
    us=$(awk -v t="$((t1 - t0))" -v hz="$HZ" -v n="$total" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
    pg=""
    if [ -n "${DB_URL:-}" ]; then
      pgus=$(awk -v t="$(pg_delta "$dir/pg0" "$dir/pg1")" -v hz="$HZ" -v n="$total" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
      pg="  postgres CPU ${pgus} µs/request, $(awk -v x="$((x1 - x0))" -v n="$total" 'BEGIN {printf "%.2f", x / n}') transactions/request"
      echo "$pgus" >>"$dir/pgus"
    fi
    echo "round $r  $bin  ${rps} req/s  p99 ${p99}  server CPU ${us} µs/request${pg}  non-2xx ${bad}  load $(cut -d' ' -f1 /proc/loadavg)"
    echo "$rps" >>"$dir/rps"
    echo "$us" >>"$dir/us"
    i=$((i + 1))
  done
done
i=0
for bin in "$@"; do
  med() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  pg=""
  [ -n "${DB_URL:-}" ] && pg="  postgres $(med "$work/s$i/pgus") µs CPU/request"
  echo "median  $bin  $(med "$work/s$i/rps") req/s  $(med "$work/s$i/us") µs CPU/request${pg}"
  i=$((i + 1))
done
