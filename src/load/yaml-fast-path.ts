/**
 * A fast path for the plain YAML that monitor files almost always are: one document of block
 * mappings and sequences, single-line scalars, one-line flow collections and literal block
 * scalars, in printable ASCII. It returns exactly what the `yaml` package's `parseAllDocuments`
 * plus `toJS` and the position walk in yaml-document.ts return for such a text (the same
 * value, the same node offsets) at a fraction of the cost, and gives up (returns undefined) on
 * anything else: anchors, tags, comments after a value, quoting with escapes, multi-line plain
 * scalars, numbers other than small decimal integers, YAML 1.1 booleans, duplicate keys,
 * anything that would be a diagnostic. A text of several documents is split at its `---` and
 * `...` lines by parseFastStream and each document read alone, offsets shifted back. The caller then parses with `yaml`, so
 * every diagnostic still comes from the one full parser. yaml-fast-path.test.ts checks the
 * two agree, node for node, on fixtures, examples and edited variants of them.
 */

import { goYamlNumber } from './go-yaml-scalars.js';

/** One node's offsets, as the position walk records them. */
export interface FastEntry {
  readonly path: readonly (string | number)[];
  readonly key: number | undefined;
  readonly value: number;
  readonly isCollection: boolean;
}

/** A document read by the fast path. */
export interface FastDocument {
  readonly value: Record<string, unknown>;
  readonly rootOffset: number;
  readonly entries: FastEntry[];
}

// Thrown (and caught in parseFast) when the text leaves the subset; never escapes this module.
class OutsideSubset extends Error {
  override readonly name = 'OutsideSubset';
}

const bail = (): never => {
  throw new OutsideSubset();
};

// Printable ASCII and line feeds only: no tabs, carriage returns, control or non-ASCII
// characters, whose handling (indentation, line breaks, escapes) the full parser owns.
const OUTSIDE_ALPHABET = /[^\x20-\x7e\n]/;
// Trailing spaces, lines that start a document, directives and comments after content.
const AWKWARD_LINE = / \n|^(?:---|\.\.\.|%)/m;
// Keys written as plain identifiers; anything else (quoted, numeric, `<<`, `? `) falls back.
const KEY = /[A-Za-z_][A-Za-z0-9_.\-/]*/y;

// The `yaml` package's core schema (YAML 1.2), in its resolution order: a plain scalar that
// matches none of these is a string.
const CORE_NULL = /^(?:~|[Nn]ull|NULL)?$/;
const CORE_BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const CORE_NUMBER =
  /^(?:0o[0-7]+|[-+]?[0-9]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*))$/;
// Decimal integers that parseInt and Number read alike, exactly.
const SMALL_INT = /^(?:0|[1-9][0-9]{0,14})$/;
// Strings that go-yaml reads as booleans: go-yaml-scalars.ts resolves them.
const YAML_11_BOOLEAN = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;
// No monitor nests anywhere near this deep; yaml-document.ts reports what is deeper.
const MAX_FAST_DEPTH = 64;
// Characters a plain scalar may not start with (YAML 1.2 c-indicator), `-` included.
const INDICATOR = /^[-?:,[\]{}#&*!|>'"%@`]/;

// A key read as a string by go-yaml v2 (`y:` and `on:` are booleans there), named the same by
// toJS and by the position walk (`null:` is "" to one and "null" to the other), and safe as an
// own property.
function isPlainKey(key: string): boolean {
  return key !== '__proto__' && !CORE_NULL.test(key) && !CORE_BOOL.test(key) && !YAML_11_BOOLEAN.test(key);
}

interface Line {
  /** Offset of the first character of the line. */
  readonly start: number;
  /** Offset of the first non-space character (or of the line feed). */
  readonly content: number;
  /** Offset of the line feed ending the line. */
  readonly end: number;
}

/** The document, or undefined when the text is outside the subset this fast path reads. */
export function parseFast(text: string): FastDocument | undefined {
  if (text.length === 0 || !text.endsWith('\n') || OUTSIDE_ALPHABET.test(text) || AWKWARD_LINE.test(text))
    return undefined;
  try {
    return new FastParser(text).document();
  } catch (error) {
    if (error instanceof OutsideSubset) return undefined;
    throw error;
  }
}

/** One document of a stream read by {@link parseFastStream}. */
export interface FastStreamDocument {
  /** Offset in the stream of the document's first line after its `---`: add it to every offset. */
  readonly base: number;
  /** Offset in the stream just past the document's last line. */
  readonly end: number;
  /** The document, or null for an empty one (a `---` with nothing but comments after it). */
  readonly document: FastDocument | null;
  /** Where the `yaml` package puts the root of an empty document: after its `---` or at its comment. */
  readonly emptyRoot: number;
}

// A document marker line the splitter understands: `---` or `...`, alone or with a comment.
// Anything else on the line (`--- !tag`, `--- a: 1`, `---x`) leaves the whole text to `yaml`.
const MARKER_REST = /^(?: +#[^\n]*)?$/;

/**
 * Every document of a multi-document text, each read by {@link parseFast}, or undefined when
 * the text or any of its documents is outside the subset. The text is split at `---` and `...`
 * lines at column 0, which end any block or quoted scalar in the `yaml` package too: a
 * document cut inside a scalar is one the fast path refuses (an unclosed quote), so the whole
 * text then goes to `yaml`, as do directives (`%YAML`) and content after `...` without `---`.
 */
export function parseFastStream(text: string): FastStreamDocument[] | undefined {
  if (!text.endsWith('\n') || OUTSIDE_ALPHABET.test(text)) return undefined;
  const pieces: { base: number; end: number; hasContent: boolean; marker: number }[] = [];
  // A document is open once a `---` or a content line starts it; comments alone start none.
  let open = false;
  let hasContent = false;
  let ended = false;
  let base = 0;
  let marker = -1;
  for (let start = 0; start < text.length;) {
    const end = text.indexOf('\n', start);
    const c = text.charCodeAt(start);
    const isDash = c === 45 && text.startsWith('---', start);
    if (isDash || (c === 46 && text.startsWith('...', start))) {
      if (!MARKER_REST.test(text.slice(start + 3, end))) return undefined;
      if (isDash) {
        if (open) pieces.push({ base, end: start, hasContent, marker });
        marker = start;
        ended = false;
      } else {
        // `...` with no document before it, or twice: left to the full parser.
        if (!open) return undefined;
        pieces.push({ base, end: start, hasContent, marker });
        ended = true;
      }
      open = isDash;
      hasContent = false;
      base = end + 1;
    } else if (c === 37) {
      return undefined;
    } else {
      let first = start;
      while (text.charCodeAt(first) === 32) first++;
      if (first !== end && text.charCodeAt(first) !== 35) {
        // After `...` only comments may come before the next `---`.
        if (ended) return undefined;
        open = true;
        hasContent = true;
      }
    }
    start = end + 1;
  }
  if (open) pieces.push({ base, end: text.length, hasContent, marker });
  const out: FastStreamDocument[] = [];
  for (const piece of pieces) {
    // After `---`, or at the comment that follows it on the same line.
    let emptyRoot = piece.marker + 3;
    while (text.charCodeAt(emptyRoot) === 32) emptyRoot++;
    if (text.charCodeAt(emptyRoot) !== 35) emptyRoot = piece.marker + 3;
    if (!piece.hasContent) {
      // Only an explicit `---` opens a document without content.
      out.push({ base: piece.base, end: piece.end, document: null, emptyRoot });
      continue;
    }
    const document = parseFast(text.slice(piece.base, piece.end));
    if (document === undefined) return undefined;
    out.push({ base: piece.base, end: piece.end, document, emptyRoot });
  }
  return out;
}

class FastParser {
  readonly #text: string;
  readonly #lines: Line[] = [];
  readonly #entries: FastEntry[] = [];
  #i = 0;

  constructor(text: string) {
    this.#text = text;
    let start = 0;
    while (start < text.length) {
      const end = text.indexOf('\n', start);
      let content = start;
      while (text.charCodeAt(content) === 32) content++;
      this.#lines.push({ start, content, end });
      start = end + 1;
    }
  }

  document(): FastDocument {
    this.#skipInsignificant();
    const first = this.#lines[this.#i];
    if (first === undefined || first.content !== first.start) return bail();
    const path: (string | number)[] = [];
    const value = this.#blockMap(0, path);
    this.#skipInsignificant();
    if (this.#i !== this.#lines.length) bail();
    this.#entries.unshift({ path: [], key: undefined, value: first.content, isCollection: true });
    return { value, rootOffset: first.content, entries: this.#entries };
  }

  // Blank lines and whole-line comments, which the structure ignores.
  #skipInsignificant(): void {
    const lines = this.#lines;
    while (this.#i < lines.length) {
      const line = lines[this.#i]!;
      if (line.content !== line.end && this.#text.charCodeAt(line.content) !== 35) return;
      this.#i++;
    }
  }

  #indent(line: Line): number {
    return line.content - line.start;
  }

  /** A block mapping whose keys start at column `indent`; the current line is its first key. */
  #blockMap(indent: number, path: (string | number)[]): Record<string, unknown> {
    // Deep nesting is for the full parser to report (and this recursion to survive).
    if (path.length > MAX_FAST_DEPTH) return bail();
    const text = this.#text;
    const map: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (;;) {
      this.#skipInsignificant();
      const line = this.#lines[this.#i];
      if (line === undefined) return map;
      const at = this.#indent(line);
      if (at < indent) return map;
      if (at > indent) return bail();
      KEY.lastIndex = line.content;
      const match = KEY.exec(text);
      if (match === null) return bail();
      const key = match[0];
      const colon = line.content + key.length;
      if (text.charCodeAt(colon) !== 58 || !isPlainKey(key) || seen.has(key)) return bail();
      seen.add(key);
      path.push(key);
      if (colon + 1 === line.end) {
        // `key:` with the value on the following lines, more indented.
        this.#i++;
        this.#skipInsignificant();
        const next = this.#lines[this.#i];
        if (next === undefined || this.#indent(next) <= indent) return bail();
        const isSequence = text.charCodeAt(next.content) === 45 && text.charCodeAt(next.content + 1) === 32;
        this.#entries.push({ path: [...path], key: line.content, value: next.content, isCollection: true });
        map[key] = isSequence
          ? this.#blockSeq(this.#indent(next), path)
          : this.#blockMap(this.#indent(next), path);
      } else {
        if (text.charCodeAt(colon + 1) !== 32) return bail();
        let start = colon + 1;
        while (text.charCodeAt(start) === 32) start++;
        if (text.charCodeAt(start) === 124) {
          // `key: |`, a literal block scalar (clip chomping, indentation detected).
          if (start + 1 !== line.end) return bail();
          this.#entries.push({ path: [...path], key: line.content, value: start, isCollection: false });
          this.#i++;
          map[key] = this.#literal(indent);
        } else {
          map[key] = this.#inlineValue(start, line.end, path, line.content);
          this.#i++;
        }
      }
      path.pop();
    }
  }

  /** A block sequence whose dashes are at column `indent`; the current line is its first item. */
  #blockSeq(indent: number, path: (string | number)[]): unknown[] {
    if (path.length > MAX_FAST_DEPTH) return bail();
    const text = this.#text;
    const items: unknown[] = [];
    for (;;) {
      this.#skipInsignificant();
      const line = this.#lines[this.#i];
      if (line === undefined) return items;
      const at = this.#indent(line);
      if (at < indent) return items;
      if (at > indent) return bail();
      if (text.charCodeAt(line.content) !== 45 || text.charCodeAt(line.content + 1) !== 32) return bail();
      let start = line.content + 1;
      while (text.charCodeAt(start) === 32) start++;
      if (start === line.end) return bail();
      path.push(items.length);
      KEY.lastIndex = start;
      const key = KEY.exec(text)?.[0];
      const after = key === undefined ? -1 : text.charCodeAt(start + key.length);
      const next = key === undefined ? -1 : text.charCodeAt(start + key.length + 1);
      if (key !== undefined && after === 58 && (next === 32 || start + key.length + 1 === line.end)) {
        // `- key: value`: a mapping whose keys line up with this first one.
        this.#entries.push({ path: [...path], key: undefined, value: start, isCollection: true });
        this.#lines[this.#i] = { start: line.start, content: start, end: line.end };
        items.push(this.#blockMap(start - line.start, path));
      } else {
        items.push(this.#inlineValue(start, line.end, path, undefined));
        this.#i++;
      }
      path.pop();
    }
  }

  /** A value that ends with its line: a flow collection, a quoted or a plain scalar. */
  #inlineValue(
    start: number,
    end: number,
    path: (string | number)[],
    keyOffset: number | undefined,
  ): unknown {
    const text = this.#text;
    const first = text.charCodeAt(start);
    if (first === 91 || first === 123) {
      this.#entries.push({ path: [...path], key: keyOffset, value: start, isCollection: true });
      return this.#flow(start, end, path);
    }
    this.#entries.push({ path: [...path], key: keyOffset, value: start, isCollection: false });
    return this.#scalar(text.slice(start, end), false);
  }

  /** A one-line flow sequence or mapping of scalars: `[a, "b", 3]`, `{name: x, key: y}`. */
  #flow(start: number, end: number, path: (string | number)[]): unknown {
    const text = this.#text;
    const isMap = text.charCodeAt(start) === 123;
    if (text.charCodeAt(end - 1) !== (isMap ? 125 : 93)) return bail();
    const out: unknown[] | Record<string, unknown> = isMap ? {} : [];
    const seen = new Set<string>();
    let from = start + 1;
    const close = end - 1;
    if (text.slice(from, close).trim() === '') return out;
    let index = 0;
    while (from <= close) {
      let comma = text.indexOf(',', from);
      if (comma === -1 || comma > close) comma = close;
      let a = from;
      while (text.charCodeAt(a) === 32) a++;
      let b = comma;
      while (b > a && text.charCodeAt(b - 1) === 32) b--;
      if (a >= b) return bail();
      if (isMap) {
        KEY.lastIndex = a;
        const key = KEY.exec(text)?.[0];
        if (key === undefined || !isPlainKey(key) || seen.has(key)) return bail();
        const colon = a + key.length;
        if (text.charCodeAt(colon) !== 58 || text.charCodeAt(colon + 1) !== 32) return bail();
        let v = colon + 1;
        while (text.charCodeAt(v) === 32) v++;
        if (v >= b) return bail();
        seen.add(key);
        path.push(key);
        this.#entries.push({ path: [...path], key: a, value: v, isCollection: false });
        (out as Record<string, unknown>)[key] = this.#scalar(text.slice(v, b), true);
      } else {
        path.push(index++);
        this.#entries.push({ path: [...path], key: undefined, value: a, isCollection: false });
        (out as unknown[]).push(this.#scalar(text.slice(a, b), true));
      }
      path.pop();
      from = comma + 1;
    }
    return out;
  }

  /** A single-line scalar, as the core schema resolves it. */
  #scalar(source: string, isFlow: boolean): unknown {
    const quote = source.charCodeAt(0);
    if (quote === 34 || quote === 39) {
      // Quoted without escapes: the text between the quotes, nothing else on the line.
      const inner = source.slice(1, -1);
      if (source.length < 2 || source.charCodeAt(source.length - 1) !== quote) return bail();
      if (inner.includes(quote === 34 ? '"' : "'") || inner.includes('\\')) return bail();
      if (isFlow && (inner.includes(',') || inner.includes(']') || inner.includes('}'))) return bail();
      return inner;
    }
    if (INDICATOR.test(source) || source.includes(': ') || source.endsWith(':') || source.includes(' #'))
      return bail();
    if (isFlow && /[,[\]{}:#]/.test(source)) return bail();
    if (CORE_NULL.test(source)) return bail();
    if (CORE_BOOL.test(source)) return source.charCodeAt(0) === 116 || source.charCodeAt(0) === 84;
    if (SMALL_INT.test(source)) return Number(source);
    if (CORE_NUMBER.test(source) || YAML_11_BOOLEAN.test(source) || source === '<<') return bail();
    // Numbers to go-yaml v2 only (`1_000`, `0b11`): go-yaml-scalars.ts resolves them.
    if (goYamlNumber(source) !== undefined) return bail();
    return source;
  }

  /** The lines of a literal block scalar after `key: |` on a line indented `parent`. */
  #literal(parent: number): string {
    const lines = this.#lines;
    const firstLine = lines[this.#i];
    if (firstLine === undefined || firstLine.content === firstLine.end) return bail();
    const indent = this.#indent(firstLine);
    if (indent <= parent) return bail();
    const out: string[] = [];
    while (this.#i < lines.length) {
      const line = lines[this.#i]!;
      if (line.content === line.end) {
        out.push('');
      } else if (this.#indent(line) >= indent) {
        out.push(this.#text.slice(line.start + indent, line.end));
      } else {
        if (this.#indent(line) > parent) return bail();
        break;
      }
      this.#i++;
    }
    // Clip chomping: trailing empty lines go, the last line break stays.
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return `${out.join('\n')}\n`;
  }
}
