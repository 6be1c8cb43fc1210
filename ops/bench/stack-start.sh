#!/usr/bin/env bash
# Cold and warm start of the local stack through the real CLI. Cold = empty state dir (unpack the registry, format
# the broker log dir); warm = same state dir again. Each figure includes the CLI JVM start and topic creation.
# Usage: ops/bench/stack-start.sh [state-dir] [runs]    (ports 29092-29095 unless EXTREMA_STACK_* say otherwise)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${1:-$(mktemp -d)/stack}"
runs="${2:-3}"
ports=(--stack.broker.port "${EXTREMA_STACK_BROKER_PORT:-29092}" --stack.controller.port "${EXTREMA_STACK_CONTROLLER_PORT:-29093}"
       --stack.registry.port "${EXTREMA_STACK_REGISTRY_PORT:-29094}" --stack.registry.management.port "${EXTREMA_STACK_REGISTRY_MANAGEMENT_PORT:-29095}")
extrema() { "$root/extrema" stack "$1" --stack.dir "$dir" "${ports[@]}" >/dev/null; }
seconds() { local t0=$(date +%s.%N); "$@"; echo "$(date +%s.%N) - $t0" | bc; }

"$root/extrema" --help >/dev/null   # build and class path outside the timings
trap 'extrema stop || true' EXIT
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
for ((i = 1; i <= runs; i++)); do
  rm -rf "$dir"
  cold=$(seconds extrema start)
  rss=$(ps -o rss= -p "$(cut -d' ' -f1 "$dir/broker.pid")" -p "$(cut -d' ' -f1 "$dir/registry.pid")" | awk '{s+=$1} END {printf "%d", s/1024}')
  stop_cold=$(seconds extrema stop)
  warm=$(seconds extrema start)
  stop_warm=$(seconds extrema stop)
  echo "run $i: cold start ${cold}s, warm start ${warm}s, stop ${stop_cold}s/${stop_warm}s, broker+registry RSS ${rss} MiB, load $(cut -d' ' -f1 /proc/loadavg)"
done
rm -rf "$dir"
