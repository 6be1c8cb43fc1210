#!/usr/bin/env bash
# The registry's start with its schemas in an H2 file (what the local stack runs) against the same registry with
# them in memory (what it ran before they had to survive a restart), alternating in one run on one machine.
# The registry's command line is the one `extrema stack start` launches (read back from /proc), with only the
# datasource URL changed. "cold" = a new database file; "warm" = the file of the run before (schemas kept).
# Usage: ops/bench/registry-storage.sh [runs]     (Linux; ports 29192-29195)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-3}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
ports=(--stack.broker.port 29192 --stack.controller.port 29193 --stack.registry.port 29194
       --stack.registry.management.port 29195)
"$root/extrema" stack start --stack.dir "$dir/stack" "${ports[@]}" >/dev/null
mapfile -d '' command < "/proc/$(cut -d' ' -f1 "$dir/stack/registry.pid")/cmdline"
"$root/extrema" stack stop --stack.dir "$dir/stack" "${ports[@]}" >/dev/null

# Seconds from launch until GET /subjects answers 200, for one datasource URL.
start_seconds() {
  local url="$1" args=() a
  for a in "${command[@]}"; do
    [[ "$a" == -Dapicurio.datasource.url=* ]] && a="-Dapicurio.datasource.url=$url"
    [[ "$a" == -XX:SharedArchiveFile=* || "$a" == -XX:+AutoCreateSharedArchive ]] && continue # same for both
    args+=("$a")
  done
  local t0; t0=$(date +%s.%N)
  (cd "$dir" && exec "${args[@]}" >"$dir/registry.log" 2>&1) &
  local pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:29194/apis/ccompat/v7/subjects"; do
    kill -0 "$pid" 2>/dev/null || { echo "registry died: $(tail -5 "$dir/registry.log")" >&2; exit 1; }
    sleep 0.05
  done
  local t1; t1=$(date +%s.%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$t1 - $t0" | bc
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
for ((i = 1; i <= runs; i++)); do
  rm -rf "$dir/db"
  memory=$(start_seconds "jdbc:h2:mem:registry")
  cold=$(start_seconds "jdbc:h2:file:$dir/db/registry;WRITE_DELAY=0")
  warm=$(start_seconds "jdbc:h2:file:$dir/db/registry;WRITE_DELAY=0")
  echo "run $i: in-memory ${memory}s, file cold ${cold}s, file warm ${warm}s, load $(cut -d' ' -f1 /proc/loadavg)"
done
