/**
 * Plain scalars as kubectl and the API server read them: sigs.k8s.io/yaml decodes YAML with
 * go-yaml v2, which resolves YAML 1.1 booleans (`yes`, `no`, `on`, `off`, `y`, `n`) and Go's
 * integer syntax (`010` is 8, `0x1F` is 31, `1_000` is 1000), where the YAML 1.2 core schema
 * of the `yaml` package would keep strings or read other numbers. Reading files the same way
 * gives `synthctl validate` the verdict the API server gives.
 */
import type { ScalarTag, Tags } from 'yaml';

// go-yaml v2 (sigs.k8s.io/yaml, which kubectl and the API server use to read YAML) resolves
// plain scalars by YAML 1.1 rules, not the 1.2 core schema: these are booleans ...
const GO_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const GO_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
// ... and this is what may be a number (resolve.go: a digit, a sign or a dot first).
const GO_NUMBER_CANDIDATE = /^[-+.0-9]/;
// resolve.go's yamlStyleFloat, applied after underscores are removed.
const GO_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
// Go's strconv.ParseInt(s, 0, 64) syntax: 0x, 0o, 0b, a leading 0 (octal) or decimal.
const GO_INT = /^([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|0([0-7]+)|([1-9][0-9]*|0))$/;
const GO_SPECIAL_FLOAT: ReadonlyMap<string, number> = new Map([
  ...['.nan', '.NaN', '.NAN'].map((s): [string, number] => [s, Number.NaN]),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s): [string, number] => [s, Infinity]),
  ...['-.inf', '-.Inf', '-.INF'].map((s): [string, number] => [s, -Infinity]),
]);

/** A plain scalar as go-yaml v2 resolves it to a number, or undefined when it is a string there. */
export function goYamlNumber(source: string): number | undefined {
  const special = GO_SPECIAL_FLOAT.get(source);
  if (special !== undefined) return special;
  if (!GO_NUMBER_CANDIDATE.test(source)) return undefined;
  if (source.startsWith('.')) {
    // strconv.ParseFloat on the text as written (no underscore removal on this branch).
    return GO_FLOAT.test(source) ? Number(source) : undefined;
  }
  const plain = source.replace(/_/g, '');
  const int = GO_INT.exec(plain);
  if (int !== null) {
    const [, sign, hex, octal, binary, legacyOctal, decimal] = int;
    const magnitude =
      hex !== undefined
        ? Number.parseInt(hex, 16)
        : octal !== undefined
          ? Number.parseInt(octal, 8)
          : binary !== undefined
            ? Number.parseInt(binary, 2)
            : legacyOctal !== undefined
              ? Number.parseInt(legacyOctal, 8)
              : Number(decimal);
    // Beyond 64 bits strconv fails and the float rule below decides (a decimal gets the same
    // number back; a hex, octal or binary one stays a string).
    if (magnitude <= 2 ** 64) return sign === '-' ? -magnitude : magnitude;
  }
  if (GO_FLOAT.test(plain)) {
    const value = Number(plain);
    // strconv.ParseFloat fails (and go-yaml keeps a string) on a value out of float64's range.
    return Number.isFinite(value) ? value : undefined;
  }
  return undefined;
}

/** go-yaml v2 booleans. */
export const goBool: ScalarTag = {
  identify: (value) => typeof value === 'boolean',
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: /^(?:[yYnN]|[Yy]es|YES|[Nn]o|NO|[Tt]rue|TRUE|[Ff]alse|FALSE|[Oo]n|ON|[Oo]ff|OFF)$/,
  resolve: (source) => GO_TRUE.has(source) || !GO_FALSE.has(source),
};

// Wider than what resolves to a number; goYamlNumber decides, and a miss stays a string.
const goNumber: ScalarTag = {
  identify: (value) => typeof value === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:float',
  test: /^(?:[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9_]+)?|[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?0[xXoObB][0-9a-fA-F_]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  resolve: (source) => goYamlNumber(source) ?? source,
};

// `!!int` and `!!float` written explicitly resolve the same way.
const goInt: ScalarTag = { ...goNumber, tag: 'tag:yaml.org,2002:int', default: false };

// go-yaml v2 decodes `!!binary` to the bytes, which JSON carries as a string.
const goBinary: ScalarTag = {
  identify: () => false,
  default: false,
  tag: 'tag:yaml.org,2002:binary',
  resolve: (source, onError) => {
    const clean = source.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
      onError('!!binary holds text that is not base64');
      return source;
    }
    return Buffer.from(clean, 'base64').toString('utf8');
  },
};

/** The core schema with go-yaml v2's booleans and numbers in place of YAML 1.2's. */
export function goYamlScalars(tags: Tags): Tags {
  const kept = tags.filter(
    (tag) =>
      typeof tag === 'object' &&
      tag.tag !== 'tag:yaml.org,2002:bool' &&
      tag.tag !== 'tag:yaml.org,2002:int' &&
      tag.tag !== 'tag:yaml.org,2002:float',
  );
  return [...kept, goBool, goNumber, goInt, goBinary];
}
