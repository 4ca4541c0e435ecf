/**
 * The container image (Dockerfile, docs/image.md), built for real by scripts/build-image.sh
 * with buildah on Debian bases made offline, then run with podman the way a Kubernetes pod runs
 * it (read-only root filesystem, all capabilities dropped, no ambient capabilities): the user,
 * the CLI, validation, a run against targets on the container's own loopback, ICMP in the
 * deployment's two modes (capability-free ping over unprivileged ICMP sockets under restricted,
 * fping with NET_RAW) and where it cannot work, a browser journey in the browser variant, and
 * what the image must not hold.
 * Skipped, with the reason, where buildah, podman, mmdebstrap or root are missing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  type BuildReport,
  type PodSecurity,
  buildImages,
  imageTestSkipReason,
  inspectImage,
  podRun,
} from './support/image.js';

const root = new URL('..', import.meta.url).pathname;
const version = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version;
const IMAGE = 'localhost/synthctl-test';
const DEFAULT = `${IMAGE}:${version}`;
const BROWSER = `${IMAGE}:${version}-browser`;
const EXAMPLES = { [`${root}examples`]: '/examples' };
/** A cold build (mmdebstrap, apt, npm ci, compiling better-sqlite3, Chromium) takes ~10 min. */
const BUILD_TIMEOUT_MS = 45 * 60_000;

/** restricted Pod Security, without the ICMP sysctl (the operator; runner.icmp.mode disabled). */
const restricted: PodSecurity = { netRaw: false, allowPrivilegeEscalation: false };
/**
 * The runner of deploy/kustomize/base and the chart's default (runner.icmp.mode unprivileged):
 * restricted plus the safe pod sysctl that opens unprivileged ICMP sockets to every group.
 */
const restrictedWithPingGroups: PodSecurity = { ...restricted, pingGroupRange: '0 2147483647' };
/** components/icmp-net-raw and runner.icmp.mode netRaw: NET_RAW and privilege escalation. */
const netRawWithEscalation: PodSecurity = { netRaw: true, allowPrivilegeEscalation: true };
/** The runner as the deployment assets had it before: NET_RAW but no privilege escalation. */
const netRawNoEscalation: PodSecurity = { netRaw: true, allowPrivilegeEscalation: false };
/** The fix every ICMP permission failure names: the sysctl, or NET_RAW with privilege escalation. */
const NAMES_THE_FIX =
  /sysctls: net\.ipv4\.ping_group_range = "0 2147483647".*add NET_RAW .*with allowPrivilegeEscalation: true/;

/** One row of `synthctl run --once` output. */
function row(out: string, name: string): string {
  const line = out.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `no row for ${name} in\n${out}`);
  return line;
}

const skip = imageTestSkipReason();

describe('container image', { skip: skip ?? false }, () => {
  let build: BuildReport | undefined;

  before(
    async () => {
      build = await buildImages(IMAGE, BUILD_TIMEOUT_MS);
    },
    { timeout: BUILD_TIMEOUT_MS },
  );
  after(() => {
    // Durations are figures, not assertions (no timed assertions in tests).
    if (build !== undefined) console.log(`image build phases (s): ${JSON.stringify(build.phases)}`);
  });

  test('both variants are built', () => {
    assert.deepEqual(build?.images, [DEFAULT, BROWSER], build?.output);
  });

  test('the configuration: numeric non-root user, synthctl entry point, volumes, OCI labels, XDG paths', async () => {
    for (const image of [DEFAULT, BROWSER]) {
      const config = await inspectImage(image);
      assert.equal(config.user, '65532:65532', image);
      assert.deepEqual(config.entrypoint, ['/usr/bin/tini', '--', '/usr/local/bin/synthctl'], image);
      assert.deepEqual(config.volumes, ['/tmp', '/var/lib/synthctl'], image);
      assert.equal(config.labels['org.opencontainers.image.version'], version, image);
      assert.equal(config.labels['org.opencontainers.image.licenses'], 'Apache-2.0', image);
      assert.match(
        config.labels['org.opencontainers.image.revision'] ?? '',
        /^[0-9a-f]{40}$|^unknown$/,
        image,
      );
      for (const env of [
        'HOME=/var/lib/synthctl',
        'XDG_CACHE_HOME=/tmp/.cache',
        'XDG_CONFIG_HOME=/tmp/.config',
      ]) {
        assert.ok(config.env.includes(env), `${image}: ${env} not in ${config.env.join(' ')}`);
      }
    }
    const [plain, browser] = await Promise.all([inspectImage(DEFAULT), inspectImage(BROWSER)]);
    console.log(`image sizes: default ${String(plain.sizeBytes)} B, browser ${String(browser.sizeBytes)} B`);
    assert.ok(plain.sizeBytes < browser.sizeBytes, 'the browser variant adds Chromium to the default one');
  });

  test('synthctl --version runs as user 65532 with no capabilities on a read-only root', async () => {
    const ran = await podRun({ image: DEFAULT, args: ['--version'], security: restricted });
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout.trim(), version);
    const id = await podRun({
      image: DEFAULT,
      entrypoint: '/bin/sh',
      args: ['-c', 'id -u; id -g; grep -E "^Cap(Prm|Eff|Amb)" /proc/self/status'],
      security: netRawWithEscalation,
    });
    assert.equal(id.code, 0, id.stderr);
    assert.match(id.stdout, /^65532\n65532\n/);
    // The process itself holds no capability, even where the pod grants NET_RAW.
    assert.match(id.stdout, /CapPrm:\s+0+\nCapEff:\s+0+\nCapAmb:\s+0+/);
  });

  test('the root filesystem is read-only; /tmp and /var/lib/synthctl are writable', async () => {
    const ran = await podRun({
      image: DEFAULT,
      entrypoint: '/bin/sh',
      args: [
        '-c',
        'for p in /opt/synthctl/x /usr/local/bin/x /etc/x; do touch $p 2>/dev/null && echo "wrote $p"; done; ' +
          'touch /tmp/x /var/lib/synthctl/x && echo writable',
      ],
      security: restricted,
    });
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout.trim(), 'writable');
  });

  test('no compiler, build tool, Python, npm or setuid file in either variant; Chromium only in browser', async () => {
    const script =
      'for t in gcc g++ cc c++ make python3 python npm npx node-gyp yarn corepack; do command -v $t; done; ' +
      'ls /usr/include/node /usr/local/include/node 2>/dev/null; ' +
      'find / -xdev -type f -perm /6000 -print; ' +
      'command -v chromium || echo no-chromium; exit 0';
    const plain = await podRun({
      image: DEFAULT,
      entrypoint: '/bin/sh',
      args: ['-c', script],
      security: restricted,
    });
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout.trim(), 'no-chromium');
    const browser = await podRun({
      image: BROWSER,
      entrypoint: '/bin/sh',
      args: ['-c', script],
      security: restricted,
    });
    assert.equal(browser.code, 0, browser.stderr);
    assert.equal(browser.stdout.trim(), '/usr/bin/chromium');
  });

  test('fping carries cap_net_raw+ep, ping no capability, and nothing else grants privileges', async () => {
    const ran = await podRun({
      image: DEFAULT,
      entrypoint: '/bin/sh',
      args: ['-c', 'getcap -r /usr /opt /etc /var 2>/dev/null; stat -c %A /usr/bin/fping /usr/bin/ping'],
      security: restricted,
    });
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout.trim(), '/usr/bin/fping cap_net_raw=ep\n-rwxr-xr-x\n-rwxr-xr-x');
  });

  test('synthctl validate examples/monitors', async () => {
    const ran = await podRun({
      image: DEFAULT,
      args: ['validate', '/examples/monitors'],
      mounts: EXAMPLES,
      security: restricted,
    });
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assert.match(ran.stdout, /^0 errors, 0 warnings in \d+ files/m);
  });

  test('run --once against the demo target on loopback: HTTP, TLS, TCP and ICMP up, history written', async () => {
    const files = ['orders-api-health', 'orders-api-tls', 'cache-tcp', 'gateway-ping']
      .map((m) => `/examples/monitors/${m}.yaml`)
      .join(' ');
    const ran = await podRun({
      image: DEFAULT,
      entrypoint: '/bin/sh',
      args: [
        '-c',
        // The default history database is relative to the working directory, the data volume.
        `/usr/local/bin/synthctl run --once --demo ${files}; code=$?; ` +
          'test -s /var/lib/synthctl/.synthctl/history.db && echo history-written; exit $code',
      ],
      mounts: EXAMPLES,
      security: restrictedWithPingGroups,
    });
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    for (const name of ['Orders API health', 'Orders API over TLS', 'Cache port', 'Gateway ping']) {
      assert.match(row(ran.stdout, name), /\bUP\b/);
    }
    assert.match(ran.stdout, /4 monitors: 4 up, 0 down/);
    assert.match(ran.stdout, /^history-written$/m);
  });

  describe('ICMP: ping over unprivileged ICMP sockets under restricted, or fping with NET_RAW', () => {
    const ping = (security: PodSecurity) =>
      podRun({
        image: DEFAULT,
        args: ['run', '--once', '--db', 'none', '/examples/monitors/gateway-ping.yaml'],
        mounts: EXAMPLES,
        security,
      });

    test('restricted with the ping_group_range sysctl: up, with no capability at all (ping)', async () => {
      // With no NET_RAW in the bounding set the kernel refuses to exec fping (its file
      // capability), so the replies can only come from ping's ICMP datagram socket.
      const ran = await ping(restrictedWithPingGroups);
      assert.equal(ran.code, 0, ran.stdout + ran.stderr);
      assert.match(row(ran.stdout, 'Gateway ping'), /\bUP\b.*3\/3 replies/);
    });

    test('NET_RAW with privilege escalation allowed: up through the file capability (fping)', async () => {
      // The group range is closed, so ping (no capability) could not send: this is fping.
      const ran = await ping(netRawWithEscalation);
      assert.equal(ran.code, 0, ran.stdout + ran.stderr);
      assert.match(row(ran.stdout, 'Gateway ping'), /\bUP\b.*3\/3 replies/);
    });

    /** The final result of the gateway ping as JSON (the table shortens long messages). */
    const pingResult = async (security: PodSecurity) => {
      const ran = await podRun({
        image: DEFAULT,
        args: ['run', '--once', '--db', 'none', '--output', 'ndjson', '/examples/monitors/gateway-ping.yaml'],
        mounts: EXAMPLES,
        security,
      });
      assert.equal(ran.code, 1, ran.stdout + ran.stderr);
      const results = ran.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map(
          (l) =>
            JSON.parse(l) as {
              finalAttempt?: boolean;
              status?: string;
              error?: { type: string; message: string };
            },
        );
      const final = results.find((r) => r.finalAttempt === true);
      assert.ok(final, ran.stdout);
      return final;
    };

    test('NET_RAW under no_new_privs with the range closed: down, and the message names the fix', async () => {
      const result = await pingResult(netRawNoEscalation);
      assert.equal(result.status, 'down');
      assert.equal(result.error?.type, 'config');
      assert.match(result.error?.message ?? '', /no_new_privs is set \(allowPrivilegeEscalation: false\)/);
      assert.match(result.error?.message ?? '', NAMES_THE_FIX);
    });

    test('restricted without the sysctl (ICMP disabled): down, and the message names the fix', async () => {
      const result = await pingResult(restricted);
      assert.equal(result.status, 'down');
      assert.equal(result.error?.type, 'config');
      assert.match(result.error?.message ?? '', /NET_RAW is not among the container's capabilities/);
      assert.match(result.error?.message ?? '', NAMES_THE_FIX);
    });
  });

  test('browser variant: a journey runs in Chromium with no capabilities on a read-only root', async () => {
    const ran = await podRun({
      image: BROWSER,
      args: ['run', '--once', '--demo', '/examples/monitors/shop-login-browser.yaml'],
      mounts: EXAMPLES,
      security: restricted,
      timeoutMs: 180_000,
    });
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assert.match(row(ran.stdout, 'Shop login'), /\bbrowser\s+UP\b/);
  });
});
