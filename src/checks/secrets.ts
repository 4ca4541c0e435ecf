/**
 * Secret resolution outside Kubernetes: `valueFrom.env` reads an environment variable of the
 * synthctl process. Secret and ConfigMap references need a cluster; the operator supplies a
 * resolver for those.
 */
import { SecretResolutionError } from './errors.js';
import type { SecretResolver } from './types.js';

type Reference = Parameters<SecretResolver['resolve']>[0];

/** Describes a reference for messages: never includes a value. */
export function describeReference(ref: Reference, namespace?: string): string {
  if (ref.env !== undefined) return `env ${ref.env}`;
  const ns = namespace === undefined ? '' : `${namespace}/`;
  if (ref.secretKeyRef !== undefined)
    return `secret ${ns}${ref.secretKeyRef.name} key ${ref.secretKeyRef.key}`;
  if (ref.configMapKeyRef !== undefined)
    return `configmap ${ns}${ref.configMapKeyRef.name} key ${ref.configMapKeyRef.key}`;
  return 'an empty reference';
}

/** Resolves `valueFrom.env` from an environment (default: the process environment). */
export class EnvSecretResolver implements SecretResolver {
  readonly #env: Readonly<Record<string, string | undefined>>;

  constructor(env: Readonly<Record<string, string | undefined>> = process.env) {
    this.#env = env;
  }

  /** Returns the variable's value; throws SecretResolutionError when it is unset. */
  resolve(ref: Reference, namespace: string | undefined): Promise<string | undefined> {
    const name = describeReference(ref, namespace);
    if (ref.env !== undefined) {
      const value = this.#env[ref.env];
      if (value === undefined) {
        return Promise.reject(
          new SecretResolutionError(
            name,
            `environment variable ${ref.env} is not set (referenced as valueFrom.env)`,
          ),
        );
      }
      return Promise.resolve(value);
    }
    if (ref.secretKeyRef?.optional === true) return Promise.resolve(undefined);
    return Promise.reject(
      new SecretResolutionError(
        name,
        `${name} cannot be resolved outside Kubernetes: use valueFrom.env, or run in a cluster`,
      ),
    );
  }
}
