#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, then type-checks, lints,
# checks formatting and generated files, and runs every test (unit, loopback integration,
# fakes driven by real clients). Extra arguments filter test files by substring.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== typecheck"; npx tsc -p tsconfig.json --noEmit
echo "== lint";      npx eslint . --max-warnings=0
echo "== format";    npx prettier --check . >/dev/null
echo "== tests";     node scripts/run-tests.mjs "$@"
