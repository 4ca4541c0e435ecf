#!/usr/bin/env bash
# Installs what synthctl's tests and demo need on a fresh Debian 12 machine:
# system packages (apt-get, only those missing) and npm dependencies (npm ci, only when
# package-lock.json changed since the last install). Idempotent; safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

# Checks, Prometheus tools, Chromium and Lua for the tests; Go and Helm's template libraries for
# tools/helm-render; buildah, podman and mmdebstrap to build and run the container image
# (test/image.test.ts, scripts/build-image.sh); ip, sysctl and setpriv for the ICMP tests that
# run a process like a container's in a network namespace (src/checks/pinger-privileges.test.ts).
APT_PACKAGES=(iputils-ping fping openssl prometheus prometheus-blackbox-exporter prometheus-alertmanager chromium ffmpeg lua5.1 golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev golang-github-burntsushi-toml-dev golang-github-xeipuuv-gojsonschema-dev
  buildah podman runc uidmap mmdebstrap
  iproute2 procps util-linux)
if [[ "${SYNTHCTL_SKIP_APT:-}" != "1" ]] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    SUDO=""
    [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    echo "setup: installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# @elastic/synthetics (a devDependency, the parity oracle) pulls playwright-chromium, whose
# install script downloads a browser; there is no network for that here (environment.md §5).
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
stamp=node_modules/.synthctl-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "setup: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
# Playwright records video with its own ffmpeg build, which cannot be downloaded here; link
# Debian's where it looks (environment.md §4). The revision comes from browsers.json.
if [[ -x /usr/bin/ffmpeg ]]; then
  rev=$(node -p "require('./node_modules/playwright-core/browsers.json').browsers.find((b) => b.name === 'ffmpeg').revision")
  pw_dir="${PLAYWRIGHT_BROWSERS_PATH:-${XDG_CACHE_HOME:-$HOME/.cache}/ms-playwright}"
  mkdir -p "$pw_dir/ffmpeg-$rev"
  ln -sf /usr/bin/ffmpeg "$pw_dir/ffmpeg-$rev/ffmpeg-linux"
fi
npm run --silent build
