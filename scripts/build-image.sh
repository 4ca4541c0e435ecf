#!/usr/bin/env bash
# Builds the synthctl container images (Dockerfile, docs/image.md) with buildah, without a
# Docker engine and without a container registry:
#
#   1. installs what it needs with apt-get when missing (buildah, mmdebstrap, runc, ...);
#   2. makes the two base images offline (unless --bases public):
#        localhost/synthctl-offline/debian:bookworm-slim  Debian bookworm minbase from mmdebstrap
#        localhost/synthctl-offline/node:20-bookworm-slim the same plus this machine's Node
#                                                         (binary, npm, headers) in /usr/local,
#                                                         the layout of the official node image
#      and passes them to the Dockerfile as NODE_IMAGE and RUNTIME_IMAGE;
#   3. builds the default target and the browser target, then prints their sizes.
#
# Usage: scripts/build-image.sh [--bases offline|public] [--target default|browser|all]
#                               [--image NAME] [--tag TAG] [--refresh-bases] [--no-cache]
# Environment: SYNTHCTL_IMAGE_WORKDIR (tarball and scratch files, default /var/tmp/synthctl-image),
#              SYNTHCTL_SKIP_APT=1 (never run apt-get), DEBIAN_MIRROR (default deb.debian.org),
#              SYNTHCTL_BUILD_CA (PEM bundle trusted by npm ci; default $NODE_EXTRA_CA_CERTS).
# Prints "image <name> <size>" for each image and "phase <name> <seconds>" timings.
set -euo pipefail
cd "$(dirname "$0")/.."

bases=offline target=all image=localhost/synthctl tag="" refresh=0 nocache=()
while (($#)); do
  case "$1" in
    --bases) bases=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --image) image=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --refresh-bases) refresh=1; shift ;;
    --no-cache) nocache=(--no-cache); shift ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "build-image: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$bases" in offline | public) ;; *) echo "build-image: --bases is offline or public, not $bases" >&2; exit 2 ;; esac
case "$target" in default | browser | all) ;; *) echo "build-image: --target is default, browser or all, not $target" >&2; exit 2 ;; esac

if [[ $(id -u) -ne 0 ]]; then
  # Rootless buildah needs subordinate id ranges and mmdebstrap's unshare mode; not set up here.
  echo "build-image: run as root (rootless buildah needs /etc/subuid ranges; see docs/image.md)" >&2
  exit 2
fi

workdir=${SYNTHCTL_IMAGE_WORKDIR:-/var/tmp/synthctl-image}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org}
mkdir -p "$workdir"
[[ -n "$tag" ]] || tag=$(node -p "require('./package.json').version" 2>/dev/null || echo dev)

phase_start=0
phase() { phase_start=$EPOCHREALTIME; echo "build-image: $1" >&2; }
phase_end() { awk -v n="$1" -v a="$phase_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "phase %s %.1f\n", n, b - a }'; }

# 1. Tools ----------------------------------------------------------------------------------
need=(buildah)
[[ "$bases" == offline ]] && need+=(mmdebstrap)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ "${SYNTHCTL_SKIP_APT:-}" == 1 ]] || ! command -v apt-get >/dev/null; then
    echo "build-image: missing packages ${missing[*]} (SYNTHCTL_SKIP_APT=1 or no apt-get)" >&2
    exit 2
  fi
  echo "build-image: installing ${missing[*]}" >&2
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    "${missing[@]}" runc uidmap >/dev/null
fi

have_image() { buildah inspect --type image "$1" >/dev/null 2>&1; }

# 2. Offline bases --------------------------------------------------------------------------
debian_base=localhost/synthctl-offline/debian:bookworm-slim
node_base=localhost/synthctl-offline/node:20-bookworm-slim
if [[ "$bases" == offline ]]; then
  if ((refresh)) || ! have_image "$debian_base"; then
    phase "debian base: mmdebstrap bookworm (minbase) from $mirror"
    tarball="$workdir/debian-bookworm.tar"
    # Like Docker's debian:bookworm-slim: minbase, merged /usr without the usrmerge package,
    # no man pages, docs (copyright kept) or translations.
    mmdebstrap --quiet --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
      --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
      bookworm "$tarball" \
      "deb $mirror/debian bookworm main" "deb $mirror/debian bookworm-updates main" \
      "deb $mirror/debian-security bookworm-security main"
    ctr=$(buildah from --pull=never scratch)
    buildah add --quiet "$ctr" "$tarball" / >/dev/null
    buildah config --cmd '["bash"]' --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      --label org.opencontainers.image.description="Debian bookworm minbase made offline by synthctl scripts/build-image.sh (mmdebstrap)" \
      "$ctr"
    buildah commit --quiet --rm "$ctr" "$debian_base" >/dev/null
    rm -f "$tarball"
    phase_end debian-base
  fi
  if ((refresh)) || ! have_image "$node_base"; then
    phase "node base: this machine's Node on $debian_base"
    node_bin=$(readlink -f "$(command -v node)")
    node_version=$("$node_bin" -p process.versions.node)
    "$node_bin" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
      { echo "build-image: node $node_version is older than 20.19 (package.json engines)" >&2; exit 2; }
    headers="$(dirname "$(dirname "$node_bin")")/include/node"
    npm_dir="$(npm root -g)/npm"
    [[ -f "$headers/node_api.h" ]] || { echo "build-image: no Node headers at $headers" >&2; exit 2; }
    [[ -f "$npm_dir/bin/npm-cli.js" ]] || { echo "build-image: no npm at $npm_dir" >&2; exit 2; }
    stage=$(mktemp -d "$workdir/node-stage.XXXXXX")
    mkdir -p "$stage/usr/local/bin" "$stage/usr/local/lib/node_modules" "$stage/usr/local/include"
    cp -a "$node_bin" "$stage/usr/local/bin/node"
    cp -a "$npm_dir" "$stage/usr/local/lib/node_modules/npm"
    cp -a "$headers" "$stage/usr/local/include/node"
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$stage/usr/local/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$stage/usr/local/bin/npx"
    tar -C "$stage" --owner=0 --group=0 -cf "$stage.tar" usr
    ctr=$(buildah from --pull=never "$debian_base")
    buildah add --quiet "$ctr" "$stage.tar" / >/dev/null
    buildah config --cmd '["node"]' --env NODE_VERSION="$node_version" \
      --label org.opencontainers.image.description="node:20-bookworm-slim stand-in made offline by synthctl scripts/build-image.sh: Node $node_version from $node_bin" \
      "$ctr"
    buildah commit --quiet --rm "$ctr" "$node_base" >/dev/null
    rm -rf "$stage" "$stage.tar"
    phase_end node-base
  fi
  base_args=(--build-arg "NODE_IMAGE=$node_base" --build-arg "RUNTIME_IMAGE=$debian_base")
else
  base_args=()
fi

# 3. Images ---------------------------------------------------------------------------------
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# A CA bundle the registry's TLS chain needs (a TLS-inspecting proxy), as a build secret.
ca=${SYNTHCTL_BUILD_CA:-${NODE_EXTRA_CA_CERTS:-}}
secret_args=()
[[ -n "$ca" && -s "$ca" ]] && secret_args=(--secret "id=build_ca,src=$ca")
build() { # <target> <image:tag>
  phase "build --target $1 -> $2"
  # chroot isolation: no OCI runtime or cgroup set-up needed for RUN steps; host network for
  # apt-get and npm ci.
  buildah bud --quiet --layers --force-rm --isolation chroot --network host "${nocache[@]}" "${base_args[@]}" "${secret_args[@]}" \
    --build-arg "VERSION=$tag" --build-arg "REVISION=$revision" --build-arg "CREATED=$created" \
    --target "$1" -t "$2" -f Dockerfile . >&2
  phase_end "build-$1"
}
built=()
if [[ "$target" == default || "$target" == all ]]; then build runtime "$image:$tag"; built+=("$image:$tag"); fi
if [[ "$target" == browser || "$target" == all ]]; then build browser "$image:$tag-browser"; built+=("$image:$tag-browser"); fi
for i in "${built[@]}"; do
  size=$(buildah images --json "$i" | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8"))[0].size')
  printf 'image %s %s\n' "$i" "$size"
done
buildah images --filter reference="$image" 2>/dev/null | sed 's/^/build-image: /' >&2 || true
