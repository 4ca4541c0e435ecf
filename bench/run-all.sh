#!/usr/bin/env bash
# Runner benchmarks (docs/benchmarks.md, "Runner"): lightweight checks side by side with
# blackbox_exporter, then 10,000 monitors at a 10 s interval. Prints markdown tables; the raw
# per-run figures go to bench/out/ (ignored by git). Every child process is killed on exit.
#
#   npm run bench:runner                       # defaults: 5 runs × 2,000 checks; 3 × 70 s scale runs
#   NICE=-10 npm run bench:runner              # as docs/benchmarks.md was measured (root only)
#   RUNS=3 SCALE_RUNS=1 npm run bench:runner   # quicker
set -euo pipefail
cd "$(dirname "$0")/.."
command -v prometheus-blackbox-exporter >/dev/null || {
  echo "prometheus-blackbox-exporter is missing: apt-get install -y prometheus-blackbox-exporter" >&2
  exit 1
}
mkdir -p bench/out
nice_args=()
if [[ -n "${NICE:-}" ]]; then nice_args=(--nice "$NICE"); fi
echo "## Machine"
echo "- $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), Node $(node --version)," \
  "$(prometheus-blackbox-exporter --version 2>&1 | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "## Lightweight checks vs blackbox_exporter"
npx tsx bench/http-checks.bench.ts --runs "${RUNS:-5}" --n "${N:-2000}" --concurrency "${CONCURRENCY:-16}" \
  "${nice_args[@]}" --json bench/out/http-checks.json 2>bench/out/http-checks.log
echo
echo "## Scheduler: ${MONITORS:-10000} monitors at a ${INTERVAL:-10} s interval"
npx tsx bench/scheduler-scale.bench.ts --checks "${SCALE_CHECKS:-noop,tcp,tcp:sqlite}" --runs "${SCALE_RUNS:-3}" \
  --monitors "${MONITORS:-10000}" --interval "${INTERVAL:-10}" --duration "${DURATION:-70}" \
  "${nice_args[@]}" 2>bench/out/scheduler-scale.log
