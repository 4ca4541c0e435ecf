/**
 * The assertions of an HTTP check (`checks` in the model): status, headers, body text, JSON
 * paths, CEL expressions and XPath. Each failure is one sentence that shows what was found
 * and what was expected: `expected status 2xx or 301, got 404`,
 * `$.status was "degraded", expected "ok"`.
 */
import { isDeepStrictEqual } from 'node:util';
import { JSONPath } from 'jsonpath-plus';
import { isCelError, parse as celParse, plan as celPlan, celEnv, type CelResult } from '@bufbuild/cel';
import { DOMParser } from '@xmldom/xmldom';
import * as xpath from 'xpath';
import type { HeaderCheck, HttpChecks, JsonCheck, XPathCheck } from '../model/schema.js';
import { CheckFailure } from './errors.js';
import { formatDuration, parseDuration } from './duration.js';

/** The parts of a response the assertions read. */
export interface ResponseFacts {
  statusCode: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Readonly<Record<string, string>>;
  body: string;
  /** Total response time in ms (all hops, headers and body). */
  responseTimeMs: number;
}

const QUOTE_MAX = 120;

/** JSON-quotes a value for a message, shortened to a readable length. */
export function quote(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text;
}

/** `a`, `a or b`, `a, b or c`. */
function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] ?? ''}`;
}

function statusMatches(spec: number | string, code: number): boolean {
  if (typeof spec === 'number') return spec === code;
  const text = spec.trim();
  const cls = /^([1-5])xx$/i.exec(text);
  if (cls !== null) return Math.floor(code / 100) === Number(cls[1]);
  const range = /^(\d{3})\s*-\s*(\d{3})$/.exec(text);
  if (range !== null) return code >= Number(range[1]) && code <= Number(range[2]);
  if (/^\d{3}$/.test(text)) return Number(text) === code;
  throw new CheckFailure(
    'config',
    `checks.status entry ${quote(spec)} is not a code (200), a class (2xx) or a range (200-299)`,
  );
}

function compileRegex(pattern: string, where: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (err) {
    throw new CheckFailure('config', `${where} is not a valid regular expression: ${quote(pattern)}`, {
      cause: err,
    });
  }
}

function checkStatus(expected: readonly (number | string)[] | undefined, code: number): void {
  const accepted = expected ?? ['2xx'];
  if (accepted.some((s) => statusMatches(s, code))) return;
  throw new CheckFailure('validate', `expected status ${orList(accepted.map(String))}, got ${code}`);
}

function checkHeader(check: HeaderCheck, headers: Readonly<Record<string, string>>): void {
  const value = headers[check.name.toLowerCase()];
  const name = `header ${check.name}`;
  if (check.absent === true) {
    if (value !== undefined)
      throw new CheckFailure('validate', `${name} was ${quote(value)}, expected it to be absent`);
    return;
  }
  const wanted =
    check.equals !== undefined
      ? quote(check.equals)
      : check.contains !== undefined
        ? `to contain ${quote(check.contains)}`
        : check.matches !== undefined
          ? `to match ${check.matches}`
          : 'to be present';
  if (value === undefined) throw new CheckFailure('validate', `${name} is missing, expected ${wanted}`);
  const ok =
    check.equals !== undefined
      ? value === check.equals
      : check.contains !== undefined
        ? value.includes(check.contains)
        : check.matches !== undefined
          ? compileRegex(check.matches, `checks.headers ${check.name} matches`).test(value)
          : true;
  if (!ok) throw new CheckFailure('validate', `${name} was ${quote(value)}, expected ${wanted}`);
}

function checkBody(check: NonNullable<HttpChecks['body']>, body: string): void {
  for (const s of check.contains ?? []) {
    if (!body.includes(s)) throw new CheckFailure('validate', `body does not contain ${quote(s)}`);
  }
  for (const s of check.notContains ?? []) {
    if (body.includes(s)) throw new CheckFailure('validate', `body contains ${quote(s)}, expected it not to`);
  }
  for (const [i, p] of (check.matches ?? []).entries()) {
    if (!compileRegex(p, `checks.body.matches[${i}]`).test(body)) {
      throw new CheckFailure('validate', `body does not match ${p}`, { dueToRegex: true });
    }
  }
  for (const [i, p] of (check.notMatches ?? []).entries()) {
    const m = compileRegex(p, `checks.body.notMatches[${i}]`).exec(body);
    if (m !== null) {
      throw new CheckFailure('validate', `body matches ${p} (found ${quote(m[0])}), expected it not to`, {
        dueToRegex: true,
      });
    }
  }
}

/** Parsed CEL programs, bounded, so a monitor's expression is parsed once per runner. */
export class CelProgramCache {
  readonly #programs = new Map<string, (ctx: { body: unknown }) => CelResult>();
  readonly #max: number;

  constructor(max = 256) {
    this.#max = max;
  }

  /** The evaluator of `expression`; throws a config CheckFailure when it does not parse. */
  get(expression: string): (ctx: { body: unknown }) => CelResult {
    let program = this.#programs.get(expression);
    if (program === undefined) {
      try {
        program = celPlan(celEnv(), celParse(expression)) as (ctx: { body: unknown }) => CelResult;
      } catch (err) {
        throw new CheckFailure(
          'config',
          `CEL expression ${expression} does not parse: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      if (this.#programs.size >= this.#max) {
        const oldest = this.#programs.keys().next().value;
        if (oldest !== undefined) this.#programs.delete(oldest);
      }
      this.#programs.set(expression, program);
    }
    return program;
  }
}

function celText(value: unknown): string {
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'string')
    return String(value);
  return JSON.stringify(value) ?? typeof value;
}

function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function checkJson(check: JsonCheck, json: unknown, cel: CelProgramCache): void {
  const prefix = check.description === undefined ? '' : `${check.description}: `;
  const fail = (message: string) => new CheckFailure('validate', `${prefix}${message}`);
  if (check.expression !== undefined) {
    const result = cel.get(check.expression)({ body: json });
    if (isCelError(result)) throw fail(`CEL expression ${check.expression} failed: ${result.message}`);
    if (result === true) return;
    if (result === false) throw fail(`CEL expression ${check.expression} was false`);
    throw fail(`CEL expression ${check.expression} returned ${celText(result)}, expected true or false`);
  }
  const path = check.path ?? '$';
  let found: unknown[];
  try {
    found = JSONPath<unknown[]>({ path, json: json as object, wrap: true, eval: 'safe' });
  } catch (err) {
    throw new CheckFailure('config', `${prefix}JSONPath ${path} is not valid: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const exists = found.length > 0;
  const value = found.length === 1 ? found[0] : found;
  if (check.exists !== undefined) {
    if (check.exists && !exists) throw fail(`${path} not found`);
    if (!check.exists && exists) throw fail(`${path} was ${quote(value)}, expected it not to exist`);
    return;
  }
  const expected =
    check.equals !== undefined
      ? quote(check.equals)
      : check.notEquals !== undefined
        ? `anything but ${quote(check.notEquals)}`
        : check.contains !== undefined
          ? `to contain ${quote(check.contains)}`
          : check.matches !== undefined
            ? `to match ${check.matches}`
            : check.lessThan !== undefined
              ? `less than ${check.lessThan}`
              : `greater than ${String(check.greaterThan)}`;
  if (!exists) throw fail(`${path} not found, expected ${expected}`);
  let ok: boolean;
  if (check.equals !== undefined) ok = isDeepStrictEqual(value, check.equals);
  else if (check.notEquals !== undefined) ok = !isDeepStrictEqual(value, check.notEquals);
  else if (check.contains !== undefined) ok = valueText(value).includes(check.contains);
  else if (check.matches !== undefined)
    ok = compileRegex(check.matches, `JSON check ${path} matches`).test(valueText(value));
  else {
    if (typeof value !== 'number') throw fail(`${path} was ${quote(value)}, expected a number ${expected}`);
    ok = check.lessThan !== undefined ? value < check.lessThan : value > (check.greaterThan ?? -Infinity);
  }
  if (!ok) throw fail(`${path} was ${quote(value)}, expected ${expected}`);
}

interface ParsedBody {
  doc: Document;
  isHtml: boolean;
}

interface XPathValue {
  toArray?: () => Node[];
  stringValue(): string;
  booleanValue(): boolean;
}

/** `xpath.parse` is exported but not typed; it is the entry that takes `isHtml`. */
const parseXPath = (expression: string): { evaluate(o: object): XPathValue } =>
  (xpath as unknown as { parse(e: string): { evaluate(o: object): XPathValue } }).parse(expression);

function parseXml(body: string, contentType: string | undefined): ParsedBody {
  const mime = contentType?.includes('html') === true ? 'text/html' : 'text/xml';
  let problem: string | undefined;
  const parser = new DOMParser({
    onError: (level: string, message: string) => {
      if (level !== 'warning') problem ??= message;
    },
  });
  let doc: unknown;
  try {
    doc = parser.parseFromString(body, mime);
  } catch (err) {
    throw new CheckFailure(
      'validate',
      `body is not valid ${mime === 'text/html' ? 'HTML' : 'XML'}: ${firstLine((err as Error).message)}`,
      {
        cause: err,
      },
    );
  }
  if (problem !== undefined && mime === 'text/xml') {
    throw new CheckFailure('validate', `body is not valid XML: ${firstLine(problem)}`);
  }
  return { doc: doc as Document, isHtml: mime === 'text/html' };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

function checkXPath(check: XPathCheck, body: ParsedBody): void {
  const prefix = check.description === undefined ? '' : `${check.description}: `;
  const fail = (message: string) => new CheckFailure('validate', `${prefix}${message}`);
  let result: Node[] | string;
  try {
    // isHtml: element names match without the XHTML namespace xmldom puts HTML in.
    const value = parseXPath(check.expression).evaluate({
      node: body.doc,
      isHtml: body.isHtml,
      allowAnyNamespaceForNoPrefix: body.isHtml,
    });
    result = value.toArray !== undefined ? value.toArray() : value.stringValue();
  } catch (err) {
    throw new CheckFailure(
      'config',
      `${prefix}XPath ${check.expression} is not valid: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const nodes = Array.isArray(result) ? result : undefined;
  const selected = nodes === undefined ? result !== '' && result !== 'false' : nodes.length > 0;
  const text =
    typeof result === 'string'
      ? result
      : nodes === undefined || nodes.length === 0
        ? undefined
        : ((nodes[0] as { textContent?: string | null }).textContent ??
          (nodes[0] as { nodeValue?: string | null }).nodeValue ??
          '');
  const name = `XPath ${check.expression}`;
  if (check.exists !== undefined) {
    if (check.exists && !selected) throw fail(`${name} selected nothing`);
    if (!check.exists && selected) {
      throw fail(
        `${name} selected ${nodes === undefined ? quote(text) : `${nodes.length} node${nodes.length === 1 ? '' : 's'}`}, expected nothing`,
      );
    }
    return;
  }
  const expected =
    check.equals !== undefined
      ? quote(check.equals)
      : check.contains !== undefined
        ? `to contain ${quote(check.contains)}`
        : `to match ${check.matches ?? ''}`;
  if (text === undefined) throw fail(`${name} selected nothing, expected ${expected}`);
  const ok =
    check.equals !== undefined
      ? text === check.equals
      : check.contains !== undefined
        ? text.includes(check.contains)
        : compileRegex(check.matches ?? '', `XPath check ${check.expression} matches`).test(text);
  if (!ok) throw fail(`${name} was ${quote(text)}, expected ${expected}`);
}

/**
 * Applies every assertion in order (status, headers, body, JSON, XPath, response time) and
 * throws the first failure as a CheckFailure.
 */
export function assertResponse(
  checks: HttpChecks | undefined,
  response: ResponseFacts,
  cel: CelProgramCache,
): void {
  checkStatus(checks?.status, response.statusCode);
  if (checks === undefined) return;
  for (const h of checks.headers ?? []) checkHeader(h, response.headers);
  if (checks.body !== undefined) checkBody(checks.body, response.body);
  if (checks.json !== undefined && checks.json.length > 0) {
    let json: unknown;
    try {
      json = JSON.parse(response.body);
    } catch (err) {
      throw new CheckFailure('validate', `body is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    for (const j of checks.json) checkJson(j, json, cel);
  }
  if (checks.xpath !== undefined && checks.xpath.length > 0) {
    const doc = parseXml(response.body, response.headers['content-type']);
    for (const x of checks.xpath) checkXPath(x, doc);
  }
  if (checks.maxResponseTime !== undefined) {
    const limit = parseDuration(checks.maxResponseTime);
    if (limit === undefined) {
      throw new CheckFailure(
        'config',
        `checks.maxResponseTime ${quote(checks.maxResponseTime)} is not a duration`,
      );
    }
    if (response.responseTimeMs > limit) {
      throw new CheckFailure(
        'validate',
        `response took ${formatDuration(response.responseTimeMs)}, expected at most ${formatDuration(limit)}`,
      );
    }
  }
}
