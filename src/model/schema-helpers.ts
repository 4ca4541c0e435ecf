import { Type, type TSchema, type SchemaOptions, type TUnsafe } from '@sinclair/typebox';

/** A CEL validation rule in the Kubernetes `x-kubernetes-validations` shape. */
export interface CelRule {
  /** The CEL expression, evaluated with `self` bound to the node the rule is attached to. */
  readonly rule: string;
  /** The message the API server (and `synthctl validate`) shows when the rule is false. */
  readonly message: string;
  /** Where the error points, relative to the node (`.http`), as the API server reports it. */
  readonly fieldPath?: string;
  /** Machine-readable reason (`FieldValueInvalid`, `FieldValueRequired`, ...). */
  readonly reason?:
    'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/**
 * A string restricted to a fixed set of values, emitted as `enum` (the CRD-friendly form)
 * rather than TypeBox's `anyOf` of literals, which structural schemas forbid.
 */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/** A map of string to string (labels, fields), emitted as `additionalProperties`. */
export function StringMap(options: SchemaOptions = {}): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({
    ...options,
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 4096 },
  });
}

/** An integer or a string (`200`, `"2xx"`), the Kubernetes int-or-string pattern. */
export function IntOrString(options: SchemaOptions = {}): TUnsafe<number | string> {
  return Type.Unsafe<number | string>({
    ...options,
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string', maxLength: 64 }],
  });
}

/** Any JSON value (JSON bodies, expected values): kept verbatim by the API server. */
export function AnyJson(options: SchemaOptions = {}): TUnsafe<unknown> {
  return Type.Unsafe<unknown>({ ...options, 'x-kubernetes-preserve-unknown-fields': true });
}

/** A free-form object (Playwright options), kept verbatim by the API server. */
export function FreeObject(options: SchemaOptions = {}): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({
    ...options,
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
  });
}

/** Attaches CEL rules to a schema node without changing its static type. */
export function withRules<T extends TSchema>(schema: T, rules: readonly CelRule[]): T {
  const annotated: T = { ...schema, 'x-kubernetes-validations': rules };
  return annotated;
}

/** A closed object: unknown keys are errors in `synthctl validate` (like `kubectl --validate=strict`). */
export const closed = { additionalProperties: false } as const;
