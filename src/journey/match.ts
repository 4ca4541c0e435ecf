/**
 * Journey selection as Elastic's agent does it (`src/helpers.ts isMatch`): `--tags` wins over
 * `--match`; `--match` is a glob (micromatch) against the journey name or any tag; a journey
 * without tags matches any tag pattern (`tags || ['*']`).
 */

/** A micromatch-style glob (`*`, `?`, `[...]`, `{a,b}`) as a whole-string RegExp. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  let inClass = false;
  let braces = 0;
  for (const ch of glob) {
    if (inClass) {
      out += ch === '\\' ? '\\\\' : ch;
      if (ch === ']') inClass = false;
      continue;
    }
    switch (ch) {
      case '*':
        out += '.*';
        break;
      case '?':
        out += '.';
        break;
      case '[':
        inClass = true;
        out += '[';
        break;
      case '{':
        braces++;
        out += '(?:';
        break;
      case '}':
        if (braces > 0) {
          braces--;
          out += ')';
        } else out += '\\}';
        break;
      case ',':
        out += braces > 0 ? '|' : ',';
        break;
      default:
        out += ch.replace(/[.+^$()|\\/]/g, '\\$&');
    }
  }
  if (inClass) out += ']';
  out += ')'.repeat(braces);
  try {
    return new RegExp(`^${out}$`);
  } catch {
    return new RegExp(`^${glob.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  }
}

function anyMatches(values: readonly string[], patterns: readonly string[]): boolean {
  const regexps = patterns.map(globToRegExp);
  return values.some((v) => regexps.some((r) => r.test(v)));
}

/** Whether a journey with `name` and `tags` is selected by `match` and `tags` patterns. */
export function isJourneyMatch(
  journey: { name: string; tags: readonly string[] },
  match: string | undefined,
  tags: readonly string[] | undefined,
): boolean {
  const journeyTags = journey.tags.length > 0 ? journey.tags : ['*'];
  if (tags !== undefined && tags.length > 0) return anyMatches(journeyTags, tags);
  if (match !== undefined && match !== '') {
    return globToRegExp(match).test(journey.name) || anyMatches(journeyTags, [match]);
  }
  return true;
}
