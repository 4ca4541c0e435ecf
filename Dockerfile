# syntax=docker/dockerfile:1
#
# synthctl container image (docs/image.md).
#
#   docker build -t synthctl .                        # default: CLI, operator, HTTP/TCP/ICMP runner
#   docker build --target browser -t synthctl:browser . # adds Debian's Chromium for browser monitors
#
# Both run as the numeric user 65532, work with a read-only root filesystem (writable: /tmp and
# /var/lib/synthctl only) and hold no compiler, npm, Python or setuid file. ICMP needs no
# capability: iputils ping (without a file capability) uses unprivileged ICMP sockets where the
# pod sets the sysctl net.ipv4.ping_group_range; fping (cap_net_raw+ep) serves containers granted
# NET_RAW and allowed privilege escalation instead (docs/image.md, docs/runner.md#icmp).
# The bases are build arguments so that scripts/build-image.sh can pass bases it made offline
# from Debian's packages (mmdebstrap) when no registry is reachable.

# Node 20 (>= 20.19, package.json "engines") on Debian bookworm, with npm and the Node headers.
ARG NODE_IMAGE=docker.io/library/node:20-bookworm-slim
# The same Debian release as NODE_IMAGE: the node binary copied from it links glibc and libstdc++.
ARG RUNTIME_IMAGE=docker.io/library/debian:bookworm-slim

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles from source (no prebuilt download: reproducible, and works offline).
RUN set -eux; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++; \
    rm -rf /var/lib/apt/lists/*
WORKDIR /src
# nodedir: node-gyp uses the image's own headers (/usr/local/include/node) instead of downloading
# them; PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: a devDependency would otherwise fetch a browser.
ENV npm_config_nodedir=/usr/local \
    npm_config_build_from_source=true \
    npm_config_audit=false \
    npm_config_fund=false \
    npm_config_update_notifier=false \
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# Dependencies first, so that a source change reuses this layer. --ignore-scripts skips the
# package's own "prepare" (it needs the sources); the two native packages build explicitly.
# An optional build secret "build_ca" (PEM) is trusted for the registry, for networks behind a
# TLS-inspecting proxy (scripts/build-image.sh passes $NODE_EXTRA_CA_CERTS); it never reaches a layer.
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=build_ca \
    set -eu; \
    if [ -s /run/secrets/build_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/build_ca; fi; \
    npm ci --ignore-scripts; \
    npm rebuild better-sqlite3 esbuild; \
    mkdir -p /meta; \
    node -p "require('./node_modules/playwright-core/browsers.json').browsers.find((b) => b.name === 'ffmpeg').revision" \
      > /meta/ffmpeg-revision
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY schema ./schema
COPY deploy/crds ./deploy/crds
# Compile, drop devDependencies, and stage exactly what the runtime gets under /out: no type
# declarations or source maps (~50 MB nothing reads at run time), no better-sqlite3 sources.
RUN set -eux; \
    npm run build; \
    npm prune --omit=dev; \
    node -e "require('better-sqlite3')(':memory:').prepare('select 1').get()"; \
    mkdir -p /out/opt/synthctl /out/usr/local/bin; \
    cp -a package.json bin dist schema node_modules /out/opt/synthctl/; \
    mkdir -p /out/opt/synthctl/deploy; \
    cp -a deploy/crds /out/opt/synthctl/deploy/; \
    find /out/opt/synthctl -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -delete; \
    rm -rf /out/opt/synthctl/node_modules/better-sqlite3/deps \
           /out/opt/synthctl/node_modules/better-sqlite3/src \
           /out/opt/synthctl/node_modules/better-sqlite3/build/Release/obj \
           /out/opt/synthctl/node_modules/better-sqlite3/build/Release/.deps \
           /out/opt/synthctl/node_modules/better-sqlite3/build/deps; \
    cp -a "$(command -v node)" /out/usr/local/bin/node; \
    ln -s /opt/synthctl/bin/synthctl.js /out/usr/local/bin/synthctl; \
    chmod -R go-w /out

# ---------------------------------------------------------------------------------------------
# The operating system layers of both variants, before any application layer: a source change
# rebuilds only the last layers, never the apt-get steps (Chromium is ~700 MB).
FROM ${RUNTIME_IMAGE} AS os
# ICMP, two ways (src/checks/pinger.ts picks at start):
# - iputils ping WITHOUT any capability: it opens an unprivileged ICMP datagram socket, which
#   the kernel allows when the pod sets the safe sysctl net.ipv4.ping_group_range to cover the
#   user's group. The default deployment does this and keeps the restricted Pod Security
#   profile in full. Its file capability is removed: with capabilities dropped (restricted),
#   exec of a file-capability binary fails with EPERM.
# - fping with cap_net_raw+ep, for pods that add NET_RAW and allow privilege escalation (a
#   file capability does not apply under no_new_privs). Debian's postinst sets it, or makes fping
#   setuid root when setcap fails: set it explicitly, refuse setuid, fail if it did not stick.
# No other setuid/setgid file stays (su, mount, passwd): nothing in the image can gain a
# privilege but fping, and only NET_RAW. tini forwards signals and reaps orphaned grandchildren
# (browser processes), which Node as PID 1 does not.
RUN set -eux; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fping iputils-ping libcap2-bin tini; \
    chmod u-s,g-s /usr/bin/fping /usr/bin/ping; \
    setcap cap_net_raw+ep /usr/bin/fping; \
    getcap /usr/bin/fping | grep -q 'cap_net_raw=ep'; \
    setcap -r /usr/bin/ping 2>/dev/null || true; \
    test -z "$(getcap /usr/bin/ping)"; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log; \
    groupadd --system --gid 65532 synthctl; \
    useradd --system --uid 65532 --gid 65532 --home-dir /var/lib/synthctl --no-create-home \
      --shell /usr/sbin/nologin synthctl; \
    install -d -o 65532 -g 65532 -m 0750 /var/lib/synthctl; \
    find / -xdev -type f -perm /6000 -exec chmod ug-s {} +
# HOME is the data directory; caches and config (Chromium writes both) go to /tmp, so the root
# filesystem can be read-only. WORKDIR makes the default history path (.synthctl/history.db)
# land in the data directory.
ENV HOME=/var/lib/synthctl \
    XDG_CACHE_HOME=/tmp/.cache \
    XDG_CONFIG_HOME=/tmp/.config \
    TMPDIR=/tmp \
    NODE_ENV=production
# The only writable paths. Kubernetes mounts emptyDirs there (deploy/kustomize/base/runner.yaml);
# `docker run --read-only` gets anonymous volumes.
VOLUME ["/tmp", "/var/lib/synthctl"]
WORKDIR /var/lib/synthctl
EXPOSE 9464
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/synthctl"]
CMD ["--help"]
ARG RUNTIME_IMAGE
LABEL org.opencontainers.image.title="synthctl" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/synthctl/synthctl" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"

# Browser monitors: Debian's Chromium (the executable synthctl launches, /usr/bin/chromium) and
# fonts for pages and screenshots. dbus comes along with a setuid launch helper: cleared, as
# above. Video needs ffmpeg: --build-arg WITH_FFMPEG=true links Debian's where Playwright looks
# for its own build (PLAYWRIGHT_BROWSERS_PATH/ffmpeg-<revision>/ffmpeg-linux).
FROM os AS os-browser
ARG WITH_FFMPEG=false
COPY --from=build /meta/ffmpeg-revision /usr/share/synthctl/ffmpeg-revision
RUN set -eux; \
    apt-get update; \
    extra=""; if [ "$WITH_FFMPEG" = "true" ]; then extra="ffmpeg"; fi; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      chromium fonts-liberation fonts-dejavu-core $extra; \
    if [ "$WITH_FFMPEG" = "true" ]; then \
      rev=$(cat /usr/share/synthctl/ffmpeg-revision); \
      mkdir -p "/opt/ms-playwright/ffmpeg-$rev"; \
      ln -s /usr/bin/ffmpeg "/opt/ms-playwright/ffmpeg-$rev/ffmpeg-linux"; \
    fi; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log; \
    find / -xdev -type f -perm /6000 -exec chmod ug-s {} +; \
    /usr/bin/chromium --version
ENV PLAYWRIGHT_BROWSERS_PATH=/opt/ms-playwright

# ---------------------------------------------------------------------------------------------
# Target "browser": the default image plus Chromium.
FROM os-browser AS browser
COPY --from=build /out/ /
USER 65532:65532
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.description="GitOps for Elastic Synthetic Monitoring: CLI, operator and runner with Debian's Chromium for browser monitors" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"

# ---------------------------------------------------------------------------------------------
# Target "runtime", the default (last stage): CLI, operator and the HTTP/TCP/ICMP runner.
FROM os AS runtime
COPY --from=build /out/ /
USER 65532:65532
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.description="GitOps for Elastic Synthetic Monitoring: CLI, operator and runner (HTTP, TCP, ICMP)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
