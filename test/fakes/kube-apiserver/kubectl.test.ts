/**
 * kubectl (the image's /usr/bin/kubectl v1.32) as a real client of the fake API server:
 * apply the CRDs and the GitOps example, get with the CRD's printer columns, watch, refuse an
 * invalid monitor with the CEL message, delete.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeKubeApiServer, writeKubeconfig } from './index.js';

const KUBECTL = '/usr/bin/kubectl';
const ROOT = new URL('../../../', import.meta.url).pathname;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe(
  'kubectl against the fake API server',
  { skip: existsSync(KUBECTL) ? false : 'kubectl is not installed' },
  () => {
    const server = new FakeKubeApiServer({ crdDir: false });
    const dir = mkdtempSync(join(tmpdir(), 'synthctl-kubectl-'));
    let kubeconfig = '';

    /** Runs kubectl with a deadline; the process is killed when it passes. */
    function kubectl(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<Run> {
      return new Promise((resolve, reject) => {
        const child = spawn(
          KUBECTL,
          ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
          {
            env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir },
            stdio: ['pipe', 'pipe', 'pipe'],
          },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
        child.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
        child.stdin.end(options.input ?? '');
      });
    }

    before(async () => {
      kubeconfig = writeKubeconfig(await server.start(), dir);
    });
    after(async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('kubectl apply -f deploy/crds/ creates the CRDs through apiextensions.k8s.io/v1', async () => {
      const run = await kubectl([
        'apply',
        '-f',
        join(ROOT, 'deploy/crds/synthetic-monitors.yaml'),
        '-f',
        join(ROOT, 'deploy/crds/synthetics-projects.yaml'),
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stdout,
        /customresourcedefinition.apiextensions.k8s.io\/syntheticmonitors.synthctl.dev created/,
      );
      const again = await kubectl(['apply', '-f', join(ROOT, 'deploy/crds/synthetic-monitors.yaml')]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /unchanged/);
      const get = await kubectl(['get', 'crds']);
      assert.match(get.stdout, /syntheticmonitors\.synthctl\.dev/);
    });

    test('kubectl apply -k examples/gitops/base in a namespace, then get sm with the printer columns', async () => {
      const ns = await kubectl(['apply', '-f', '-'], {
        input: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
      });
      assert.equal(ns.code, 0, ns.stderr);
      const apply = await kubectl(['apply', '-n', 'shop', '-k', join(ROOT, 'examples/gitops/base')]);
      assert.equal(apply.code, 0, apply.stderr);
      assert.match(apply.stdout, /syntheticmonitor.synthctl.dev\/checkout-api created/);
      assert.match(apply.stdout, /syntheticsproject.synthctl.dev\/shop created/);
      // The journey file became a ConfigMap whose generated name the monitor follows.
      const generated = /configmap\/(shop-journeys-[a-z0-9]+) created/.exec(apply.stdout)?.[1];
      assert.ok(generated, apply.stdout);
      const journey = await kubectl([
        'get',
        'sm',
        'checkout-journey',
        '-n',
        'shop',
        '-o',
        'jsonpath={.spec.browser.journey.configMapRef.name}',
      ]);
      assert.equal(journey.stdout, generated);
      // The operator's status write, as a merge patch on /status.
      const patch = await fetch(
        `${server.url}/apis/synthctl.dev/v1alpha1/namespaces/shop/syntheticmonitors/payments-tls/status`,
        {
          method: 'PATCH',
          headers: { 'Content-Type': 'application/merge-patch+json' },
          body: JSON.stringify({
            status: {
              type: 'http',
              lastResult: { state: 'up' },
              conditions: [
                {
                  type: 'Synced',
                  status: 'True',
                  reason: 'Synced',
                  message: 'ok',
                  lastTransitionTime: '2026-01-01T00:00:00Z',
                },
                {
                  type: 'Ready',
                  status: 'True',
                  reason: 'Synced',
                  message: 'ok',
                  lastTransitionTime: '2026-01-01T00:00:00Z',
                },
              ],
            },
          }),
        },
      );
      assert.equal(patch.status, 200, await patch.text());
      const get = await kubectl(['get', 'sm', '-n', 'shop']);
      assert.equal(get.code, 0, get.stderr);
      const lines = get.stdout.trim().split('\n');
      assert.match(lines[0]!, /^NAME\s+TYPE\s+SCHEDULE\s+STATUS\s+SYNCED\s+READY\s+AGE$/);
      assert.match(get.stdout, /payments-tls\s+http\s+15m\s+up\s+True\s+True\s+\d+s/);
      assert.equal(lines.length, 6, 'a header and the five monitors');
      assert.match(get.stdout, /checkout-journey\s+15m\s/);
      const wide = await kubectl(['get', 'sm', '-A', '-o', 'wide']);
      assert.match(wide.stdout, /URL\s+TCP HOST\s+ICMP HOST/);
      assert.match(wide.stdout, /ledger-db\.dev\.example\.com:5432/);
      const yaml = await kubectl([
        'get',
        'syntheticsproject',
        'shop',
        '-n',
        'shop',
        '-o',
        'jsonpath={.spec.deletionPolicy}',
      ]);
      assert.equal(yaml.stdout, 'Orphan', 'the CRD default is applied');
      const reapply = await kubectl(['apply', '-n', 'shop', '-k', join(ROOT, 'examples/gitops/base')]);
      assert.match(reapply.stdout, /checkout-api unchanged/);
    });

    test("an invalid monitor gets kubectl's error with our CEL message", async () => {
      const manifest = [
        'apiVersion: synthctl.dev/v1alpha1',
        'kind: SyntheticMonitor',
        'metadata: {name: broken, namespace: shop}',
        'spec:',
        '  http:',
        '    url: https://x.example.com/',
        '    auth:',
        '      basic: {username: a, password: {valueFrom: {env: PASS}}}',
        '      bearer: {token: {valueFrom: {env: TOKEN}}}',
        '',
      ].join('\n');
      const run = await kubectl(['apply', '-f', '-'], { input: manifest });
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /The SyntheticMonitor "broken" is invalid: spec\.http\.auth: Invalid value: "object": exactly one of basic, bearer or apiKey must be set/,
      );
      const unknown = await kubectl(['apply', '-f', '-'], {
        input:
          manifest.replace('      bearer: {token: {valueFrom: {env: TOKEN}}}\n', '') + '  colour: blue\n',
      });
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /strict decoding error: unknown field "spec\.colour"/);
    });

    test('kubectl get sm -w prints the change, bounded by --request-timeout', async () => {
      const watching = kubectl(['get', 'sm', '-n', 'shop', '-w', '--request-timeout=4s'], {
        timeoutMs: 15_000,
      });
      await new Promise((r) => setTimeout(r, 1500));
      const apply = await kubectl(['apply', '-f', '-'], {
        input:
          'apiVersion: synthctl.dev/v1alpha1\nkind: SyntheticMonitor\nmetadata: {name: watched, namespace: shop}\nspec:\n  schedule: 1m\n  icmp: {host: 192.0.2.1}\n',
      });
      assert.equal(apply.code, 0, apply.stderr);
      const run = await watching;
      assert.match(run.stdout, /^NAME\s+TYPE/m);
      assert.match(run.stdout, /^watched\s+1m\s+\d+s$/m);
    });

    test('kubectl delete removes the monitor and waits for it', async () => {
      const del = await kubectl(['delete', 'sm', 'watched', '-n', 'shop', '--timeout=10s']);
      assert.equal(del.code, 0, del.stderr);
      assert.match(del.stdout, /syntheticmonitor.synthctl.dev "watched" deleted/);
      const get = await kubectl(['get', 'sm', 'watched', '-n', 'shop']);
      assert.equal(get.code, 1);
      assert.match(get.stderr, /NotFound.*"watched" not found/);
    });
  },
);
