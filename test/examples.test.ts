/**
 * The shipped examples are valid: `synthctl validate examples/monitors`, and every GitOps
 * overlay rendered by kubectl's kustomize and piped into `synthctl validate -`, as a
 * pull-request check would run it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
// The CLI from source, so the test needs no build; `synthctl` in a pipeline is the same main().
const SYNTHCTL = `node --import tsx -e "import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })"`;

async function shell(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('bash', ['-o', 'pipefail', '-c', command], {
      cwd: root,
      maxBuffer: 16 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

test('synthctl validate examples/monitors exits 0', async () => {
  const r = await shell(`${SYNTHCTL} validate examples/monitors`);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /0 errors, 0 warnings in \d+ files \(9 resources\)/);
});

const overlays = readdirSync(`${root}examples/gitops/overlays`);
for (const overlay of overlays) {
  test(
    `kubectl kustomize examples/gitops/overlays/${overlay} | synthctl validate - exits 0`,
    { skip: !existsSync('/usr/bin/kubectl') && 'kubectl is not installed' },
    async () => {
      const r = await shell(
        `kubectl kustomize examples/gitops/overlays/${overlay} | ${SYNTHCTL} validate - --format json`,
      );
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const report = JSON.parse(r.stdout) as { valid: boolean; resources: unknown };
      assert.equal(report.valid, true);
    },
  );
}

test('the overlays differ where environments differ', async () => {
  const rendered = await Promise.all(
    ['dev', 'prod'].map((o) => shell(`kubectl kustomize examples/gitops/overlays/${o}`)),
  );
  const [dev, prod] = rendered.map((r) => r.stdout) as [string, string];
  assert.match(dev, /url: https:\/\/checkout\.dev\.example\.com\/healthz/);
  assert.match(prod, /url: https:\/\/checkout\.example\.com\/healthz/);
  assert.match(dev, /namespace: shop-dev/);
  assert.match(prod, /schedule: 30s/);
  assert.match(dev, /enabled: false/);
});
