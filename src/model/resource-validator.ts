/**
 * Schema and CEL validation of one loaded resource, with located diagnostics. The CEL rules
 * are the schema's own (`x-kubernetes-validations`), reported with the schema's message, so
 * `synthctl validate` and the API server reject a document with the same words.
 */
import type { TSchema } from '@sinclair/typebox';
import type { LoadedResource } from '../load/resources.js';
import { CelRuleSet } from './cel.js';
import { formatPath, type Diagnostic } from './diagnostics.js';
import { KINDS, type Kind } from './schema.js';
import { SchemaValidator, type SchemaIssue } from './schema-validator.js';

/** Validates resources against the schema and its CEL rules. Compile once, reuse for many. */
export class ResourceValidator {
  readonly #schema = new SchemaValidator();
  readonly #rules: ReadonlyMap<Kind, CelRuleSet>;

  constructor() {
    const rules = new Map<Kind, CelRuleSet>();
    for (const [kind, schema] of Object.entries(KINDS) as [Kind, TSchema][])
      rules.set(kind, new CelRuleSet(schema));
    this.#rules = rules;
  }

  /** Every schema and CEL problem of one resource; empty when it is valid. Never throws. */
  validate(resource: LoadedResource): Diagnostic[] {
    const diagnostics: Diagnostic[] = [];
    let issues: SchemaIssue[];
    try {
      issues = this.#schema.validate(resource.kind, resource.object);
    } catch (error) {
      issues = [
        {
          path: [],
          target: 'key',
          code: 'schema.internal',
          message: `the schema could not be applied: ${error instanceof Error ? error.message : String(error)}`,
          isTypeError: true,
        },
      ];
    }
    for (const issue of issues) {
      diagnostics.push(
        this.#diagnostic(resource, issue.path, issue.target, issue.code, issue.message, issue.hint),
      );
    }

    // A rule on a node whose own type is wrong cannot say anything the type error does not.
    const mistyped = new Set(issues.filter((i) => i.isTypeError).map((i) => formatPath(i.path)));
    const reported = new Set(diagnostics.map((d) => `${d.path}\u0000${d.message}`));
    let violations;
    try {
      violations = this.#rules.get(resource.kind)?.evaluate(resource.object) ?? [];
    } catch (error) {
      violations = [
        {
          path: [],
          rule: '',
          message: 'the CEL rules could not be evaluated',
          error: error instanceof Error ? error.message : String(error),
        },
      ];
    }
    for (const violation of violations) {
      const path = formatPath(violation.path);
      if (mistyped.has(path) || reported.has(`${path}\u0000${violation.message}`)) continue;
      reported.add(`${path}\u0000${violation.message}`);
      diagnostics.push(
        this.#diagnostic(
          resource,
          violation.path,
          'key',
          'schema.rule',
          violation.message,
          violation.error === undefined
            ? presentFieldsHint(violation.rule, valueAt(resource.object, violation.path))
            : `the rule could not be evaluated (${violation.error}); the API server rejects such a value too`,
        ),
      );
    }
    return diagnostics;
  }

  #diagnostic(
    resource: LoadedResource,
    path: readonly (string | number)[],
    target: 'key' | 'value',
    code: string,
    message: string,
    hint: string | undefined,
  ): Diagnostic {
    const position = resource.locate(path, target);
    return {
      severity: 'error',
      file: resource.file,
      line: position.line,
      column: position.column,
      path: formatPath(path),
      code,
      message,
      ...(hint === undefined ? {} : { hint }),
      resource: resource.id,
    };
  }
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/**
 * For "exactly one of" rules, which of the fields the rule counts are set: the rule's message
 * says what is valid, this says what was found.
 */
function presentFieldsHint(rule: string, node: unknown): string | undefined {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  const counted = [
    ...new Set([...rule.matchAll(/has\(self\.([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1]!)),
  ];
  if (counted.length < 2) return undefined;
  // `!has(self.path) || ...` guards the rule; the guard field is not one of those counted.
  const guards = new Set([...rule.matchAll(/!has\(self\.([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1]!));
  const fields = counted.filter((name) => !guards.has(name));
  if (fields.length < 2) return undefined;
  const present = fields.filter((name) => Object.hasOwn(node, name));
  return present.length === 0 ? `none of ${fields.join(', ')} is set` : `set here: ${present.join(', ')}`;
}
