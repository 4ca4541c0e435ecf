/** The fake API server and helpers to point client-node and kubectl at it. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export {
  FakeKubeApiServer,
  type FakeKubeApiServerOptions,
  type Faults,
  type LoggedRequest,
} from './server.js';

/** A client-node KubeConfig for a plain-HTTP server (needs `skipTLSVerify`, kubernetes.md §1.2). */
export function kubeConfigFor(url: string, namespace = 'default'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
    users: [{ name: 'fake', token: 'fake-token' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake', namespace }],
    currentContext: 'fake',
  });
  return kc;
}

/** Writes a kubeconfig file for kubectl into `dir` and returns its path. */
export function writeKubeconfig(url: string, dir: string, namespace = 'default'): string {
  const path = join(dir, 'kubeconfig');
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${url}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: fake',
      '  user:',
      '    token: fake-token',
      'contexts:',
      '- name: fake',
      `  context: {cluster: fake, user: fake, namespace: ${namespace}}`,
      'current-context: fake',
      '',
    ].join('\n'),
  );
  return path;
}
