import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import {
  choosePinger,
  findExecutable,
  readIcmpPrivileges,
  UnavailablePinger,
  type IcmpPrivileges,
} from './pinger.js';

const run = promisify(execFile);

/** /proc/self/status of a process with these capability masks and groups. */
function status(o: { eff: string; bnd: string; nnp: 0 | 1; gid: number; groups?: string }): string {
  return [
    'Name:\tnode',
    `Gid:\t${String(o.gid)}\t${String(o.gid)}\t${String(o.gid)}\t${String(o.gid)}`,
    `Groups:\t${o.groups ?? ''}`,
    'CapInh:\t0000000000000000',
    `CapPrm:\t${o.eff}`,
    `CapEff:\t${o.eff}`,
    `CapBnd:\t${o.bnd}`,
    'CapAmb:\t0000000000000000',
    `NoNewPrivs:\t${String(o.nnp)}`,
  ].join('\n');
}
const ALL = '000001ffffffffff';
const NONE = '0000000000000000';
const NET_RAW_ONLY = '0000000000002000';
const proc = (statusText: string, range: string | undefined) => (path: string) => {
  if (path === '/proc/self/status') return statusText;
  if (range === undefined) throw new Error('ENOENT');
  return `${range}\n`;
};

test('readIcmpPrivileges reads capabilities, no_new_privs, groups and the ping group range', () => {
  const root = readIcmpPrivileges(proc(status({ eff: ALL, bnd: ALL, nnp: 0, gid: 0 }), '1\t0'));
  assert.deepEqual(root, {
    effectiveNetRaw: true,
    boundingNetRaw: true,
    noNewPrivs: false,
    pingGroupRange: [1, 0],
    groups: [0],
  });
  // A restricted pod: no capability at all, no_new_privs, group 65532 and a supplementary group.
  const pod = readIcmpPrivileges(
    proc(status({ eff: NONE, bnd: NONE, nnp: 1, gid: 65532, groups: '65532 1000' }), '0\t2147483647'),
  );
  assert.deepEqual(pod, {
    effectiveNetRaw: false,
    boundingNetRaw: false,
    noNewPrivs: true,
    pingGroupRange: [0, 2147483647],
    groups: [65532, 1000],
  });
  const netRaw = readIcmpPrivileges(
    proc(status({ eff: NONE, bnd: NET_RAW_ONLY, nnp: 0, gid: 65532 }), undefined),
  );
  assert.equal(netRaw?.boundingNetRaw, true);
  assert.equal(netRaw?.pingGroupRange, undefined);
  assert.equal(
    readIcmpPrivileges(() => {
      throw new Error('no /proc');
    }),
    undefined,
  );
});

describe('choosePinger', () => {
  const both = { fping: '/usr/bin/fping', ping: '/usr/bin/ping' };
  const privileges = (p: Partial<IcmpPrivileges>): IcmpPrivileges => ({
    effectiveNetRaw: false,
    boundingNetRaw: false,
    noNewPrivs: true,
    pingGroupRange: [1, 0],
    groups: [65532],
    ...p,
  });
  const cases: { name: string; p: IcmpPrivileges | undefined; found?: object; want: string | RegExp }[] = [
    { name: 'root', p: privileges({ effectiveNetRaw: true, boundingNetRaw: true }), want: 'fping' },
    {
      name: 'NET_RAW and privilege escalation allowed',
      p: privileges({ boundingNetRaw: true, noNewPrivs: false }),
      want: 'fping',
    },
    {
      name: 'restricted pod with the ping group range open',
      p: privileges({ pingGroupRange: [0, 2147483647] }),
      want: 'ping',
    },
    {
      name: 'the range covers only a supplementary group',
      p: privileges({ pingGroupRange: [1000, 1000], groups: [65532, 1000] }),
      want: 'ping',
    },
    {
      name: 'NET_RAW but no_new_privs, range closed',
      p: privileges({ boundingNetRaw: true }),
      want: /no_new_privs is set \(allowPrivilegeEscalation: false\), so fping's file capability cannot apply; either .*ping_group_range = "0 2147483647"/,
    },
    {
      name: 'no capability, range closed',
      p: privileges({}),
      want: /net\.ipv4\.ping_group_range is "1 0", groups 65532\) and NET_RAW is not among the container's capabilities/,
    },
    {
      name: 'range open but only fping installed',
      p: privileges({ pingGroupRange: [0, 2147483647] }),
      found: { fping: '/usr/bin/fping' },
      want: /and iputils ping is not installed/,
    },
    { name: 'not Linux: fping as found', p: undefined, want: 'fping' },
    { name: 'nothing installed', p: privileges({}), found: {}, want: 'none' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const pinger = choosePinger(c.found ?? both, c.p);
      if (typeof c.want === 'string') assert.equal(pinger.name, c.want);
      else {
        assert.ok(pinger instanceof UnavailablePinger, `got ${pinger.name}`);
        assert.match(pinger.reason, c.want);
      }
    });
  }
});

// The real thing: a network namespace with its own ping_group_range, and a process with the
// uid, groups, capabilities and no_new_privs a restricted pod's container gets. Needs root (to
// make the namespace), ip (iproute2), setpriv (util-linux) and ping, which CI has.
const NOT_ROOT = process.getuid?.() !== 0;
const tools = ['ip', 'setpriv', 'ping', 'fping'].filter(
  (t) => findExecutable(t, process.env.PATH) === undefined,
);
const skip = NOT_ROOT
  ? 'skipped: needs root to create a network namespace'
  : tools.length > 0
    ? `skipped: ${tools.join(', ')} not installed`
    : false;

describe('ICMP in a container-like process (network namespace, uid 65532)', { skip }, () => {
  const ns = `synthctl-icmp-${randomBytes(3).toString('hex')}`;
  let bin = '';
  const probe = new URL('../../test/support/icmp-probe.ts', import.meta.url).pathname;
  const root = new URL('../..', import.meta.url).pathname;

  before(async () => {
    await run('ip', ['netns', 'add', ns]);
    await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    // A folder with what the image has: ping WITHOUT a file capability (cp drops it) and fping
    // WITH one (a link to Debian's, which carries cap_net_raw+ep).
    bin = await mkdtemp(join(tmpdir(), 'synthctl-icmp-bin-'));
    await chmod(bin, 0o755);
    await copyFile(findExecutable('ping', process.env.PATH)!, join(bin, 'ping'));
    await chmod(join(bin, 'ping'), 0o755);
    await symlink(findExecutable('fping', process.env.PATH)!, join(bin, 'fping'));
  });
  after(async () => {
    await run('ip', ['netns', 'delete', ns]).catch(() => undefined);
    if (bin !== '') await rm(bin, { recursive: true, force: true });
  });

  async function probeAs(range: string, setpriv: string[]): Promise<Record<string, unknown>> {
    await run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `net.ipv4.ping_group_range=${range}`]);
    const { stdout } = await run(
      'ip',
      [
        'netns',
        'exec',
        ns,
        'setpriv',
        '--reuid=65532',
        '--regid=65532',
        '--clear-groups',
        '--inh-caps=-all',
        '--ambient-caps=-all',
        ...setpriv,
        process.execPath,
        '--import',
        'tsx',
        probe,
      ],
      { cwd: root, env: { PATH: `${bin}:/usr/bin:/bin`, HOME: '/tmp' }, timeout: 60_000 },
    );
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  }

  test('restricted (no capabilities, no_new_privs) with the range open: ping over ICMP sockets, up', async () => {
    const out = await probeAs('0 2147483647', ['--bounding-set=-all', '--no-new-privs']);
    assert.deepEqual(out, { pinger: 'ping', up: true, received: 2 });
  });

  test('restricted with the range closed: down, with the sysctl and the NET_RAW alternative', async () => {
    const out = await probeAs('1 0', ['--bounding-set=-all', '--no-new-privs']);
    assert.equal(out['pinger'], 'unavailable');
    assert.equal(out['up'], false);
    assert.match(
      String(out['error']),
      /NET_RAW is not among the container's capabilities; either .*ping_group_range/,
    );
  });

  test('NET_RAW with privilege escalation allowed, range closed: fping through its file capability, up', async () => {
    const out = await probeAs('1 0', ['--bounding-set=-all,+net_raw']);
    assert.deepEqual(out, { pinger: 'fping', up: true, received: 2 });
  });
});
