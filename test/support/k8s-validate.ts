/**
 * Offline validation of rendered Kubernetes objects, shared by the Kustomize and Helm tests:
 * built-in kinds with `kubernetes-models`, Prometheus Operator kinds with
 * `@kubernetes-models/prometheus-operator`, and synthctl resources with our own validator
 * (the CRD schemas and CEL rules, as `synthctl validate`).
 */
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
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
    // JSON, not YAML: the object is already parsed, and re-emitted YAML would let a string like
    // `on` be read back as a boolean (kubectl reads YAML 1.1 scalars, and so does validate).
    const result = validateText(JSON.stringify(object), `${label}.json`, { validator: resourceValidator });
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
  ports?: { containerPort: number; hostPort?: number }[];
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    procMount?: string;
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
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    seccompProfile?: { type?: string };
    sysctls?: { name: string; value: string }[];
  };
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
  volumes?: ({ name: string; emptyDir?: { medium?: string; sizeLimit?: string } } & Record<
    string,
    unknown
  >)[];
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
 * The sysctls Pod Security baseline (and so restricted) allows: the "safe" set of
 * k8s.io/pod-security-admission policy/check_sysctls.go at version latest (1.0, plus 1.27, 1.29
 * and 1.32 additions); the kubelet allows the same set by default.
 */
export const SAFE_SYSCTLS: ReadonlySet<string> = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
]);

/**
 * The capabilities Pod Security baseline lets a container add (check_capabilities_baseline.go);
 * NET_RAW is not among them, so a container adding it needs the privileged level.
 */
export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

/** The volume types restricted allows (check_restrictedVolumes.go). */
const RESTRICTED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/** The ICMP mode a runner pod is checked for (the Kustomize component and Helm's runner.icmp.mode). */
export type IcmpPod =
  /** The sysctl net.ipv4.ping_group_range for unprivileged ICMP sockets: restricted in full. */
  | 'unprivileged'
  /** NET_RAW added and privilege escalation allowed, no sysctl: privileged Pod Security. */
  | 'netRaw'
  /** No sysctl, no capability (the operator, runners with ICMP disabled): restricted in full. */
  | 'none';

/**
 * Asserts the restricted Pod Security profile (level latest) on a workload's pod and every
 * container, checked field by field as the pod-security-admission checks do; `icmp` says which
 * ICMP setting the pod must carry. `netRaw` departs from restricted in exactly two fields of the
 * first container (NET_RAW added, allowPrivilegeEscalation true) and sets no sysctl.
 */
export function assertRestrictedPod(workload: Workload, icmp: IcmpPod): void {
  const pod = workload.spec.template.spec;
  const name = workload.metadata.name;
  assert.equal(pod.hostNetwork ?? false, false, `${name}: hostNetwork`);
  assert.equal(pod.hostPID ?? false, false, `${name}: hostPID`);
  assert.equal(pod.hostIPC ?? false, false, `${name}: hostIPC`);
  assert.equal(pod.securityContext?.runAsNonRoot, true, `${name}: pod runAsNonRoot`);
  assert.notEqual(pod.securityContext?.runAsUser, 0, `${name}: pod runAsUser`);
  assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', `${name}: pod seccomp`);
  const sysctls = pod.securityContext?.sysctls ?? [];
  for (const s of sysctls) assert.ok(SAFE_SYSCTLS.has(s.name), `${name}: sysctl ${s.name} is not a safe one`);
  assert.deepEqual(
    sysctls,
    icmp === 'unprivileged' ? [{ name: 'net.ipv4.ping_group_range', value: '0 2147483647' }] : [],
    `${name}: sysctls`,
  );
  for (const v of pod.volumes ?? []) {
    const types = Object.keys(v).filter((k) => k !== 'name');
    assert.ok(
      types.length === 1 && RESTRICTED_VOLUMES.has(types[0]!),
      `${name}: volume ${v.name} of type ${types.join()}`,
    );
  }
  const containers = [...pod.containers, ...(pod.initContainers ?? [])];
  containers.forEach((c, index) => {
    const where = `${name}/${c.name}`;
    const sc = c.securityContext;
    const netRaw = icmp === 'netRaw' && index === 0;
    assert.equal(sc?.runAsNonRoot, true, `${where}: runAsNonRoot`);
    assert.notEqual(sc?.runAsUser, 0, `${where}: runAsUser`);
    assert.equal(sc?.readOnlyRootFilesystem, true, `${where}: readOnlyRootFilesystem`);
    assert.notEqual(sc?.privileged, true, `${where}: privileged`);
    assert.equal(sc?.procMount ?? 'Default', 'Default', `${where}: procMount`);
    assert.deepEqual(sc?.capabilities?.drop, ['ALL'], `${where}: drop ALL`);
    assert.equal(sc?.seccompProfile?.type, 'RuntimeDefault', `${where}: seccomp`);
    for (const p of c.ports ?? []) assert.equal(p.hostPort ?? 0, 0, `${where}: hostPort`);
    // restricted: no privilege escalation and nothing added but NET_BIND_SERVICE (we add
    // nothing). fping's file capability needs both NET_RAW and privilege escalation.
    assert.equal(sc?.allowPrivilegeEscalation, netRaw, `${where}: allowPrivilegeEscalation`);
    assert.deepEqual(sc?.capabilities?.add ?? [], netRaw ? ['NET_RAW'] : [], `${where}: added capabilities`);
  });
}

/**
 * The Pod Security level a pod needs: privileged when a container adds a capability outside
 * baseline's list, restricted when it meets {@link assertRestrictedPod} for `none` or
 * `unprivileged`; baseline otherwise (not used by our assets).
 */
export function podSecurityLevel(workload: Workload): 'restricted' | 'baseline' | 'privileged' {
  const containers = [
    ...workload.spec.template.spec.containers,
    ...(workload.spec.template.spec.initContainers ?? []),
  ];
  const added = containers.flatMap((c) => c.securityContext?.capabilities?.add ?? []);
  if (added.some((cap) => !BASELINE_CAPABILITIES.has(cap))) return 'privileged';
  try {
    const sysctls = workload.spec.template.spec.securityContext?.sysctls ?? [];
    assertRestrictedPod(workload, sysctls.length > 0 ? 'unprivileged' : 'none');
    return 'restricted';
  } catch {
    return 'baseline';
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
