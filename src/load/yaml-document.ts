/**
 * YAML documents with positions: every node of every document keeps its file:line:column so
 * that a diagnostic about `spec.http.method` points at the line the user wrote.
 */
import {
  LineCounter,
  Composer,
  Parser,
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
import { parseFast, parseFastStream } from './yaml-fast-path.js';
import { goYamlScalars } from './go-yaml-scalars.js';

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

// Kubernetes refuses alias bombs too (go-yaml: "document contains excessive aliasing"); 100
// expansions is the yaml package's own default.
const MAX_ALIAS_COUNT = 100;
// What go-yaml's reader refuses: C0 controls but tab, line feed and carriage return; DEL; C1
// controls but NEL; U+FFFE and U+FFFF.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]/;
// The first syntax errors say what is wrong; hundreds more of the same only bury them.
const MAX_SYNTAX_ERRORS = 20;
// Deeper nesting than this is not a resource anyone wrote by hand; it only risks the stack.
const MAX_DEPTH = 256;
// A text with a document marker line: several documents, or one opened by `---`.
const DOCUMENT_MARKER_LINE = /^(?:---|\.\.\.)/m;

/**
 * Parses every document of a YAML text; never throws, every problem becomes a diagnostic.
 * Plain files (nearly every monitor file, and streams of such documents split at `---`) take
 * the fast path of yaml-fast-path.ts, which yields the same values and positions; the rest, and
 * every text with a problem to report in any of its documents, is parsed whole by the `yaml`
 * package.
 */
export function parseYamlDocuments(text: string, file: string): YamlDocument[] {
  // A document above the size gate is refused by parseWithYaml, never read by the fast path.
  if (text.length > MAX_DOCUMENT_CHARS && hasOversizedDocument(text)) return parseWithYaml(text, file);
  const fast = parseFast(text);
  if (fast !== undefined) {
    const positions = new PositionMap(fast.rootOffset, lazyLinePositions(text));
    for (const entry of fast.entries) positions.set(entry.path, entry.key, entry.value, entry.isCollection);
    return [{ file, index: 0, value: fast.value, positions, diagnostics: [], hasErrors: false }];
  }
  if (DOCUMENT_MARKER_LINE.test(text)) {
    const stream = parseFastStream(text);
    if (stream !== undefined) {
      // One line table for the whole text: offsets are shifted into it, so lines are absolute.
      const toPosition = lazyLinePositions(text);
      return stream.map(({ base, document, emptyRoot }, index) => {
        if (document === null) {
          // `yaml` gives an empty document a null scalar as its root, with that position.
          const positions = new PositionMap(emptyRoot, toPosition);
          positions.set([], undefined, emptyRoot, false);
          return { file, index, value: null, positions, diagnostics: [], hasErrors: false };
        }
        const positions = new PositionMap(base + document.rootOffset, toPosition);
        for (const entry of document.entries)
          positions.set(
            entry.path,
            entry.key === undefined ? undefined : base + entry.key,
            base + entry.value,
            entry.isCollection,
          );
        return { file, index, value: document.value, positions, diagnostics: [], hasErrors: false };
      });
    }
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
  const tooDeep = flowDepthExceeded(text);
  if (tooDeep !== undefined) {
    // The composer recurses per level: refuse a nesting bomb before it is parsed at all.
    return [
      failedDocument(
        file,
        textPosition(text, tooDeep),
        `the document nests brackets deeper than ${MAX_FLOW_DEPTH} levels; no resource is that deep`,
        'yaml.depth',
      ),
    ];
  }
  const control = CONTROL_CHARACTER.exec(text);
  if (control !== null) {
    // go-yaml refuses the whole stream, so does the API server; nothing after it is read.
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return [
      failedDocument(
        file,
        textPosition(text, control.index),
        `control character U+${code} is not allowed in YAML (kubectl: "yaml: control characters are not allowed")`,
        'yaml.control-character',
        'remove it; inside a double-quoted string it can be written as an escape such as \\u0000',
      ),
    ];
  }
  // A document too big for the API server is not parsed at all: its nodes could take
  // gigabytes. Its text is blanked (line breaks kept, so later documents keep their lines).
  const { text: source, oversized } =
    text.length > MAX_DOCUMENT_CHARS ? blankOversizedDocuments(text) : { text, oversized: [] };
  const out: YamlDocument[] = [];
  try {
    // Document by document, as the composer yields them: a long stream is never held whole.
    const parser = new Parser(lineCounter.addNewLine);
    const composer = new Composer({
      prettyErrors: false,
      // Problems are diagnostics, never lines on stderr (e.g. "Keys with collection values").
      logLevel: 'error',
      // Plain scalars mean what they mean to kubectl (go-yaml v2): `yes` is true, `010` is 8.
      customTags: goYamlScalars,
      // Duplicates are reported by the walk below, with their field path.
      uniqueKeys: false,
      // Kubernetes reads YAML with go-yaml, which honours `<<` merge keys.
      merge: true,
    });
    let index = 0;
    for (const doc of composer.compose(parser.parse(source)))
      out.push(convertDocument(doc, index++, file, at));
  } catch (error) {
    return [failedDocument(file, at(0), `YAML could not be parsed: ${errorMessage(error)}`)];
  }
  // The blanked documents parsed as empty ones; each is reported where it started.
  for (const big of oversized)
    out.push(
      failedDocument(
        file,
        textPosition(text, big.offset),
        `this YAML document is ${big.size} characters; synthctl reads documents of at most ${MAX_DOCUMENT_CHARS} (2 MiB), and the API server stores at most 1.5 MiB per object`,
        'yaml.too-large',
        'split it into several resources, or move large journeys into files',
      ),
    );
  return out;
}

// Twice what the API server would store as JSON leaves room for YAML's indentation and
// comments; beyond it a document is refused before it is parsed.
const MAX_DOCUMENT_CHARS = 2 * 1024 * 1024;
// A line that starts or ends a document (`---`, `...`) at the left margin.
const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;

/** Where each document of `text` starts (at its marker line), then the end of the text. */
function documentStarts(text: string): number[] {
  const starts = [0];
  for (const match of text.matchAll(DOCUMENT_MARKER)) if (match.index !== 0) starts.push(match.index);
  starts.push(text.length);
  return starts;
}

/** True when a document of `text` is above MAX_DOCUMENT_CHARS, as blankOversizedDocuments cuts them. */
function hasOversizedDocument(text: string): boolean {
  const starts = documentStarts(text);
  for (let i = 0; i + 1 < starts.length; i++)
    if (starts[i + 1]! - starts[i]! > MAX_DOCUMENT_CHARS) return true;
  return false;
}

/** `text` with every document above MAX_DOCUMENT_CHARS reduced to its line breaks. */
function blankOversizedDocuments(text: string): {
  text: string;
  oversized: { offset: number; size: number }[];
} {
  const starts = documentStarts(text);
  const oversized: { offset: number; size: number }[] = [];
  let out = '';
  for (let i = 0; i + 1 < starts.length; i++) {
    const piece = text.slice(starts[i], starts[i + 1]);
    if (piece.length <= MAX_DOCUMENT_CHARS) {
      out += piece;
      continue;
    }
    // The marker line stays, so what follows is still a separate document.
    const marker = /^(?:---|\.\.\.)/.exec(piece)?.[0] ?? '';
    oversized.push({ offset: starts[i]!, size: piece.length });
    out += marker + piece.slice(marker.length).replace(/[^\n]/g, '');
  }
  return { text: out, oversized };
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

  let stackOverflow = false;
  for (const e of doc.errors.slice(0, MAX_SYNTAX_ERRORS)) {
    // The yaml package's composer recurses: a nesting bomb ends in a caught stack overflow.
    if (/call stack/i.test(e.message)) {
      if (stackOverflow) continue;
      stackOverflow = true;
      error(
        at(e.pos[0]),
        [],
        'yaml.depth',
        `the document nests too deeply to be read (more than ${MAX_DEPTH} levels); no resource is that deep`,
      );
    } else error(at(e.pos[0]), [], 'yaml.syntax', `YAML syntax error: ${e.message}`, syntaxHint(e.code));
  }
  if (doc.errors.length > MAX_SYNTAX_ERRORS) {
    const last = doc.errors[MAX_SYNTAX_ERRORS]!;
    error(
      at(last.pos[0]),
      [],
      'yaml.syntax',
      `${doc.errors.length - MAX_SYNTAX_ERRORS} more YAML syntax errors in this document are not shown`,
    );
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
  const context: WalkContext = { doc, positions, at, error, firstAlias: undefined };
  try {
    walk(context, contents ?? null, [], undefined, 0);
  } catch (e) {
    walkFailed = true;
    if (!(e instanceof TooDeep))
      error(positions.root, [], 'yaml.structure', `the document could not be read: ${errorMessage(e)}`);
  }

  let value: unknown;
  // A document with errors is not used: converting it could only add noise about the same
  // problem (a bad merge source, an unresolved alias).
  let converted = !walkFailed && !diagnostics.some((d) => d.severity === 'error');
  if (converted) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      converted = false;
      if (/alias count/i.test(errorMessage(e))) {
        const alias = context.firstAlias;
        error(
          alias === undefined ? positions.root : at(alias.offset),
          alias?.path ?? [],
          'yaml.alias-bomb',
          `aliases here expand the document more than ${MAX_ALIAS_COUNT} times: an alias bomb ("billion laughs") is refused, as by kubectl ("yaml: document contains excessive aliasing")`,
          'write the repeated parts out, or reference each anchor only a few times',
        );
      } else if (!diagnostics.some((d) => d.code === 'yaml.alias')) {
        // An unresolved alias is already reported, located, by the walk.
        error(positions.root, [], 'yaml.structure', `the document could not be read: ${errorMessage(e)}`);
      }
    }
  }
  const hasErrors = walkFailed || !converted || diagnostics.some((d) => d.severity === 'error');
  return { file, index, value: converted ? value : undefined, positions, diagnostics, hasErrors };
}

// Unwinds the walk once the depth limit is reported: one diagnostic, not one per branch.
class TooDeep extends Error {
  override readonly name = 'TooDeep';
}

type ErrorSink = (
  position: SourcePosition,
  path: PathSegments,
  code: string,
  message: string,
  hint?: string,
) => void;

interface WalkContext {
  readonly doc: Document.Parsed;
  readonly positions: PositionMap;
  readonly at: (offset: number) => SourcePosition;
  readonly error: ErrorSink;
  /** The first alias of the document, where an alias bomb is reported. */
  firstAlias: { readonly offset: number; readonly path: PathSegments } | undefined;
}

function walk(
  context: WalkContext,
  node: YamlNode | null,
  path: (string | number)[],
  key: number | undefined,
  depth: number,
): void {
  if (node === null) return;
  const { doc, positions, at, error } = context;
  const offset = node.range?.[0] ?? 0;
  if (depth > MAX_DEPTH) {
    // The path of so deep a node is itself unreadable: the first levels say where it starts.
    error(
      at(offset),
      path.slice(0, 4),
      'yaml.depth',
      `the document nests deeper than ${MAX_DEPTH} levels here (under ${formatPath(path.slice(0, 4))}…); no resource is that deep`,
    );
    throw new TooDeep();
  }
  const isCollection = isMap(node) || isSeq(node);
  positions.set(path, key, offset, isCollection);

  if (isAlias(node)) {
    context.firstAlias ??= { offset, path: [...path] };
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
      if (isScalar(keyNode) && (keyNode.value === '<<' || typeof keyNode.value === 'symbol')) {
        checkMergeSource(context, pair.value as YamlNode | null, path, keyNode.range?.[0] ?? offset);
        continue;
      }
      if (keyNode !== null && !isScalar(keyNode)) {
        // JSON has string keys only; sigs.k8s.io/yaml refuses a sequence or mapping as a key.
        error(
          at(keyNode.range?.[0] ?? offset),
          path,
          'yaml.key',
          `a mapping key must be a scalar, found a ${isSeq(keyNode) ? 'sequence' : 'mapping'}; kubectl cannot turn it into JSON`,
          'write the key as a plain string',
        );
        continue;
      }
      const name = keyNode === null ? '' : String(keyNode.value);
      const keyOffset = keyNode === null ? offset : (keyNode.range?.[0] ?? 0);
      const first = seen.get(name);
      if (first === undefined) seen.set(name, keyOffset);
      else {
        error(
          at(keyOffset),
          [...path, name],
          'yaml.duplicate-key',
          `duplicate key "${name}" (first at line ${at(first).line}); kubectl rejects the document: mapping key "${name}" already defined at line ${at(first).line}`,
          'remove one of the two entries',
        );
      }
      path.push(name);
      walk(context, pair.value as YamlNode | null, path, keyOffset, depth + 1);
      path.pop();
    }
  }
}

/** `<<` takes a mapping, an alias to one, or a sequence of those (go-yaml and the yaml package agree). */
function checkMergeSource(
  context: WalkContext,
  value: YamlNode | null,
  path: PathSegments,
  keyOffset: number,
): void {
  const isSource = (node: unknown): boolean =>
    isMap(node) || (isAlias(node) && isMap(node.resolve(context.doc)));
  if (isSource(value) || (isSeq(value) && value.items.every(isSource))) return;
  context.error(
    context.at(value?.range?.[0] ?? keyOffset),
    path,
    'yaml.merge',
    'a merge key (<<) takes a mapping, an alias to a mapping, or a list of them',
    'write <<: *anchor, where &anchor marks a mapping',
  );
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

function failedDocument(
  file: string,
  position: SourcePosition,
  message: string,
  code = 'yaml.syntax',
  hint?: string,
): YamlDocument {
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
        code,
        message,
        ...(hint === undefined ? {} : { hint }),
      },
    ],
    hasErrors: true,
  };
}

// Far above MAX_DEPTH: brackets inside strings (regular expressions) need not balance.
const MAX_FLOW_DEPTH = 500;

/** The offset where `[`/`{` nesting first exceeds MAX_FLOW_DEPTH, if it does. */
function flowDepthExceeded(text: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) {
      if (++depth > MAX_FLOW_DEPTH) return i;
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return undefined;
}

/** The 1-based line and column of `offset` in `text`. */
export function textPosition(text: string, offset: number): SourcePosition {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
