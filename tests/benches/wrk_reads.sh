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
# Needs curl, wrk and python3 (apt-get install wrk curl).
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
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
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
  local bin=$1 n=$2 dir="$work/s$2"
  mkdir -m 700 "$dir"
  TOKENTAB_LOG=${TOKENTAB_LOG:-warn} "$bin" serve --listen 127.0.0.1:0 --data-dir "$dir/data" --db "$dir/data/tokentab.db" \
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

i=0
for bin in "$@"; do start "$bin" "$i"; i=$((i + 1)); done
for r in $(seq "$ROUNDS"); do
  i=0
  for bin in "$@"; do
    dir="$work/s$i"
    pid=${pids[$i]}
    t0=$(cpu_ticks "$pid")
    out=$(PAIRS="$dir/pairs" wrk -t2 -c32 -d"${SECS}s" --latency -s "$work/reads.lua" "$(cat "$dir/url")")
    t1=$(cpu_ticks "$pid")
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    total=$(awk '/requests in/ {print $1}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    bad=$(sed -n 's/^non2xx=//p' <<<"$out")
    us=$(awk -v t="$((t1 - t0))" -v hz="$HZ" -v n="$total" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
    echo "round $r  $bin  ${rps} req/s  p99 ${p99}  server CPU ${us} µs/request  non-2xx ${bad}"
    echo "$rps" >>"$dir/rps"
    echo "$us" >>"$dir/us"
    i=$((i + 1))
  done
done
i=0
for bin in "$@"; do
  med() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  echo "median  $bin  $(med "$work/s$i/rps") req/s  $(med "$work/s$i/us") µs CPU/request"
  i=$((i + 1))
done
