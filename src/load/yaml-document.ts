/**
 * YAML documents with positions: every node of every document keeps its file:line:column so
 * that a diagnostic about `spec.http.method` points at the line the user wrote.
 */
import {
  LineCounter,
  parseAllDocuments,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Document,
  type Node as YamlNode,
} from 'yaml';
import type { Diagnostic } from '../model/diagnostics.js';
import { formatPath } from '../model/diagnostics.js';
import { parseFast } from './yaml-fast-path.js';

/** A 1-based line and column in a source text. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** Where a field is: its key (absent for sequence items and the root) and its value. */
export interface NodePosition {
  readonly key?: SourcePosition;
  readonly value: SourcePosition;
  /** True when the value is a mapping or sequence (its "value" position is its first entry). */
  readonly isCollection: boolean;
}

/** A field path as segments: keys are strings, sequence indexes numbers. */
export type PathSegments = readonly (string | number)[];

/** Which part of a field a diagnostic should point at. */
export type LocateTarget = 'key' | 'value';

// Segments are joined with NUL, which cannot occur in a YAML plain or quoted key we care about
// often enough to matter, and is cheaper than JSON-encoding every path.
const SEPARATOR = '\u0000';

function pathKey(path: PathSegments): string {
  return path.length === 0 ? '' : path.join(SEPARATOR);
}

// Offsets are stored and turned into lines and columns only when a diagnostic asks: a document
// has dozens of nodes and usually no diagnostic at all.
interface Entry {
  readonly key: number | undefined;
  readonly value: number;
  readonly isCollection: boolean;
}

/** Positions of every node of one document, by field path. */
export class PositionMap {
  readonly #entries = new Map<string, Entry>();
  readonly #rootOffset: number;
  readonly #toPosition: (offset: number) => SourcePosition;

  constructor(rootOffset: number, toPosition: (offset: number) => SourcePosition) {
    this.#rootOffset = rootOffset;
    this.#toPosition = toPosition;
  }

  /** Records the source offsets of the node at `path` (its key, if any, and its value). */
  set(path: PathSegments, keyOffset: number | undefined, valueOffset: number, isCollection: boolean): void {
    this.#entries.set(pathKey(path), { key: keyOffset, value: valueOffset, isCollection });
  }

  /** The exact position of `path`, or undefined when the document has no such node. */
  get(path: PathSegments): NodePosition | undefined {
    const entry = this.#entries.get(pathKey(path));
    if (entry === undefined) return undefined;
    const value = this.#toPosition(entry.value);
    return entry.key === undefined
      ? { value, isCollection: entry.isCollection }
      : { key: this.#toPosition(entry.key), value, isCollection: entry.isCollection };
  }

  /**
   * Where a diagnostic about `path` should point. A missing field falls back to the nearest
   * ancestor that exists, at that ancestor's key: a missing required field points at its
   * parent (`http:`), which is where the user has to add it.
   */
  locate(path: PathSegments, target: LocateTarget = 'value'): SourcePosition {
    const exact = this.#entries.get(pathKey(path));
    if (exact !== undefined) {
      if (target === 'key' || exact.isCollection) return this.#toPosition(exact.key ?? exact.value);
      return this.#toPosition(exact.value);
    }
    for (let length = path.length - 1; length > 0; length--) {
      const ancestor = this.#entries.get(pathKey(path.slice(0, length)));
      if (ancestor !== undefined) return this.#toPosition(ancestor.key ?? ancestor.value);
    }
    return this.root;
  }

  /** The position of the document's root node. */
  get root(): SourcePosition {
    return this.#toPosition(this.#rootOffset);
  }
}

/** One YAML document of a file: its value, its positions and the problems found parsing it. */
export interface YamlDocument {
  readonly file: string;
  /** 0-based index of the document in its file. */
  readonly index: number;
  /** The document as plain JSON-like data; undefined when it could not be converted. */
  readonly value: unknown;
  readonly positions: PositionMap;
  /** Syntax errors, duplicate keys, bad aliases and YAML warnings, all located. */
  readonly diagnostics: readonly Diagnostic[];
  /** True when the document has errors that make its value unreliable. */
  readonly hasErrors: boolean;
}

// Kubernetes refuses alias bombs too; 100 expansions is the yaml package's own default.
const MAX_ALIAS_COUNT = 100;
// Deeper nesting than this is not a resource anyone wrote by hand; it only risks the stack.
const MAX_DEPTH = 256;

/**
 * Parses every document of a YAML text; never throws, every problem becomes a diagnostic.
 * Plain single-document files (nearly every monitor file) take the fast path of
 * yaml-fast-path.ts, which yields the same value and positions; the rest, and every text with
 * a problem to report, is parsed by the `yaml` package.
 */
export function parseYamlDocuments(text: string, file: string): YamlDocument[] {
  const fast = parseFast(text);
  if (fast !== undefined) {
    const positions = new PositionMap(fast.rootOffset, lazyLinePositions(text));
    for (const entry of fast.entries) positions.set(entry.path, entry.key, entry.value, entry.isCollection);
    return [{ file, index: 0, value: fast.value, positions, diagnostics: [], hasErrors: false }];
  }
  return parseWithYaml(text, file);
}

/** {@link parseYamlDocuments} without the fast path: every text through the `yaml` package. */
export function parseWithYaml(text: string, file: string): YamlDocument[] {
  const lineCounter = new LineCounter();
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)));
    return { line: Math.max(1, line), column: Math.max(1, col) };
  };
  let documents: Document.Parsed[];
  try {
    const parsed = parseAllDocuments(text, {
      lineCounter,
      prettyErrors: false,
      // Duplicates are reported by the walk below, with their field path.
      uniqueKeys: false,
      // Kubernetes reads YAML with go-yaml, which honours `<<` merge keys.
      merge: true,
    });
    documents = Array.isArray(parsed) ? parsed : [];
  } catch (error) {
    return [failedDocument(file, at(0), `YAML could not be parsed: ${errorMessage(error)}`)];
  }
  const out: YamlDocument[] = [];
  documents.forEach((doc, index) => {
    out.push(convertDocument(doc, index, file, at));
  });
  return out;
}

/**
 * Offsets to lines and columns exactly as the `yaml` package's LineCounter gives them for the
 * texts the fast path reads (line starts after every line feed), built on first use: a valid
 * document is never asked.
 */
function lazyLinePositions(text: string): (offset: number) => SourcePosition {
  let lineStarts: number[] | undefined;
  return (offset) => {
    if (lineStarts === undefined) {
      lineStarts = [0];
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    }
    const target = Math.max(0, Math.min(offset, text.length));
    let low = 0;
    let high = lineStarts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (lineStarts[mid]! < target) low = mid + 1;
      else high = mid;
    }
    if (lineStarts[low] === target) return { line: low + 1, column: 1 };
    // low is at least 1 here: lineStarts[0] is 0 and target is not negative.
    return { line: Math.max(1, low), column: Math.max(1, target - lineStarts[low - 1]! + 1) };
  };
}

function convertDocument(
  doc: Document.Parsed,
  index: number,
  file: string,
  at: (offset: number) => SourcePosition,
): YamlDocument {
  const contents = doc.contents;
  const rootOffset = contents?.range[0] ?? doc.range[0];
  const positions = new PositionMap(rootOffset, at);
  const diagnostics: Diagnostic[] = [];
  const error = (
    position: SourcePosition,
    path: PathSegments,
    code: string,
    message: string,
    hint?: string,
  ) =>
    diagnostics.push({
      severity: 'error',
      file,
      line: position.line,
      column: position.column,
      path: formatPath(path),
      code,
      message,
      ...(hint === undefined ? {} : { hint }),
    });

  for (const e of doc.errors) {
    error(at(e.pos[0]), [], 'yaml.syntax', `YAML syntax error: ${e.message}`, syntaxHint(e.code));
  }
  for (const w of doc.warnings) {
    const position = at(w.pos[0]);
    diagnostics.push({
      severity: 'warning',
      file,
      line: position.line,
      column: position.column,
      path: '',
      code: 'yaml.warning',
      message: w.message,
    });
  }

  let walkFailed = false;
  try {
    const warn: ErrorSink = (position, path, code, message, hint) =>
      diagnostics.push({
        severity: 'warning',
        file,
        line: position.line,
        column: position.column,
        path: formatPath(path),
        code,
        message,
        ...(hint === undefined ? {} : { hint }),
      });
    walk({ doc, positions, at, error, warn }, contents ?? null, [], undefined, 0);
  } catch (e) {
    walkFailed = true;
    error(positions.root, [], 'yaml.structure', `the document could not be read: ${errorMessage(e)}`);
  }

  let value: unknown;
  let converted = true;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    converted = false;
    // An unresolved alias is already reported, located, by the walk.
    if (!diagnostics.some((d) => d.code === 'yaml.alias')) {
      error(positions.root, [], 'yaml.structure', `the document could not be read: ${errorMessage(e)}`);
    }
  }
  const hasErrors = walkFailed || !converted || diagnostics.some((d) => d.severity === 'error');
  return { file, index, value: converted ? value : undefined, positions, diagnostics, hasErrors };
}

type ErrorSink = (
  position: SourcePosition,
  path: PathSegments,
  code: string,
  message: string,
  hint?: string,
) => void;

// go-yaml v2, which kubectl and the API server use, resolves these plain scalars to booleans.
const YAML_11_BOOLEAN = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;

interface WalkContext {
  readonly doc: Document.Parsed;
  readonly positions: PositionMap;
  readonly at: (offset: number) => SourcePosition;
  readonly error: ErrorSink;
  readonly warn: ErrorSink;
}

function walk(
  context: WalkContext,
  node: YamlNode | null,
  path: (string | number)[],
  key: number | undefined,
  depth: number,
): void {
  if (node === null) return;
  const { doc, positions, at, error, warn } = context;
  const offset = node.range?.[0] ?? 0;
  if (depth > MAX_DEPTH) {
    error(at(offset), path, 'yaml.structure', `the document nests deeper than ${MAX_DEPTH} levels`);
    return;
  }
  const isCollection = isMap(node) || isSeq(node);
  positions.set(path, key, offset, isCollection);

  if (
    isScalar(node) &&
    node.type === 'PLAIN' &&
    typeof node.value === 'string' &&
    YAML_11_BOOLEAN.test(node.value)
  ) {
    warn(
      at(offset),
      path,
      'yaml.boolean-1.1',
      `"${node.value}" is a string here but a boolean to kubectl and the API server, which read YAML 1.1`,
      `write true or false for a boolean, or quote "${node.value}" for a string`,
    );
    return;
  }
  if (isAlias(node)) {
    if (node.resolve(doc) === undefined) {
      error(
        at(offset),
        path,
        'yaml.alias',
        `unknown alias "*${node.source}": no anchor "&${node.source}" before it`,
      );
    }
    return;
  }
  if (isSeq(node)) {
    node.items.forEach((item, i) => {
      path.push(i);
      walk(context, isPair(item) ? null : (item as YamlNode | null), path, undefined, depth + 1);
      path.pop();
    });
    return;
  }
  if (isMap(node)) {
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      // Merge keys (`<<: *base`) contribute fields without naming one.
      if (isScalar(keyNode) && keyNode.value === '<<') continue;
      if (keyNode !== null && !isScalar(keyNode)) continue;
      const name = keyNode === null ? '' : String(keyNode.value);
      const keyOffset = keyNode === null ? offset : (keyNode.range?.[0] ?? 0);
      const first = seen.get(name);
      if (first === undefined) seen.set(name, keyOffset);
      else {
        error(
          at(keyOffset),
          [...path, name],
          'yaml.duplicate-key',
          `duplicate key "${name}" (first at line ${at(first).line}); keys must be unique and the API server rejects the document`,
          'remove one of the two entries',
        );
      }
      path.push(name);
      walk(context, pair.value as YamlNode | null, path, keyOffset, depth + 1);
      path.pop();
    }
  }
}

function syntaxHint(code: string): string | undefined {
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'YAML indents with spaces, never tabs';
    case 'BAD_INDENT':
      return 'check the indentation of this line against the lines above it';
    case 'MULTILINE_IMPLICIT_KEY':
    case 'BLOCK_AS_IMPLICIT_KEY':
      return 'a key must fit on one line; is a colon or a quote missing?';
    case 'MISSING_CHAR':
      return 'a closing quote or bracket is missing';
    default:
      return undefined;
  }
}

function failedDocument(file: string, position: SourcePosition, message: string): YamlDocument {
  return {
    file,
    index: 0,
    value: undefined,
    positions: new PositionMap(0, () => position),
    diagnostics: [
      {
        severity: 'error',
        file,
        line: position.line,
        column: position.column,
        path: '',
        code: 'yaml.syntax',
        message,
      },
    ],
    hasErrors: true,
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
