/**
 * Offline evaluation of the CEL rules (`x-kubernetes-validations`) in the schema, so
 * `synthctl validate` rejects what the API server would (kubernetes.md §9).
 *
 * `@bufbuild/cel` has the standard library and the strings extension, not the Kubernetes
 * libraries (`isURL`, `quantity`, ...) and no cost estimate: rules stay in the standard subset,
 * and `unsupportedFunctions` lets a test enforce that. Values are converted the way the API
 * server types them from the schema: integers are `int` (`bigint`), objects and maps are maps.
 */
import { celEnv, isCelError, parse, plan, CelScalar, type CelInput } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { TSchema } from '@sinclair/typebox';
import type { CelRule } from './schema-helpers.js';

/** A rule that does not hold for a node: where, what the rule says, and the rule itself. */
export interface RuleViolation {
  readonly path: (string | number)[];
  readonly message: string;
  readonly rule: string;
  /** Set when the rule could not be evaluated (an error is a violation, as for the API server). */
  readonly error?: string;
}

/** A rule as it appears in the schema, with the schema path of its node. */
export interface SchemaRule extends CelRule {
  /** Field path of the node, `[]` for items and `{}` for map values: `spec.http.headers[]`. */
  readonly path: string;
  /** The schema node the rule is attached to. */
  readonly node: TSchema;
}

type Node = Record<string, unknown>;
type Program = (bindings: { self: CelInput }) => unknown;

interface CompiledRule {
  readonly rule: CelRule;
  /**
   * Parses and plans the rule on first use, then returns the same result: a program, or the
   * reason the rule does not compile. Rules on fields a document lacks are never compiled.
   */
  readonly compile: () => { program: Program } | { compileError: string };
  /** Transition rules (`oldSelf`) only run on update; offline validation is a create. */
  readonly isTransition: boolean;
}

interface CompiledNode {
  readonly type: string | undefined;
  readonly rules: readonly CompiledRule[];
  readonly properties: ReadonlyMap<string, CompiledNode>;
  readonly additional: CompiledNode | undefined;
  readonly items: CompiledNode | undefined;
  /** True when this node or a descendant has a rule: other subtrees are not converted. */
  readonly hasRules: boolean;
  /** Integers are CEL `int`; elsewhere JSON numbers follow the API server's unstructured typing. */
  readonly isInteger: boolean;
  readonly isNumber: boolean;
  /** `nullable: true`; without it the API server prunes a null field before validation. */
  readonly nullable: boolean;
  /** Untyped subtree (`x-kubernetes-preserve-unknown-fields`, int-or-string): convert generically. */
  readonly isGeneric: boolean;
}

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const rulesOf = (node: Node): CelRule[] => {
  const rules = node['x-kubernetes-validations'];
  return Array.isArray(rules)
    ? rules.filter((r): r is CelRule => isNode(r) && typeof r['rule'] === 'string')
    : [];
};

/** Walks the CEL AST for call names (`size`, `matches`, `_+_`). Macros are already expanded. */
function collectCalls(expr: unknown, out: Set<string>): void {
  if (Array.isArray(expr)) {
    for (const e of expr) collectCalls(e, out);
    return;
  }
  if (!isNode(expr)) return;
  const kind = expr['exprKind'];
  if (isNode(kind) && kind['case'] === 'callExpr' && isNode(kind['value'])) {
    out.add(String(kind['value']['function']));
  }
  for (const [key, value] of Object.entries(expr)) {
    if (key !== '$typeName' && typeof value === 'object') collectCalls(value, out);
  }
}

/**
 * The compiled form of a schema: every rule parsed and planned once. Prefer one instance per
 * schema for many documents; `evaluateRules` memoises one per schema for callers that do not.
 */
export class CelRuleSet {
  readonly #env = celEnv({ variables: { self: CelScalar.DYN }, funcs: strings });
  readonly #root: CompiledNode;

  constructor(schema: TSchema) {
    this.#root = this.#compile(schema);
  }

  /** Evaluates every rule on every node of `value` that is present; never throws. */
  evaluate(value: unknown): RuleViolation[] {
    const out: RuleViolation[] = [];
    if (this.#root.hasRules) visit(this.#root, value, [], out);
    return out;
  }

  /**
   * Evaluates only the rules attached to the root node (children are typed, not checked):
   * what a per-rule fixture needs.
   */
  evaluateRoot(value: unknown): RuleViolation[] {
    const out: RuleViolation[] = [];
    const root = this.#root;
    if (root.isGeneric || hasDeclaredType(root, value)) {
      evaluateNode(root, convertQuiet(root, value), [], out);
    }
    return out;
  }

  /**
   * Functions a rule calls that the offline evaluator lacks (Kubernetes libraries, typos);
   * a rule that does not parse yields one entry saying so.
   */
  unsupportedFunctions(rule: string): string[] {
    const calls = new Set<string>();
    try {
      collectCalls(parse(rule).expr, calls);
    } catch (error) {
      return [`(the rule does not parse: ${(error as Error).message})`];
    }
    // Logical operators and the conditional are evaluated by the planner, not looked up.
    const builtIn = new Set(['_&&_', '_||_', '_?_:_', '@not_strictly_false', '@in']);
    return [...calls].filter((name) => !builtIn.has(name) && this.#env.funcs.find(name) === undefined).sort();
  }

  #compile(schema: unknown): CompiledNode {
    const node = isNode(schema) ? schema : {};
    const properties = new Map<string, CompiledNode>();
    if (isNode(node['properties'])) {
      for (const [key, child] of Object.entries(node['properties']))
        properties.set(key, this.#compile(child));
    }
    const additional = isNode(node['additionalProperties'])
      ? this.#compile(node['additionalProperties'])
      : undefined;
    const items = isNode(node['items']) ? this.#compile(node['items']) : undefined;
    const rules = rulesOf(node).map((rule) => this.#compileRule(rule));
    const hasRules =
      rules.length > 0 ||
      [...properties.values()].some((p) => p.hasRules) ||
      (additional?.hasRules ?? false) ||
      (items?.hasRules ?? false);
    const type = typeof node['type'] === 'string' ? node['type'] : undefined;
    return {
      type,
      rules,
      properties,
      additional,
      items,
      hasRules,
      isInteger: type === 'integer',
      isNumber: type === 'number',
      isGeneric: type === undefined,
      nullable: node['nullable'] === true,
    };
  }

  #compileRule(rule: CelRule): CompiledRule {
    const isTransition = /\boldSelf\b/.test(rule.rule);
    // Planning every rule of both kinds up front cost tens of milliseconds per command start.
    let compiled: { program: Program } | { compileError: string } | undefined;
    const compile = (): { program: Program } | { compileError: string } => {
      if (compiled !== undefined) return compiled;
      try {
        const planned = plan(this.#env, parse(rule.rule));
        compiled = { program: (bindings) => planned(bindings) };
      } catch (error) {
        compiled = { compileError: (error as Error).message };
      }
      return compiled;
    };
    return { rule, compile, isTransition };
  }
}

/** Converts JSON the way the API server types untyped (unstructured) values for CEL. */
function toGeneric(value: unknown): CelInput {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toGeneric);
  if (isNode(value)) {
    const map = new Map<string, CelInput>();
    for (const [key, child] of Object.entries(value)) map.set(key, toGeneric(child));
    return map;
  }
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value;
  return null;
}

/** Whether a value has the JSON type the node declares; rules only run on well-typed nodes. */
function hasDeclaredType(node: CompiledNode, value: unknown): boolean {
  switch (node.type) {
    case 'object':
      return isNode(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

/**
 * Converts `value` along `node`, evaluating rules bottom-up on the way, so each subtree is
 * converted once however many rules sit above it. Returns the CEL value of the node.
 */
function visit(
  node: CompiledNode,
  value: unknown,
  path: (string | number)[],
  out: RuleViolation[],
): CelInput {
  if (node.isGeneric || !hasDeclaredType(node, value)) {
    // A mistyped node is the schema validator's to report: a rule on it would only add noise.
    const converted = toGeneric(value);
    if (!node.isGeneric) return converted;
    evaluateNode(node, converted, path, out);
    return converted;
  }
  let converted: CelInput;
  if (Array.isArray(value)) {
    converted = value.map((item, i) =>
      node.items?.hasRules === true
        ? visit(node.items, item, [...path, i], out)
        : convertQuiet(node.items, item),
    );
  } else if (isNode(value)) {
    const map = new Map<string, CelInput>();
    for (const [key, child] of Object.entries(value)) {
      const childNode = node.properties.get(key) ?? node.additional;
      if (isPrunedNull(childNode, child)) continue;
      map.set(
        key,
        childNode?.hasRules === true
          ? visit(childNode, child, [...path, key], out)
          : convertQuiet(childNode, child),
      );
    }
    converted = map;
  } else if (typeof value === 'number') {
    converted = node.isNumber ? value : toGeneric(value);
  } else {
    converted = toGeneric(value);
  }
  evaluateNode(node, converted, path, out);
  return converted;
}

/**
 * The API server drops `null` from a field whose schema is not `nullable` before it validates
 * (apiextensions `PruneNonNullableNullsWithoutDefaults`): `{equals: null}` reaches the rules
 * as `{}`. Unknown keys and untyped subtrees keep their nulls.
 */
function isPrunedNull(node: CompiledNode | undefined, value: unknown): boolean {
  return value === null && node !== undefined && !node.nullable;
}

/** Converts a subtree that has no rules (no evaluation, same typing). */
function convertQuiet(node: CompiledNode | undefined, value: unknown): CelInput {
  if (node === undefined || node.isGeneric || !hasDeclaredType(node, value)) return toGeneric(value);
  if (Array.isArray(value)) return value.map((item) => convertQuiet(node.items, item));
  if (isNode(value)) {
    const map = new Map<string, CelInput>();
    for (const [key, child] of Object.entries(value)) {
      const childNode = node.properties.get(key) ?? node.additional;
      if (!isPrunedNull(childNode, child)) map.set(key, convertQuiet(childNode, child));
    }
    return map;
  }
  if (typeof value === 'number') return node.isNumber ? value : toGeneric(value);
  return toGeneric(value);
}

function evaluateNode(
  node: CompiledNode,
  self: CelInput,
  path: (string | number)[],
  out: RuleViolation[],
): void {
  for (const compiled of node.rules) {
    if (compiled.isTransition) continue;
    const { rule } = compiled;
    const at = rule.fieldPath === undefined ? path : [...path, ...parseFieldPath(rule.fieldPath)];
    const program = compiled.compile();
    if ('compileError' in program) {
      out.push({
        path: at,
        message: rule.message,
        rule: rule.rule,
        error: `the rule does not compile: ${program.compileError}`,
      });
      continue;
    }
    let result: unknown;
    try {
      result = program.program({ self });
    } catch (error) {
      // The evaluator promises not to throw; an odd value must still never crash validation.
      result = error;
    }
    if (result === true) continue;
    const error = isCelError(result) || result instanceof Error ? result.message : undefined;
    out.push(
      error === undefined
        ? { path: at, message: rule.message, rule: rule.rule }
        : { path: at, message: rule.message, rule: rule.rule, error },
    );
  }
}

/** Parses a Kubernetes rule `fieldPath` (`.a.b`, `.a['k']`, `.a[0]`) into path segments. */
export function parseFieldPath(fieldPath: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const [, name, index, quoted] of fieldPath.matchAll(
    /\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\['([^']*)'\]/g,
  )) {
    if (name !== undefined) segments.push(name);
    else if (index !== undefined) segments.push(Number(index));
    else if (quoted !== undefined) segments.push(quoted);
  }
  return segments;
}

/** Every CEL rule in a schema with the field path of its node, in document order. */
export function listRules(schema: TSchema): SchemaRule[] {
  const out: SchemaRule[] = [];
  const walk = (node: unknown, path: string): void => {
    if (!isNode(node)) return;
    for (const rule of rulesOf(node)) out.push({ ...rule, path, node: node as TSchema });
    if (isNode(node['properties'])) {
      for (const [key, child] of Object.entries(node['properties']))
        walk(child, path === '' ? key : `${path}.${key}`);
    }
    if (isNode(node['additionalProperties'])) walk(node['additionalProperties'], `${path}{}`);
    if (isNode(node['items'])) walk(node['items'], `${path}[]`);
  };
  walk(schema, '');
  return out;
}

const memo = new WeakMap<TSchema, CelRuleSet>();

/**
 * Evaluates every CEL rule of `schema` on every node of `value` that is present, and returns
 * the violations with their paths. Compiles each schema once: the memo is keyed by the
 * (immutable, module-constant) schema object and is invisible to callers, so it is a cache of
 * a pure function, not state.
 */
export function evaluateRules(schema: TSchema, value: unknown): RuleViolation[] {
  let set = memo.get(schema);
  if (set === undefined) {
    set = new CelRuleSet(schema);
    memo.set(schema, set);
  }
  return set.evaluate(value);
}
