#!/usr/bin/env bash
# The README's main command: install what is needed, then run the example monitors against
# the demo target that ships with synthctl (loopback only; no cluster, no Elastic stack).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/synthctl.js run --demo examples/monitors "$@"
