/** Label and field selectors as the API server parses them (`k8s.io/apimachinery/pkg/labels`). */

type Obj = Record<string, unknown>;
type Test = (obj: Obj) => boolean;

/** A selector string the server cannot parse: answered with 400 BadRequest. */
export class SelectorError extends Error {
  override readonly name = 'SelectorError';
}

function labelsOf(obj: Obj): Record<string, string> {
  const metadata = (obj['metadata'] ?? {}) as { labels?: Record<string, string> };
  return metadata.labels ?? {};
}

/** Splits on commas outside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') terms.push(current.trim());
  return terms.filter((t) => t !== '');
}

/** `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`. */
export function parseLabelSelector(selector: string): Test {
  const tests: Test[] = [];
  for (const term of splitTerms(selector)) {
    let m: RegExpMatchArray | null;
    if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term))) {
      const [, key, op, value] = m as unknown as [string, string, string, string];
      tests.push((o) => (op === '!=' ? labelsOf(o)[key] !== value : labelsOf(o)[key] === value));
    } else if ((m = /^([\w./-]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term))) {
      const [, key, op, list] = m as unknown as [string, string, string, string];
      const values = new Set(list.split(',').map((v) => v.trim()));
      tests.push((o) => {
        const v = labelsOf(o)[key];
        return op === 'in' ? v !== undefined && values.has(v) : v === undefined || !values.has(v);
      });
    } else if ((m = /^(!?)([\w./-]+)$/.exec(term))) {
      const [, not, key] = m as unknown as [string, string, string];
      tests.push((o) => key in labelsOf(o) !== (not === '!'));
    } else throw new SelectorError(`unable to parse requirement: ${JSON.stringify(term)}`);
  }
  return (o) => tests.every((t) => t(o));
}

/** Field selectors on `metadata.name` and `metadata.namespace` (what every resource supports). */
export function parseFieldSelector(selector: string): Test {
  const tests: Test[] = [];
  for (const term of splitTerms(selector)) {
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw new SelectorError(`invalid selector: '${term}'; can't understand '${term}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    // Events also support `involvedObject.*` (kubectl describe lists an object's Events so).
    if (field !== 'metadata.name' && field !== 'metadata.namespace' && !field.startsWith('involvedObject.'))
      throw new SelectorError(`field label not supported: ${field}`);
    const path = field.split('.');
    tests.push((o) => {
      let raw: unknown = o;
      for (const part of path)
        raw = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[part] : undefined;
      const actual = typeof raw === 'string' ? raw : '';
      return op === '!=' ? actual !== value : actual === value;
    });
  }
  return (o) => tests.every((t) => t(o));
}
