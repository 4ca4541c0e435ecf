/**
 * Secrets as Kibana params. A monitor body never holds secret material: every `valueFrom` of a
 * monitor becomes a reference `${<key>}` to a Kibana param (`/api/synthetics/params`, elastic.md
 * §8.4) that the apply step creates or updates with the resolved value. Kibana and Heartbeat
 * substitute `${key}` in lightweight options at run time (kibana#147467).
 *
 * Keys are deterministic and collision-free: `synthctl_<monitor id>_<field>`, reduced to
 * `[A-Za-z0-9_]`; when that reduction loses information (two ids that differ only in `-` vs
 * `_`), a short digest of the exact pair is appended, so distinct fields never share a key.
 */
import { createHash } from 'node:crypto';

/** Where a managed param's value comes from; resolved by the apply step's SecretResolver. */
export interface ValueReference {
  readonly secretKeyRef?: { readonly name: string; readonly key: string; readonly optional?: boolean };
  readonly configMapKeyRef?: { readonly name: string; readonly key: string };
  readonly env?: string;
}

/** A Kibana param that a translated monitor references and the apply step must manage. */
export interface ManagedParam {
  /** The Kibana param key, referenced as `${key}` in the monitor. */
  readonly key: string;
  /** Where the value is; never the value itself. */
  readonly valueRef: ValueReference;
  /** The Kubernetes namespace to resolve `valueRef` in (the monitor's). */
  readonly namespace?: string;
  /** `['synthctl', 'synthctl-project:<projectId>']`, so prune finds what synthctl owns. */
  readonly tags: readonly string[];
  /** Which monitor field it feeds, for humans in Kibana's params list. */
  readonly description: string;
  /** The monitor that references it. */
  readonly monitorId: string;
  /** The spec field it replaces, e.g. `spec.http.auth.basic.password`. */
  readonly field: string;
}

/** The tag every synthctl-managed param carries. */
export const PARAM_TAG = 'synthctl';
/** The tag naming the owning project. */
export const projectParamTag = (projectId: string): string => `synthctl-project:${projectId}`;

const sanitize = (text: string): string => text.replace(/[^A-Za-z0-9_]/gu, '_');

/**
 * The param key for `field` of monitor `monitorId`, e.g.
 * `paramKey('default-orders', 'header_X-API-Key')` → `synthctl_default_orders_header_X_API_Key_1a2b3c4d`.
 */
export function paramKey(monitorId: string, field: string): string {
  const base = `synthctl_${sanitize(monitorId)}_${sanitize(field)}`;
  const lossless = sanitize(monitorId) === monitorId && sanitize(field) === field;
  if (lossless) return base;
  const digest = createHash('sha256').update(`${monitorId}\u0000${field}`).digest('hex').slice(0, 8);
  return `${base}_${digest}`;
}

/** `${key}`: how a monitor option references a Kibana param. */
export const paramReference = (key: string): string => `\${${key}}`;

/** A copy of a value reference with only the defined keys (no `undefined` members). */
export function copyValueReference(ref: ValueReference): ValueReference {
  const out: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string };
    env?: string;
  } = {};
  if (ref.secretKeyRef !== undefined) {
    out.secretKeyRef = { name: ref.secretKeyRef.name, key: ref.secretKeyRef.key };
    if (ref.secretKeyRef.optional !== undefined) out.secretKeyRef.optional = ref.secretKeyRef.optional;
  }
  if (ref.configMapKeyRef !== undefined) {
    out.configMapKeyRef = { name: ref.configMapKeyRef.name, key: ref.configMapKeyRef.key };
  }
  if (ref.env !== undefined) out.env = ref.env;
  return out;
}

/** A short human description of a reference, never its value: `Secret shop/api-key`, `env DEMO_API_KEY`. */
export function describeReference(ref: ValueReference): string {
  if (ref.secretKeyRef !== undefined) return `Secret ${ref.secretKeyRef.name} key ${ref.secretKeyRef.key}`;
  if (ref.configMapKeyRef !== undefined) {
    return `ConfigMap ${ref.configMapKeyRef.name} key ${ref.configMapKeyRef.key}`;
  }
  return `environment variable ${ref.env ?? '?'}`;
}
