/**
 * Offline validation of rendered Kubernetes objects, shared by the Kustomize and Helm tests:
 * built-in kinds with `kubernetes-models`, Prometheus Operator kinds with
 * `@kubernetes-models/prometheus-operator`, and synthctl resources with our own validator
 * (the CRD schemas and CEL rules, as `synthctl validate`).
 */
import assert from 'node:assert/strict';
import { parseAllDocuments, stringify as stringifyYaml } from 'yaml';
import { validateText } from '../../src/model/validate.js';
import { ResourceValidator } from '../../src/model/resource-validator.js';

/** A rendered Kubernetes object. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
};

type Validatable = new (data: unknown) => { validate(): void };

/** Parses a multi-document YAML stream; YAML errors fail the test; empty documents are dropped. */
export function parseObjects(text: string, where: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      assert.deepEqual(
        doc.errors.map((e) => e.message),
        [],
        `${where}: YAML errors`,
      );
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/**
 * The model class of an apiVersion/kind: `kubernetes-models/<group>/<version>/<Kind>` (the core
 * group has no group segment), or the Prometheus Operator package for monitoring.coreos.com.
 */
export async function modelFor(apiVersion: string, kind: string): Promise<Validatable> {
  const modulePath = apiVersion.startsWith('monitoring.coreos.com/')
    ? `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`
    : `kubernetes-models/${apiVersion}/${kind}`;
  const module = (await import(modulePath)) as Record<string, unknown>;
  const model = module[kind] ?? module.default;
  assert.equal(typeof model, 'function', `no model for ${apiVersion} ${kind}`);
  return model as Validatable;
}

const resourceValidator = new ResourceValidator();

/** Validates one object against its schema; throws (an assertion error) when it does not fit. */
export async function validateObject(object: K8sObject, where: string): Promise<void> {
  const label = `${where}: ${object.kind}/${object.metadata.name}`;
  if (object.apiVersion.startsWith('synthctl.dev/')) {
    const result = validateText(stringifyYaml(object), `${label}.yaml`, { validator: resourceValidator });
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(
      errors.map((d) => `${d.path}: ${d.message}`),
      [],
      `${label} fails synthctl validate`,
    );
    assert.equal(result.accepted.length, 1, `${label} not accepted`);
    return;
  }
  const Model = await modelFor(object.apiVersion, object.kind);
  assert.doesNotThrow(() => {
    new Model(object).validate();
  }, `${label} fails its Kubernetes schema`);
}

/** A container as the Pod Security assertions read it. */
export type Container = {
  name: string;
  image?: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  securityContext?: {
    runAsNonRoot?: boolean;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type?: string };
  };
  livenessProbe?: { httpGet?: { path?: string } };
  readinessProbe?: { httpGet?: { path?: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string }[];
};

/** A pod spec as the assertions read it. */
export type PodSpec = {
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type?: string } };
  containers: Container[];
  initContainers?: Container[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  serviceAccountName?: string;
  imagePullSecrets?: { name: string }[];
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
  affinity?: unknown;
  volumes?: { name: string; emptyDir?: { medium?: string; sizeLimit?: string } }[];
};

/** A Deployment as the assertions read it. */
export type Workload = K8sObject & {
  spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: { spec: PodSpec } };
};

/** The Deployments among the objects. */
export function workloads(objects: K8sObject[]): Workload[] {
  return objects.filter((o): o is Workload => o.kind === 'Deployment');
}

/**
 * Asserts the restricted Pod Security profile on every container of a workload; `netRaw` is
 * the one capability a runner adds for ICMP (allowed by baseline, not by restricted).
 */
export function assertRestrictedPod(workload: Workload, netRaw: boolean): void {
  const pod = workload.spec.template.spec;
  const name = workload.metadata.name;
  assert.equal(pod.hostNetwork ?? false, false, `${name}: hostNetwork`);
  assert.equal(pod.hostPID ?? false, false, `${name}: hostPID`);
  assert.equal(pod.hostIPC ?? false, false, `${name}: hostIPC`);
  assert.equal(pod.securityContext?.runAsNonRoot, true, `${name}: pod runAsNonRoot`);
  assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', `${name}: pod seccomp`);
  for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
    const where = `${name}/${c.name}`;
    const sc = c.securityContext;
    assert.equal(sc?.runAsNonRoot, true, `${where}: runAsNonRoot`);
    assert.equal(sc?.readOnlyRootFilesystem, true, `${where}: readOnlyRootFilesystem`);
    assert.equal(sc?.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
    assert.notEqual(sc?.privileged, true, `${where}: privileged`);
    assert.deepEqual(sc?.capabilities?.drop, ['ALL'], `${where}: drop ALL`);
    assert.equal(sc?.seccompProfile?.type, 'RuntimeDefault', `${where}: seccomp`);
    // restricted allows adding only NET_BIND_SERVICE; NET_RAW is the runner's ICMP exception.
    assert.deepEqual(sc?.capabilities?.add ?? [], netRaw ? ['NET_RAW'] : [], `${where}: added capabilities`);
  }
}

/** An RBAC rule. */
export type Rule = {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
};
/** A Role or ClusterRole. */
export type RbacRole = K8sObject & { rules?: Rule[] };

/** The Roles and ClusterRoles among the objects. */
export function rbacRoles(objects: K8sObject[]): RbacRole[] {
  return objects.filter((o): o is RbacRole => o.kind === 'ClusterRole' || o.kind === 'Role');
}

/** Asserts that no rule of any role uses a wildcard. */
export function assertNoWildcards(roles: RbacRole[]): void {
  for (const role of roles) {
    for (const rule of role.rules ?? []) {
      for (const field of [rule.apiGroups, rule.resources, rule.verbs, rule.nonResourceURLs]) {
        assert.ok(
          !(field ?? []).some((v) => v.includes('*')),
          `${role.metadata.name}: wildcard in ${JSON.stringify(rule)}`,
        );
      }
    }
  }
}

/** A role's rules in a canonical form (sorted lists, sorted rules), to compare two renderings. */
export function canonicalRules(role: RbacRole): string[] {
  return (role.rules ?? [])
    .map((r) =>
      JSON.stringify({
        apiGroups: [...(r.apiGroups ?? [])].sort(),
        resources: [...(r.resources ?? [])].sort(),
        verbs: [...r.verbs].sort(),
        nonResourceURLs: [...(r.nonResourceURLs ?? [])].sort(),
      }),
    )
    .sort();
}
