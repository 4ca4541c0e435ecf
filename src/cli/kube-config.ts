/**
 * Loading the kubeconfig for the commands that talk to a cluster (`operator`, `runner`):
 * a file, or client-node's default search ($KUBECONFIG, ~/.kube/config, in-cluster).
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { OutputStream } from './context.js';

/** The kubeconfig, or undefined after writing why it cannot be used to `stderr`. */
export function loadKubeConfig(
  command: string,
  path: string | undefined,
  stderr: OutputStream,
): KubeConfig | undefined {
  const kubeConfig = new KubeConfig();
  try {
    if (path === undefined) kubeConfig.loadFromDefault();
    else kubeConfig.loadFromFile(path);
  } catch (error) {
    stderr.write(
      `synthctl ${command}: cannot load the kubeconfig: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return undefined;
  }
  if (kubeConfig.getCurrentCluster() === null) {
    stderr.write(
      `synthctl ${command}: no cluster in the kubeconfig (set --kubeconfig or $KUBECONFIG, or run in a pod)\n`,
    );
    return undefined;
  }
  return kubeConfig;
}
