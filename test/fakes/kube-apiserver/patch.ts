/**
 * The patch formats of the API server, chosen by Content-Type: JSON merge patch (RFC 7386),
 * JSON patch (RFC 6902), and a simplified strategic merge patch for built-in types.
 */

/** A patch that cannot be applied: the server answers with `status` and this message. */
export class PatchError extends Error {
  override readonly name = 'PatchError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

type Json = unknown;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386: objects merge recursively, `null` deletes, everything else replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) Reflect.deleteProperty(out, key);
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/**
 * Strategic merge patch, simplified: a merge patch whose directives (`$patch`, `$retainKeys`,
 * `$setElementOrder/...`, `$deleteFromPrimitiveList/...`) are dropped. Lists are replaced
 * whole, where the real server merges lists by their patch merge key.
 */
export function strategicMergePatch(target: Json, patch: Json): Json {
  return mergePatch(target, stripDirectives(patch));
}

function stripDirectives(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (!key.startsWith('$')) out[key] = stripDirectives(v);
  return out;
}

/** Server-side apply, simplified: objects merge recursively, lists and scalars replace. */
export function applyMerge(target: Json, applied: Json): Json {
  if (!isObject(applied)) return structuredClone(applied);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(applied)) out[key] = applyMerge(out[key], value);
  return out;
}

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(422, `invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentOf(doc: Json, tokens: string[], op: string): [Record<string, unknown> | unknown[], string] {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = node[token];
    else node = undefined;
    if (node === undefined)
      throw new PatchError(422, `${op} operation does not apply: doc is missing path: /${tokens.join('/')}`);
  }
  if (!Array.isArray(node) && !isObject(node))
    throw new PatchError(422, `${op} operation does not apply: doc is missing path: /${tokens.join('/')}`);
  return [node, tokens[tokens.length - 1]!];
}

function getAt(doc: Json, pointer: string): Json {
  let node = doc;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = node[token];
    else return undefined;
  }
  return node;
}

function removeAt(doc: Json, pointer: string, op: string): Json {
  const tokens = parsePointer(pointer);
  const [parent, key] = parentOf(doc, tokens, op);
  if (Array.isArray(parent)) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index >= parent.length)
      throw new PatchError(422, `${op} operation does not apply: doc is missing path: ${pointer}`);
    return parent.splice(index, 1)[0];
  }
  if (!Object.hasOwn(parent, key))
    throw new PatchError(422, `${op} operation does not apply: doc is missing path: ${pointer}`);
  const old = parent[key];
  Reflect.deleteProperty(parent, key);
  return old;
}

function addAt(doc: Json, pointer: string, value: Json, replace: boolean): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const [parent, key] = parentOf(doc, tokens, replace ? 'replace' : 'add');
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length - (replace ? 1 : 0))
      throw new PatchError(422, `add operation does not apply: index out of range: ${pointer}`);
    parent.splice(index, replace ? 1 : 0, value);
  } else {
    if (replace && !Object.hasOwn(parent, key))
      throw new PatchError(422, `replace operation does not apply: doc is missing key: ${pointer}`);
    parent[key] = value;
  }
  return doc;
}

/** RFC 6902 JSON patch. The body must be an array of operations (else 400, as the server). */
export function jsonPatch(target: Json, operations: Json): Json {
  if (!Array.isArray(operations))
    throw new PatchError(
      400,
      `json: cannot unmarshal ${isObject(operations) ? 'object' : typeof operations} into Go value of type []handlers.jsonPatchOp`,
    );
  let doc = structuredClone(target);
  for (const raw of operations) {
    if (!isObject(raw) || typeof raw['op'] !== 'string' || typeof raw['path'] !== 'string')
      throw new PatchError(400, 'json patch operation is missing op or path');
    const op = raw as unknown as Operation;
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, structuredClone(op.value), false);
        break;
      case 'replace':
        doc = addAt(doc, op.path, structuredClone(op.value), true);
        break;
      case 'remove':
        removeAt(doc, op.path, 'remove');
        break;
      case 'move': {
        const value = removeAt(doc, op.from ?? '', 'move');
        doc = addAt(doc, op.path, value, false);
        break;
      }
      case 'copy': {
        const value = getAt(doc, op.from ?? '');
        if (value === undefined)
          throw new PatchError(
            422,
            `copy operation does not apply: doc is missing from path: ${op.from ?? ''}`,
          );
        doc = addAt(doc, op.path, structuredClone(value), false);
        break;
      }
      case 'test':
        if (JSON.stringify(getAt(doc, op.path)) !== JSON.stringify(op.value))
          throw new PatchError(422, `testing value ${op.path} failed: test failed`);
        break;
      default:
        throw new PatchError(400, `Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}
