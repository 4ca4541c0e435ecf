/**
 * `synthctl import elastic`: turns an `@elastic/synthetics` project into SyntheticMonitor and
 * SyntheticsProject resources, with the semantics of `@elastic/synthetics push` 1.26.3:
 *  - lightweight monitors: every `*.yml|*.yaml` with a top-level `heartbeat.monitors` outside
 *    `node_modules` and `.github`, merged with the project defaults as `buildMonitorFromYaml`
 *    does (`src/push/monitor.ts`);
 *  - browser monitors: one per `journey()` of every `*.journey.ts|js`, configured by
 *    `monitor.use()` and deep-merged over the defaults as `Runner._buildMonitors` does;
 *  - project settings from `synthetics.config.ts|js` (`project`, `monitor`, `params`).
 * Every key that cannot be carried is reported with its file:line:column; nothing is dropped
 * silently. Secret values are never written: they become `valueFrom.env` references.
 */
import { isUtf8 } from 'node:buffer';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import {
  Document,
  LineCounter,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  type Node as YamlNode,
  type YAMLMap,
} from 'yaml';
import { goYamlScalars } from './go-yaml-scalars.js';
import type { Diagnostic, Severity } from '../model/diagnostics.js';
import { formatPath, sortDiagnostics } from '../model/diagnostics.js';
import { mergeDefaults } from '../model/defaults.js';
import { ScheduleError, snapSchedule } from '../model/kibana-keys.js';
import { SchemaValidator } from '../model/schema-validator.js';
import {
  API_VERSION,
  HTTP_METHODS,
  TLS_PROTOCOLS,
  TLS_VERIFICATION_MODES,
  type HeaderCheck,
  type HttpSpec,
  type IcmpSpec,
  type JsonCheck,
  type MonitorDefaults,
  type NamedValue,
  type SyntheticMonitor,
  type SyntheticsProject,
  type TcpSpec,
  type TlsOptions,
} from '../model/schema.js';
import {
  OPAQUE_MARK,
  ProjectEvaluationError,
  containsMarker,
  displayValue,
  embeddedEnvReferences,
  envReferenceOf,
  evaluateJourneyFile,
  evaluateSyntheticsConfig,
  type EvaluationNotes,
  type RecordedJourney,
} from './import-elastic-config.js';
import {
  ALLOWED_SCHEDULE_MINUTES,
  parsePushSchedule,
  scheduleToDuration,
  type PushSchedule,
} from './import-elastic-schedule.js';

/** Options of {@link importElasticProject}. */
export interface ImportElasticOptions {
  /** The project directory (where `synthetics.config.ts` and the monitors are). */
  readonly dir: string;
  /** Where the resources will be written; journey file paths are made relative to it. Default: cwd. */
  readonly outDir?: string;
  /** `metadata.namespace` of every resource (Kubernetes namespace). */
  readonly namespace?: string;
  /** `metadata.name` of the SyntheticsProject (default: from the project id). */
  readonly projectName?: string;
  /** The environment name push passes to `(env) => config` (`NODE_ENV`, default `development`). */
  readonly environment?: string;
  /** Base for the file names in diagnostics and headers (default: process.cwd()). */
  readonly cwd?: string;
  /** A compiled schema validator to reuse across imports (compiling takes a while). */
  readonly validator?: SchemaValidator;
  /** The project id, over `project.id` (push `--id`). */
  readonly projectId?: string;
  /** The Kibana URL, over `project.url` (push `--url`). */
  readonly kibanaUrl?: string;
  /** The Kibana space, over `project.space` (push `--space`). */
  readonly space?: string;
}

/** Where a resource came from, 1-based. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One resource produced by the import. */
export interface ImportedResource {
  readonly resource: SyntheticMonitor | SyntheticsProject;
  readonly source: SourceLocation;
  /** A file name for `--out DIR`: `<metadata.name>.yaml` (`.project.yaml` for the project). */
  readonly fileName: string;
  /** What the header comment says about the source. */
  readonly origin: string;
}

/** The outcome: resources that passed the schema, and every problem found on the way. */
export interface ImportElasticResult {
  readonly resources: readonly ImportedResource[];
  readonly diagnostics: readonly Diagnostic[];
}

// ---------------------------------------------------------------------------------------
// Keys push (and Kibana's `DEFAULT_FIELDS`) accept, by monitor type.

const SSL_KEYS = [
  'ssl.certificate_authorities',
  'ssl.certificate',
  'ssl.key',
  'ssl.key_passphrase',
  'ssl.verification_mode',
  'ssl.supported_protocols',
] as const;

const COMMON_KEYS = [
  'type',
  'id',
  'name',
  'enabled',
  'schedule',
  'timeout',
  'tags',
  'namespace',
  'spaces',
  'locations',
  'private_locations',
  'privateLocations',
  'retest_on_failure',
  'retestOnFailure',
  'maintenance_windows',
  'maintenanceWindows',
  'service.name',
  'params',
  'alert.status.enabled',
  'alert.tls.enabled',
  'fields',
] as const;

const TYPE_KEYS = {
  http: [
    'urls',
    'max_redirects',
    'check.request.method',
    'check.request.headers',
    'check.request.body',
    'check.response.status',
    'check.response.headers',
    'check.response.body.positive',
    'check.response.body.negative',
    'check.response.json',
    'response.include_body',
    'response.include_headers',
    'response.include_body_max_bytes',
    'username',
    'password',
    'proxy_url',
    'proxy_headers',
    'mode',
    'ipv4',
    'ipv6',
    ...SSL_KEYS,
  ],
  tcp: [
    'hosts',
    'check.send',
    'check.receive',
    'proxy_url',
    'proxy_use_local_resolver',
    'mode',
    'ipv4',
    'ipv6',
    ...SSL_KEYS,
  ],
  icmp: ['hosts', 'wait', 'mode', 'ipv4', 'ipv6'],
} as const;

const LEAF_KEYS = new Set<string>([...COMMON_KEYS, ...Object.values(TYPE_KEYS).flat()]);

/** The `synthetics.config` `monitor` keys (`MonitorConfig`, `src/dsl/monitor.ts`). */
const MONITOR_CONFIG_KEYS = new Set([
  'id',
  'name',
  'type',
  'tags',
  'fields',
  'schedule',
  'enabled',
  'locations',
  'privateLocations',
  'throttling',
  'screenshot',
  'params',
  'playwrightOptions',
  'alert',
  'retestOnFailure',
  'spaces',
  'namespace',
  'maintenanceWindows',
]);

// ---------------------------------------------------------------------------------------
// Diagnostics

const NO_POSITION = { line: 1, column: 1 } as const;

interface Position {
  readonly line: number;
  readonly column: number;
}

class DiagnosticSink {
  readonly list: Diagnostic[] = [];
  add(
    severity: Severity,
    code: string,
    file: string,
    position: Position,
    path: string,
    message: string,
    hint?: string,
  ): void {
    this.list.push({
      severity,
      code,
      file,
      line: position.line,
      column: position.column,
      path,
      message,
      ...(hint === undefined ? {} : { hint }),
    });
  }
}

// ---------------------------------------------------------------------------------------
// Small value helpers

type Json = unknown;
type JsonObject = Record<string, Json>;

function isObject(value: Json): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function deepEqual(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** `deepmerge` as push calls it: objects merge key by key, a non-empty array replaces. */
function deepMerge(target: Json, source: Json): Json {
  if (Array.isArray(source)) return source.length > 0 ? unique(source) : (target ?? source);
  if (isObject(source) && isObject(target)) {
    const out: JsonObject = { ...target };
    for (const [key, value] of Object.entries(source)) {
      out[key] = key in target ? deepMerge(target[key], value) : value;
    }
    return out;
  }
  return source === undefined ? target : source;
}

/** `apiKey` → `API_KEY`, `db-password` → `DB_PASSWORD`: an environment variable name. */
export function envNameFor(name: string): string {
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  const safe = snake === '' ? 'SECRET' : snake;
  return /^[A-Z_]/.test(safe) ? safe : `_${safe}`;
}

const SECRET_NAME =
  /pass(word|wd|phrase)?|secret|token|api[_-]?key|apikey|auth|credential|private[_-]?key|cookie|session|bearer|signature|totp|otp|mfa|pin$/i;
const SECRET_VALUE = [
  /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/, // JWT
  /^(sk|pk|rk)_(live|test)_\w+/, // Stripe-style keys
  /^gh[pousr]_[A-Za-z0-9]{20,}$/, // GitHub tokens
  /^xox[abprs]-[\w-]+$/, // Slack tokens
  /^AKIA[0-9A-Z]{16}$/, // AWS access key id
  /^-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

/** Whether a param looks like a secret, by its name or by the shape of its value. */
export function looksSecret(name: string, value: Json): boolean {
  if (SECRET_NAME.test(name)) return true;
  if (typeof value !== 'string') return false;
  if (SECRET_VALUE.some((re) => re.test(value))) return true;
  // A long opaque token: no spaces, not a URL or path, letters and digits mixed.
  return (
    value.length >= 24 &&
    /^[A-Za-z0-9+/=_.~-]+$/.test(value) &&
    !value.includes('/') &&
    /[0-9]/.test(value) &&
    /[A-Za-z]/.test(value) &&
    !/^[a-z]+(-[a-z0-9]+)+$/.test(value)
  );
}

/** `${name}` when a string is exactly one param reference. */
function paramReference(value: string): string | undefined {
  const match = /^\$\{([A-Za-z_][A-Za-z0-9_.-]*)(:[^}]*)?\}$/.exec(value.trim());
  return match?.[1];
}

/** DNS-1123 subdomain from an id: lower case, `-` for anything else. */
export function resourceNameFor(id: string): string {
  const name = id
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 240)
    .replace(/[^a-z0-9]+$/g, '');
  return name === '' ? 'monitor' : name;
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;

/** A scalar as text; anything else as JSON. */
function scalarText(value: Json): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return JSON.stringify(value) ?? '';
}

function toDuration(value: Json): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return `${value}s`;
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^[0-9]+(\.[0-9]+)?$/.test(text)) return `${text}s`;
    if (DURATION.test(text)) return text;
  }
  return undefined;
}

function toStringList(value: Json): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return value.map(String);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// YAML with positions: flattened keys, YAML merge keys (<<) resolved as YAML 1.1 says.

interface Entry {
  /** Dotted key as Kibana flattens it: `check.request.method`. */
  readonly key: string;
  readonly value: Json;
  readonly position: Position;
  /** How many mapping levels the key went through (`a: {b: 1}` is 1, `a.b: 1` is 0). */
  readonly depth: number;
}

interface PairRef {
  readonly key: string;
  readonly keyNode: YamlNode;
  readonly value: YamlNode | null;
}

/** Own pairs first, then pairs from `<<` maps that no own key (or earlier merge) shadows. */
function effectivePairs(map: YAMLMap, doc: Document, seen = new Set<YAMLMap>()): PairRef[] {
  if (seen.has(map)) return [];
  seen.add(map);
  const own: PairRef[] = [];
  const merged: PairRef[] = [];
  for (const pair of map.items) {
    const keyNode = pair.key as YamlNode | null;
    if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
      const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
      for (const source of sources) {
        const target = isAlias(source) ? source.resolve(doc) : source;
        if (isMap(target)) merged.push(...effectivePairs(target, doc, seen));
      }
      continue;
    }
    if (!isScalar(keyNode)) continue;
    own.push({ key: String(keyNode.value), keyNode, value: (pair.value as YamlNode | null) ?? null });
  }
  const keys = new Set(own.map((p) => p.key));
  for (const pair of merged) {
    if (keys.has(pair.key)) continue;
    keys.add(pair.key);
    own.push(pair);
  }
  return own;
}

function flatten(
  map: YAMLMap,
  doc: Document,
  counter: LineCounter,
  prefix = '',
  depth = 0,
  out: Entry[] = [],
): Entry[] {
  for (const pair of effectivePairs(map, doc)) {
    const key = prefix === '' ? pair.key : `${prefix}.${pair.key}`;
    const node = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;
    const offset = pair.keyNode.range?.[0] ?? 0;
    const { line, col } = counter.linePos(offset);
    if (isMap(node) && !LEAF_KEYS.has(key) && !key.startsWith('fields.')) {
      flatten(node, doc, counter, key, depth + 1, out);
    } else {
      const value: Json = node == null ? null : (node.toJS(doc) as Json);
      out.push({ key, value, position: { line, column: col }, depth });
    }
  }
  return out;
}

/** The entries of one monitor, with `take` marking what was carried. */
class EntrySet {
  readonly #entries = new Map<string, Entry>();
  readonly #taken = new Set<string>();
  readonly duplicates: Entry[] = [];
  constructor(entries: readonly Entry[]) {
    for (const entry of entries) {
      const previous = this.#entries.get(entry.key);
      // The same key written twice (`alert.status.enabled` and `alert: {status: ...}`): push
      // reads the nested form first (`getAlertKeyValue`), so the deeper one wins.
      if (previous === undefined || entry.depth > previous.depth) {
        if (previous !== undefined) this.duplicates.push(previous);
        this.#entries.set(entry.key, entry);
      } else {
        this.duplicates.push(entry);
      }
    }
  }
  get(key: string): Entry | undefined {
    return this.#entries.get(key);
  }
  take(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry !== undefined) this.#taken.add(key);
    return entry;
  }
  takePrefix(prefix: string): Entry[] {
    const found: Entry[] = [];
    for (const [key, entry] of this.#entries) {
      if (key.startsWith(prefix)) {
        this.#taken.add(key);
        found.push(entry);
      }
    }
    return found;
  }
  rest(): Entry[] {
    return [...this.#entries.values()].filter((e) => !this.#taken.has(e.key));
  }
}

// ---------------------------------------------------------------------------------------
// Project settings

interface ProjectSettings {
  readonly configFile: string | undefined;
  readonly projectId: string | undefined;
  readonly url: string | undefined;
  readonly space: string | undefined;
  /** `config.monitor` after the checks, as push reads it into options. */
  readonly monitor: JsonObject;
  readonly params: JsonObject;
  readonly playwrightOptions: JsonObject | undefined;
}

/** A source file being converted: its display name and diagnostics helpers. */
interface FileContext {
  readonly abs: string;
  readonly display: string;
}

class Importer {
  readonly #opts: Required<Pick<ImportElasticOptions, 'dir' | 'cwd' | 'environment'>> & ImportElasticOptions;
  readonly #diag = new DiagnosticSink();
  readonly #resources: ImportedResource[] = [];
  readonly #ids = new Map<string, SourceLocation>();
  /** The ids monitors get once invalid ones are renamed, with the id push would use. */
  readonly #finalIds = new Map<string, { readonly id: string; readonly at: SourceLocation }>();
  readonly #names = new Set<string>();
  #settings: ProjectSettings = {
    configFile: undefined,
    projectId: undefined,
    url: undefined,
    space: undefined,
    monitor: {},
    params: {},
    playwrightOptions: undefined,
  };
  #defaults: MonitorDefaults | undefined;
  readonly #validator: SchemaValidator;
  /** Source texts read for positions, by absolute path (one import run only). */
  readonly #sources = new Map<string, string>();

  constructor(options: ImportElasticOptions) {
    const cwd = options.cwd ?? process.cwd();
    this.#opts = {
      ...options,
      cwd,
      dir: resolve(cwd, options.dir),
      environment: options.environment ?? 'development',
    };
    this.#validator = options.validator ?? new SchemaValidator();
  }

  run(): ImportElasticResult {
    const root = this.#opts.dir;
    let isDir = false;
    try {
      isDir = statSync(root).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) {
      this.#diag.add(
        'error',
        'import.dir',
        this.#display(root),
        NO_POSITION,
        '',
        `${this.#display(root)} is not a directory`,
        'Give the root of an @elastic/synthetics project (the folder with synthetics.config.ts).',
      );
      return { resources: [], diagnostics: this.#diag.list };
    }
    const { yamlFiles, journeyFiles } = this.#discover(root);
    this.#readConfig(root);
    for (const file of yamlFiles) this.#importYamlFile(file);
    for (const file of journeyFiles) this.#importJourneyFile(file);
    this.#emitProject();
    if (yamlFiles.length === 0 && journeyFiles.length === 0) {
      this.#diag.add(
        'warning',
        'import.empty',
        this.#display(root),
        NO_POSITION,
        '',
        'found no lightweight monitor files (*.yml with heartbeat.monitors) and no journey files (*.journey.ts|js)',
      );
    }
    return { resources: this.#resources, diagnostics: sortDiagnostics(this.#diag.list) };
  }

  #find(file: string, needle: string, fromLine = 1): Position {
    return findInSource(this.#sources, file, needle, fromLine);
  }

  /** Where an object key is written: `key:`, `'key':`, `"key":`, else the bare word. */
  #findKey(file: string, key: string, fromLine = 1): Position {
    for (const needle of [`${key}:`, `'${key}':`, `"${key}":`, `${key} :`]) {
      const found = this.#find(file, needle, fromLine);
      if (found !== NO_POSITION) return found;
    }
    return this.#find(file, key, fromLine);
  }

  #display(abs: string): string {
    const rel = relative(this.#opts.cwd, abs);
    return rel === '' ? '.' : rel.startsWith('..') ? abs : rel;
  }

  // push walks the working directory and ignores paths matching /(node_modules|.github)/.
  #discover(root: string): { yamlFiles: string[]; journeyFiles: string[] } {
    const yamlFiles: string[] = [];
    const journeyFiles: string[] = [];
    const walk = (dir: string, depth: number): void => {
      if (depth > 32) return;
      let names: string[];
      try {
        names = readdirSync(dir).sort();
      } catch {
        return;
      }
      for (const name of names) {
        const full = join(dir, name);
        const rel = relative(root, full);
        if (/(node_modules|.github)/.test(rel) || name === '.git') continue;
        let stats;
        try {
          stats = statSync(full);
        } catch {
          continue;
        }
        if (stats.isDirectory()) walk(full, depth + 1);
        else if (['.yml', '.yaml'].includes(extname(name))) yamlFiles.push(full);
        else if (/.+\.journey\.([mc]js|[jt]s?)$/.test(name)) journeyFiles.push(full);
      }
    };
    walk(root, 0);
    return { yamlFiles, journeyFiles };
  }

  // -------------------------------------------------------------------------------------
  // synthetics.config.ts

  #readConfig(root: string): void {
    // push prefers .js over .ts (`findSyntheticsConfig`).
    const configFile = ['synthetics.config.js', 'synthetics.config.ts']
      .map((name) => join(root, name))
      .find((path) => {
        try {
          return statSync(path).isFile();
        } catch {
          return false;
        }
      });
    // Flags first: they stand when the config is missing or cannot be read.
    this.#settings = {
      ...this.#settings,
      projectId: this.#opts.projectId,
      url: this.#opts.kibanaUrl,
      space: this.#opts.space,
    };
    if (configFile === undefined) {
      this.#diag.add(
        'notice',
        'import.config-missing',
        this.#display(root),
        NO_POSITION,
        '',
        'no synthetics.config.ts or .js: no project defaults are imported (push would abort without one)',
      );
      return;
    }
    const file: FileContext = { abs: configFile, display: this.#display(configFile) };
    let config: JsonObject;
    try {
      const evaluated = evaluateSyntheticsConfig(configFile, { environment: this.#opts.environment });
      this.#reportNotes(file, evaluated);
      config = evaluated.config;
    } catch (error) {
      this.#diag.add(
        'error',
        'import.config',
        file.display,
        NO_POSITION,
        '',
        error instanceof ProjectEvaluationError ? error.reason : String(error),
        'Write the settings as a plain object (`export default { project: {...}, monitor: {...} }`) or fill in the SyntheticsProject by hand.',
      );
      return;
    }
    // A key is written `key:` (or quoted); the bare word may also be in a comment.
    const positionOf = (needle: string): Position => this.#findKey(configFile, needle);
    const project = isObject(config.project) ? config.project : {};
    const monitor = isObject(config.monitor) ? { ...config.monitor } : {};
    for (const key of Object.keys(monitor)) {
      if (!MONITOR_CONFIG_KEYS.has(key)) {
        this.#diag.add(
          'warning',
          'import.unsupported-key',
          file.display,
          positionOf(key),
          `monitor.${key}`,
          `monitor.${key} is not a monitor setting push knows; dropped`,
        );
        Reflect.deleteProperty(monitor, key);
      }
    }
    for (const key of Object.keys(config)) {
      if (!['project', 'monitor', 'params', 'playwrightOptions', 'proxy'].includes(key)) {
        this.#diag.add(
          'notice',
          'import.unsupported-key',
          file.display,
          positionOf(key),
          key,
          `config key \`${key}\` has no synthctl equivalent; dropped`,
        );
      }
    }
    if (config.proxy !== undefined) {
      this.#diag.add(
        'notice',
        'import.unsupported-key',
        file.display,
        positionOf('proxy'),
        'proxy',
        'config.proxy (the proxy push uses to reach Kibana) is not imported; set spec.kibana.proxy in the SyntheticsProject',
      );
    }
    const str = (value: Json, path: string): string | undefined => {
      if (value === undefined || value === null) return undefined;
      if (typeof value === 'string' && !containsMarker(value)) return value;
      this.#diag.add(
        'warning',
        'import.dynamic',
        file.display,
        positionOf(path.split('.').pop() ?? path),
        path,
        `${path} is ${typeof value === 'string' ? `computed at push time (${displayValue(value)})` : `not a string`}; not imported`,
        'Set it in the SyntheticsProject by hand.',
      );
      return undefined;
    };
    this.#settings = {
      configFile,
      // As push: --id, --url and --space win over the config file.
      projectId: this.#opts.projectId ?? str(project.id, 'project.id'),
      url: this.#opts.kibanaUrl ?? str(project.url, 'project.url'),
      space: this.#opts.space ?? str(project.space, 'project.space'),
      monitor,
      params: isObject(config.params) ? config.params : {},
      playwrightOptions: isObject(config.playwrightOptions) ? config.playwrightOptions : undefined,
    };
    this.#defaults = this.#buildDefaults(file, positionOf);
  }

  #reportNotes(file: FileContext, notes: EvaluationNotes): void {
    for (const name of notes.stubbedModules) {
      this.#diag.add(
        'notice',
        'import.module-stub',
        file.display,
        this.#find(file.abs, name),
        '',
        `module "${name}" was not loaded (only @elastic/synthetics is provided while importing); values computed from it are reported as unresolved`,
      );
    }
    for (const name of notes.devices) {
      this.#diag.add(
        'warning',
        'import.devices',
        file.display,
        this.#find(file.abs, name),
        'playwrightOptions',
        `devices['${name}'] (Playwright device descriptor) is not expanded by the import; its viewport and user agent are missing`,
        'Add the descriptor fields (viewport, userAgent, deviceScaleFactor, isMobile, hasTouch) to browser.playwrightOptions.',
      );
    }
  }

  /** SyntheticsProject `defaults` from `config.monitor` and `config.params`. */
  #buildDefaults(file: FileContext, positionOf: (needle: string) => Position): MonitorDefaults {
    const m = this.#settings.monitor;
    const defaults: Record<string, Json> = {};
    const at = (key: string): Position => positionOf(key);
    const common = this.#commonFromConfig(file, m, at, 'monitor');
    Object.assign(defaults, common);
    // push adds the project space to any monitor that names spaces (`parseSpaces`).
    if (Array.isArray(common.spaces) && common.spaces.length > 0) {
      const spaces = unique([
        ...(common.spaces as string[]),
        ...(this.#settings.space === undefined ? [] : [this.#settings.space]),
      ]);
      defaults.spaces = spaces.includes('*') ? ['*'] : spaces.sort();
    }
    const params = this.#convertParams(file, this.#settings.params, at, 'params');
    if (params.length > 0) defaults.params = params;
    return defaults;
  }

  /** Fields of a `MonitorConfig` object (config.monitor or monitor.use) in synthctl form. */
  #commonFromConfig(
    file: FileContext,
    m: JsonObject,
    at: (key: string) => Position,
    pathPrefix: string,
  ): Record<string, Json> {
    const out: Record<string, Json> = {};
    const dynamic = (key: string): boolean => {
      if (!containsMarker(m[key])) return false;
      this.#diag.add(
        'warning',
        'import.dynamic',
        file.display,
        at(key),
        `${pathPrefix}.${key}`,
        `${pathPrefix}.${key} depends on the environment or on an unloaded module at push time; not imported`,
        'Set the field by hand.',
      );
      return true;
    };
    const list = (key: string, target = key): void => {
      if (m[key] === undefined || dynamic(key)) return;
      const value = toStringList(m[key]);
      if (value === undefined) {
        this.#badValue(file, at(key), `${pathPrefix}.${key}`, m[key], 'a list of strings');
        return;
      }
      out[target] = unique(value);
    };
    if (m.schedule !== undefined && !dynamic('schedule')) {
      const schedule = this.#configSchedule(file, at('schedule'), `${pathPrefix}.schedule`, m.schedule);
      if (schedule !== undefined) out.schedule = schedule;
    }
    for (const key of ['enabled', 'retestOnFailure'] as const) {
      if (m[key] === undefined || dynamic(key)) continue;
      if (typeof m[key] === 'boolean') out[key] = m[key];
      else this.#badValue(file, at(key), `${pathPrefix}.${key}`, m[key], 'true or false');
    }
    list('locations');
    list('privateLocations');
    list('tags');
    list('spaces');
    list('maintenanceWindows');
    if (m.namespace !== undefined && !dynamic('namespace')) {
      if (typeof m.namespace === 'string') out.namespace = m.namespace;
      else this.#badValue(file, at('namespace'), `${pathPrefix}.namespace`, m.namespace, 'a string');
    }
    if (m.fields !== undefined && !dynamic('fields')) {
      const fields = this.#stringMap(file, at('fields'), `${pathPrefix}.fields`, m.fields);
      if (fields !== undefined) out.fields = fields;
    }
    if (m.alert !== undefined && !dynamic('alert')) {
      const alert = this.#alertFromObject(file, at('alert'), `${pathPrefix}.alert`, m.alert);
      if (alert !== undefined) out.alert = alert;
    }
    return out;
  }

  #configSchedule(file: FileContext, position: Position, path: string, value: Json): string | undefined {
    if (typeof value === 'number' && (ALLOWED_SCHEDULE_MINUTES as readonly number[]).includes(value)) {
      return scheduleToDuration(value);
    }
    this.#diag.add(
      'error',
      'import.schedule',
      file.display,
      position,
      path,
      `schedule ${JSON.stringify(value)} is refused by push: journeys and config take minutes, one of ${ALLOWED_SCHEDULE_MINUTES.join(', ')}`,
    );
    return undefined;
  }

  #badValue(file: FileContext, position: Position, path: string, value: Json, expected: string): void {
    this.#diag.add(
      'warning',
      'import.value',
      file.display,
      position,
      path,
      `${path} is ${describe(value)}, expected ${expected}; dropped`,
    );
  }

  #stringMap(
    file: FileContext,
    position: Position,
    path: string,
    value: Json,
  ): Record<string, string> | undefined {
    if (!isObject(value)) {
      this.#badValue(file, position, path, value, 'a map of strings');
      return undefined;
    }
    const out: Record<string, string> = {};
    for (const [key, v] of Object.entries(value)) {
      if (typeof v === 'string') out[key] = v;
      else if (typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
      else this.#badValue(file, position, `${path}.${key}`, v, 'a string');
    }
    return out;
  }

  #alertFromObject(file: FileContext, position: Position, path: string, value: Json): Json {
    if (!isObject(value)) {
      this.#badValue(file, position, path, value, 'an object {status: {enabled}, tls: {enabled}}');
      return undefined;
    }
    const out: JsonObject = {};
    for (const [key, v] of Object.entries(value)) {
      const enabled = isObject(v) ? v.enabled : undefined;
      if ((key === 'status' || key === 'tls') && typeof enabled === 'boolean') out[key] = { enabled };
      else this.#badValue(file, position, `${path}.${key}`, v, '{enabled: true|false} under status or tls');
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  /**
   * Params as a ParamList. Secrets (by name or value shape, or read from `process.env`) become
   * `valueFrom.env` references; their values are never written, nor quoted in messages.
   */
  #convertParams(
    file: FileContext,
    params: JsonObject,
    at: (key: string) => Position,
    pathPrefix: string,
  ): NamedValue[] {
    const out: NamedValue[] = [];
    for (const [name, value] of Object.entries(params)) {
      const position = at(name);
      const path = `${pathPrefix}.${name}`;
      if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) {
        this.#diag.add(
          'warning',
          'import.param-name',
          file.display,
          position,
          path,
          `param "${name}" is not a valid param name (letters, digits, _ . -, starting with a letter or _); dropped`,
        );
        continue;
      }
      const fromEnv = envReferenceOf(value);
      if (fromEnv !== undefined) {
        out.push({ name, valueFrom: { env: fromEnv } });
        this.#diag.add(
          'notice',
          'import.param-env',
          file.display,
          position,
          path,
          `param "${name}" is read from the environment variable ${fromEnv} at push time; imported as valueFrom.env ${fromEnv}`,
          `In Kubernetes, create a Secret (kubectl create secret generic <name> --from-literal=${name}=...) and use valueFrom.secretKeyRef instead.`,
        );
        continue;
      }
      if (value === undefined || value === null) continue;
      if (containsMarker(value)) {
        const vars = typeof value === 'string' ? embeddedEnvReferences(value) : [];
        out.push({ name, valueFrom: { env: vars[0] ?? envNameFor(name) } });
        this.#diag.add(
          'warning',
          'import.param-env',
          file.display,
          position,
          path,
          `param "${name}" is computed at push time${vars.length > 0 ? ` from ${vars.join(', ')}` : ''}; imported as valueFrom.env ${vars[0] ?? envNameFor(name)}`,
          'Set the variable to the full value, or use a Secret (valueFrom.secretKeyRef).',
        );
        continue;
      }
      if (looksSecret(name, value)) {
        const env = envNameFor(name);
        out.push({ name, valueFrom: { env } });
        this.#diag.add(
          'warning',
          'import.secret',
          file.display,
          position,
          path,
          `param "${name}" looks like a secret; its value is not imported, the param reads the environment variable ${env}`,
          `Create a Secret (kubectl create secret generic <project>-params --from-literal=${name}=<value>) and change valueFrom to secretKeyRef: {name: <project>-params, key: ${name}}; remove the value from synthetics.config.`,
        );
        continue;
      }
      if (typeof value === 'string') {
        out.push({ name, value });
      } else if (typeof value === 'number' || typeof value === 'boolean') {
        out.push({ name, value: scalarText(value) });
        this.#diag.add(
          'notice',
          'import.param-type',
          file.display,
          position,
          path,
          `param "${name}" is a ${typeof value}; synthctl params are strings, journeys will see "${scalarText(value)}"`,
        );
      } else {
        out.push({ name, value: JSON.stringify(value) });
        this.#diag.add(
          'warning',
          'import.param-type',
          file.display,
          position,
          path,
          `param "${name}" is ${Array.isArray(value) ? 'a list' : 'an object'}; imported as its JSON text, journeys must JSON.parse it`,
        );
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------------------
  // Lightweight YAML

  #importYamlFile(abs: string): void {
    const file: FileContext = { abs, display: this.#display(abs) };
    let text: string;
    try {
      const buffer = readFileSync(abs);
      if (!isUtf8(buffer)) {
        // push warns the same way (`createLightweightMonitors`).
        this.#diag.add(
          'warning',
          'import.encoding',
          file.display,
          NO_POSITION,
          '',
          'is not UTF-8 encoded; monitors might be skipped or garbled',
        );
      }
      text = buffer.toString('utf8');
    } catch (error) {
      this.#diag.add(
        'error',
        'import.read',
        file.display,
        NO_POSITION,
        '',
        `cannot be read: ${String(error)}`,
      );
      return;
    }
    const counter = new LineCounter();
    const doc = parseDocument(text, { lineCounter: counter, merge: true, keepSourceTokens: true });
    if (doc.errors.length > 0) {
      // push would only fail here if the file has heartbeat.monitors; say so either way.
      const hasMonitors = text.includes('heartbeat.monitors');
      for (const error of doc.errors.slice(0, 5)) {
        const { line, col } = counter.linePos(error.pos[0]);
        this.#diag.add(
          hasMonitors ? 'error' : 'notice',
          'import.yaml',
          file.display,
          { line, column: col },
          '',
          `YAML syntax: ${error.message.split('\n')[0] ?? error.message}`,
        );
      }
      return;
    }
    const seqNode = isMap(doc.contents)
      ? (doc.contents.get('heartbeat.monitors', true) as unknown)
      : undefined;
    if (seqNode === undefined || seqNode === null) return; // not a lightweight monitor file
    const seq = isAlias(seqNode) ? seqNode.resolve(doc) : seqNode;
    // `heartbeat.monitors:` with nothing under it: push finds no monitors, nor does synthctl.
    if (seq === undefined || (isScalar(seq) && seq.value === null)) {
      this.#diag.add(
        'notice',
        'import.yaml',
        file.display,
        NO_POSITION,
        'heartbeat.monitors',
        'heartbeat.monitors is empty; no monitor imported from this file',
      );
      return;
    }
    if (!isSeq(seq)) {
      this.#diag.add(
        'error',
        'import.yaml',
        file.display,
        NO_POSITION,
        'heartbeat.monitors',
        'heartbeat.monitors must be a list of monitors',
      );
      return;
    }
    seq.items.forEach((item, index) => {
      const node = isAlias(item) ? item.resolve(doc) : item;
      const offset = (item as YamlNode | null)?.range?.[0] ?? 0;
      const { line, col } = counter.linePos(offset);
      const position = { line, column: col };
      if (!isMap(node)) {
        this.#diag.add(
          'error',
          'import.yaml',
          file.display,
          position,
          `heartbeat.monitors[${index}]`,
          'a monitor must be a mapping',
        );
        return;
      }
      let flat: Entry[];
      try {
        flat = flatten(node, doc, counter);
      } catch (error) {
        // An alias bomb (push fails on it too) or nesting too deep to walk: this monitor only.
        const message = error instanceof Error ? error.message : String(error);
        this.#diag.add(
          'error',
          'import.yaml',
          file.display,
          position,
          `heartbeat.monitors[${index}]`,
          /alias count/i.test(message)
            ? 'its aliases expand more than 100 times: an alias bomb is refused (push fails on it too: "Excessive alias count")'
            : `the monitor could not be read: ${message}`,
        );
        return;
      }
      this.#importLightweight(file, index, position, new EntrySet(flat));
    });
  }

  #importLightweight(file: FileContext, index: number, position: Position, e: EntrySet): void {
    const base = `heartbeat.monitors[${index}]`;
    const path = (key: string): string => `${base}.${key}`;
    const type = e.take('type')?.value;
    if (type === 'browser') {
      this.#diag.add(
        'warning',
        'import.browser-yaml',
        file.display,
        position,
        path('type'),
        'browser monitors in YAML are skipped, as push does',
        'Write the journey in a *.journey.ts file.',
      );
      return;
    }
    if (type !== 'http' && type !== 'tcp' && type !== 'icmp') {
      this.#diag.add(
        'error',
        'import.type',
        file.display,
        e.get('type')?.position ?? position,
        path('type'),
        `type ${JSON.stringify(type)} is not a lightweight monitor type (http, tcp or icmp); monitor skipped`,
      );
      return;
    }
    const idEntry = e.take('id');
    const nameEntry = e.take('name');
    for (const [entry, field] of [
      [idEntry, 'id'],
      [nameEntry, 'name'],
    ] as const) {
      if (entry === undefined || entry.value === null || entry.value === '' || entry.value === false) {
        // push: `Monitor ${field} is required` aborts the push.
        this.#diag.add(
          'error',
          'import.required',
          file.display,
          position,
          path(field),
          `Monitor ${field} is required (push aborts); monitor skipped`,
        );
        return;
      }
    }
    const id = scalarText(idEntry!.value);
    const name = scalarText(nameEntry!.value);
    const source: SourceLocation = { file: file.display, ...position };
    if (!this.#claimId(file, id, source, idEntry!.position, path('id'))) return;

    const g = this.#settings.monitor;
    const spec: Record<string, Json> = { name };
    this.#setId(file, spec, id, idEntry!.position, path('id'));

    // Common fields, in buildMonitorFromYaml's order of precedence.
    const scheduleEntry = e.take('schedule');
    let schedule: string | undefined;
    if (scheduleEntry !== undefined && scheduleEntry.value !== null && scheduleEntry.value !== '') {
      schedule = this.#lightweightSchedule(file, scheduleEntry, path('schedule'));
    }
    if (schedule === undefined && scheduleEntry === undefined) {
      schedule = this.#defaultsValue('schedule') as string | undefined;
      if (schedule === undefined) {
        this.#diag.add(
          'warning',
          'import.schedule',
          file.display,
          position,
          path('schedule'),
          "no schedule here and no monitor.schedule in synthetics.config (push requires one, or --schedule); imported without one, so synthctl's default 3m applies",
          "Add `schedule: '@every 3m'`.",
        );
      }
    }
    if (schedule !== undefined) spec.schedule = schedule;

    const bool = (key: string, target: string): void => {
      const entry = e.take(key);
      if (entry === undefined || entry.value === null) return;
      if (typeof entry.value === 'boolean') spec[target] = entry.value;
      else this.#badValue(file, entry.position, path(key), entry.value, 'true or false');
    };
    const strList = (key: string): string[] | undefined => {
      const entry = e.take(key);
      if (entry === undefined || entry.value === null) return undefined;
      const list = toStringList(entry.value);
      if (list === undefined)
        this.#badValue(file, entry.position, path(key), entry.value, 'a list of strings');
      return list === undefined ? undefined : unique(list);
    };

    bool('enabled', 'enabled');
    const ns = e.take('namespace');
    if (ns !== undefined && ns.value !== null) {
      if (typeof ns.value === 'string') spec.namespace = ns.value;
      else this.#badValue(file, ns.position, path('namespace'), ns.value, 'a string');
    }
    const locations = strList('locations');
    if (locations !== undefined) spec.locations = locations;
    const tags = strList('tags');
    if (tags !== undefined) spec.tags = tags;

    // privateLocations = private_locations || privateLocations || default.
    const pl = strList('private_locations');
    const plCamel = strList('privateLocations');
    const privateLocations = pl ?? plCamel;
    if (privateLocations !== undefined) spec.privateLocations = privateLocations;

    // retestOnFailure = retest_on_failure ?? default; push overwrites a camelCase key.
    bool('retest_on_failure', 'retestOnFailure');
    const retestCamel = e.take('retestOnFailure');
    if (retestCamel !== undefined) {
      this.#diag.add(
        'warning',
        'import.push-ignores',
        file.display,
        retestCamel.position,
        path('retestOnFailure'),
        'push ignores retestOnFailure in YAML (it reads only retest_on_failure, `src/push/monitor.ts`); dropped',
        'Write retest_on_failure, or set spec.retestOnFailure in the imported resource if that was the intent.',
      );
    }
    const mw = strList('maintenance_windows');
    const mwCamel = strList('maintenanceWindows');
    const windows = mw ?? mwCamel;
    if (windows !== undefined) spec.maintenanceWindows = windows;

    // fields: `fields.k` keys, then the project's fields over them; a nested `fields:` map
    // replaces both (it is spread after parseFields in buildMonitorFromYaml).
    const dotted = e.takePrefix('fields.');
    const nested = e.take('fields');
    if (nested !== undefined && nested.value !== null) {
      const map = this.#stringMap(file, nested.position, path('fields'), nested.value);
      if (map !== undefined) spec.fields = map;
      if (dotted.length > 0 || isObject(g.fields)) {
        this.#diag.add(
          'notice',
          'import.fields',
          file.display,
          nested.position,
          path('fields'),
          'a `fields:` map replaces the `fields.*` keys and the project fields for this monitor (push spreads it last); imported as push sends it',
        );
      }
    } else if (dotted.length > 0) {
      const fields: Record<string, string> = {};
      for (const entry of dotted) {
        const key = entry.key.slice('fields.'.length);
        if (typeof entry.value === 'string') fields[key] = entry.value;
        else if (typeof entry.value === 'number' || typeof entry.value === 'boolean') {
          fields[key] = scalarText(entry.value);
        } else this.#badValue(file, entry.position, path(entry.key), entry.value, 'a string');
      }
      const global = this.#defaultsValue('fields') as Record<string, string> | undefined;
      if (global !== undefined) {
        for (const [key, value] of Object.entries(global)) {
          if (key in fields && fields[key] !== value) {
            this.#diag.add(
              'notice',
              'import.fields',
              file.display,
              dotted.find((d) => d.key === `fields.${key}`)?.position ?? position,
              path(`fields.${key}`),
              `fields.${key} is overridden by the project's monitor.fields.${key} (push applies project fields last); imported as push sends it`,
            );
          }
          fields[key] = value;
        }
      }
      spec.fields = fields;
    }

    // alert.status / alert.tls: nested, `alert: {status.enabled}` or dotted; else the default.
    for (const key of ['status', 'tls'] as const) {
      const entry = e.take(`alert.${key}.enabled`);
      if (entry === undefined || entry.value === null) continue;
      if (typeof entry.value !== 'boolean') {
        this.#badValue(file, entry.position, path(`alert.${key}.enabled`), entry.value, 'true or false');
        continue;
      }
      const alert = isObject(spec.alert) ? spec.alert : {};
      alert[key] = { enabled: entry.value };
      spec.alert = alert;
    }
    if (isObject(spec.alert)) {
      const global = this.#defaultsValue('alert') as JsonObject | undefined;
      if (global !== undefined) spec.alert = { ...global, ...spec.alert };
    }

    // spaces: union of the monitor's, the project's and the project space; `*` wins.
    const spaces = strList('spaces');
    const globalSpaces = (this.#defaultsValue('spaces') as string[] | undefined) ?? [];
    const baseSpaces = [...(spaces ?? []), ...globalSpaces];
    if (baseSpaces.length > 0) {
      const all = unique(
        this.#settings.space !== undefined ? [this.#settings.space, ...baseSpaces] : baseSpaces,
      );
      spec.spaces = all.includes('*') ? ['*'] : all;
    } else {
      spec.spaces = undefined; // push: no spaces key, only the project space
    }

    const timeout = e.take('timeout');
    if (timeout !== undefined && timeout.value !== null) {
      const duration = toDuration(timeout.value);
      if (duration === undefined) {
        this.#badValue(file, timeout.position, path('timeout'), timeout.value, 'a duration such as 16s');
      } else spec.timeout = duration;
    }
    const service = e.take('service.name');
    if (service !== undefined && typeof service.value === 'string') spec.serviceName = service.value;
    const params = e.take('params');
    if (params !== undefined) {
      this.#diag.add(
        'warning',
        'import.push-ignores',
        file.display,
        params.position,
        path('params'),
        'params on a lightweight monitor are replaced by the project params when push sends it (Kibana >= 8.7.2); dropped',
        'Move them to params in synthetics.config (imported as SyntheticsProject defaults.params).',
      );
    }

    let typeSpec: Json;
    if (type === 'http') typeSpec = this.#httpSpec(file, e, path, position, id);
    else if (type === 'tcp') typeSpec = this.#tcpSpec(file, e, path, position, id);
    else typeSpec = this.#icmpSpec(file, e, path, position);
    if (typeSpec === undefined) return;
    spec[type] = typeSpec;

    for (const dup of e.duplicates) {
      this.#diag.add(
        'warning',
        'import.duplicate-key',
        file.display,
        dup.position,
        path(dup.key),
        `${dup.key} is written twice; the nested form wins (as push reads it)`,
      );
    }
    for (const rest of e.rest()) {
      const known = LEAF_KEYS.has(rest.key);
      this.#diag.add(
        'warning',
        'import.unsupported-key',
        file.display,
        rest.position,
        path(rest.key),
        known
          ? `${rest.key} is not an option of ${type} monitors; dropped (Kibana rejects the monitor with it)`
          : `${rest.key} is not a Heartbeat option Kibana supports for ${type} project monitors; dropped (Kibana rejects the monitor with it)`,
        `Supported ${type} keys: ${[...COMMON_KEYS, ...TYPE_KEYS[type]].join(', ')}, fields.*`,
      );
    }
    this.#emitMonitor(spec, source, file, `heartbeat.monitors[${index}]`, type);
  }

  #lightweightSchedule(file: FileContext, entry: Entry, path: string): string | undefined {
    const parsed = parsePushSchedule(scalarText(entry.value));
    if (!parsed.ok) {
      this.#diag.add(
        'error',
        'import.schedule',
        file.display,
        entry.position,
        path,
        `${parsed.reason} (push aborts on it)`,
        "Write `schedule: '@every 5m'`; Kibana runs every 10s, 30s, 1, 2, 3, 5, 10, 15, 20, 30, 60, 120 or 240 minutes.",
      );
      return undefined;
    }
    // The shared converter (`snapSchedule`, src/model/kibana-keys.ts) is the source of truth;
    // it refuses text push half-reads (`@every 1.5m`), where the private port of push's parser
    // says what push would have sent.
    let snapped: PushSchedule = parsed.schedule;
    let exact = parsed.exact;
    try {
      snapped = snapSchedule(scalarText(entry.value));
    } catch (error) {
      if (!(error instanceof ScheduleError)) throw error;
      exact = false;
    }
    const duration = scheduleToDuration(snapped);
    const written = scalarText(entry.value).slice('@every '.length).trim();
    if (!exact) {
      this.#diag.add(
        'warning',
        'import.schedule',
        file.display,
        entry.position,
        path,
        `push reads only whole s/m/h/d units of "${scalarText(entry.value)}"; imported as ${duration}`,
      );
    } else if (written !== duration) {
      this.#diag.add(
        'notice',
        'import.schedule-snap',
        file.display,
        entry.position,
        path,
        `schedule ${scalarText(entry.value)} snapped to ${duration}, the nearest schedule Kibana runs (as push does)`,
      );
    }
    return duration;
  }

  // -------------------------------------------------------------------------------------
  // Lightweight type specs

  #singleTarget(
    file: FileContext,
    e: EntrySet,
    key: 'urls' | 'hosts',
    path: (key: string) => string,
    position: Position,
  ): string | undefined {
    const entry = e.take(key);
    const values =
      entry === undefined
        ? undefined
        : typeof entry.value === 'string'
          ? [entry.value]
          : toStringList(entry.value);
    if (values === undefined || values.length !== 1 || values[0] === '') {
      // Kibana: urls/hosts must hold exactly one value.
      this.#diag.add(
        'error',
        'import.target',
        file.display,
        entry?.position ?? position,
        path(key),
        entry === undefined
          ? `${key} is required; monitor skipped`
          : `${key} must hold exactly one value (Kibana refuses more), found ${describe(entry.value)}; monitor skipped`,
        values !== undefined && values.length > 1 ? 'Write one monitor per target.' : undefined,
      );
      return undefined;
    }
    return values[0];
  }

  #secretRef(
    file: FileContext,
    position: Position,
    path: string,
    value: Json,
    envName: string,
    what: string,
  ): { valueFrom: { env: string } } {
    const param = typeof value === 'string' ? paramReference(value) : undefined;
    if (param !== undefined) {
      const env = envNameFor(param);
      this.#diag.add(
        'notice',
        'import.secret',
        file.display,
        position,
        path,
        `${what} is the param \${${param}}; imported as valueFrom.env ${env} (the variable the param reads)`,
        'In Kubernetes, use valueFrom.secretKeyRef to a Secret instead.',
      );
      return { valueFrom: { env } };
    }
    this.#diag.add(
      'warning',
      'import.secret',
      file.display,
      position,
      path,
      `${what} is a secret; its value is not imported, it is read from the environment variable ${envName}`,
      `Create a Secret (kubectl create secret generic <name> --from-literal=<key>=<value>) and use valueFrom.secretKeyRef; remove the value from the YAML.`,
    );
    return { valueFrom: { env: envName } };
  }

  #headers(file: FileContext, entry: Entry, path: string, id: string): NamedValue[] | undefined {
    if (!isObject(entry.value)) {
      this.#badValue(file, entry.position, path, entry.value, 'a map of header names to values');
      return undefined;
    }
    const out: NamedValue[] = [];
    for (const [name, raw] of Object.entries(entry.value)) {
      const value = typeof raw === 'string' ? raw : raw === null ? '' : scalarText(raw);
      const sensitive =
        /^(authorization|proxy-authorization|cookie)$/i.test(name) ||
        /token|secret|api[-_]?key|apikey|auth|session|password/i.test(name);
      if (sensitive && !/\$\{[^}]+\}/.test(value)) {
        const ref = this.#secretRef(
          file,
          entry.position,
          `${path}.${name}`,
          value,
          envNameFor(`${id}_${name}`),
          `header ${name}`,
        );
        out.push({ name, ...ref });
      } else {
        if (sensitive && paramReference(value) === undefined) {
          this.#diag.add(
            'notice',
            'import.secret',
            file.display,
            entry.position,
            `${path}.${name}`,
            `header ${name} embeds a param reference; kept inline, the param holds the secret`,
          );
        }
        out.push({ name, value });
      }
    }
    return out;
  }

  #tls(file: FileContext, e: EntrySet, path: (key: string) => string, id: string): TlsOptions | undefined {
    const tls: Record<string, Json> = {};
    const mode = e.take('ssl.verification_mode');
    if (mode !== undefined && mode.value !== null) {
      if ((TLS_VERIFICATION_MODES as readonly Json[]).includes(mode.value)) tls.verificationMode = mode.value;
      else
        this.#badValue(file, mode.position, path(mode.key), mode.value, TLS_VERIFICATION_MODES.join(' | '));
    }
    const protocols = e.take('ssl.supported_protocols');
    if (protocols !== undefined && protocols.value !== null) {
      const list = toStringList(protocols.value);
      if (
        list !== undefined &&
        list.length > 0 &&
        list.every((p) => (TLS_PROTOCOLS as readonly string[]).includes(p))
      ) {
        tls.supportedProtocols = unique(list);
      } else {
        this.#badValue(
          file,
          protocols.position,
          path(protocols.key),
          protocols.value,
          TLS_PROTOCOLS.join(', '),
        );
      }
    }
    const pem = (entry: Entry): Json => {
      if (typeof entry.value === 'string' && entry.value.includes('-----BEGIN')) return { pem: entry.value };
      this.#diag.add(
        'warning',
        'import.tls-file',
        file.display,
        entry.position,
        path(entry.key),
        `${entry.key} must be PEM text for Kibana project monitors; ${typeof entry.value === 'string' ? `"${entry.value}" looks like a file path` : describe(entry.value)}, dropped`,
        'Put the PEM in a ConfigMap and reference it with configMapKeyRef.',
      );
      return undefined;
    };
    const cas = e.take('ssl.certificate_authorities');
    if (cas !== undefined && cas.value !== null) {
      const list = typeof cas.value === 'string' ? [cas.value] : toStringList(cas.value);
      const converted = (list ?? [])
        .map((value) => pem({ ...cas, value }))
        .filter((v): v is JsonObject => v !== undefined);
      if (converted.length > 0) tls.certificateAuthorities = converted;
    }
    const certificate = e.take('ssl.certificate');
    if (certificate !== undefined && certificate.value !== null) {
      const converted = pem(certificate);
      if (converted !== undefined) tls.certificate = converted;
    }
    const key = e.take('ssl.key');
    if (key !== undefined && key.value !== null) {
      tls.key = this.#secretRef(
        file,
        key.position,
        path(key.key),
        key.value,
        envNameFor(`${id}_tls_key`),
        'ssl.key',
      );
    }
    const passphrase = e.take('ssl.key_passphrase');
    if (passphrase !== undefined && passphrase.value !== null) {
      tls.keyPassphrase = this.#secretRef(
        file,
        passphrase.position,
        path(passphrase.key),
        passphrase.value,
        envNameFor(`${id}_tls_key_passphrase`),
        'ssl.key_passphrase',
      );
    }
    return Object.keys(tls).length > 0 ? tls : undefined;
  }

  #ipMode(file: FileContext, e: EntrySet, path: (key: string) => string, out: Record<string, Json>): void {
    for (const key of ['ipv4', 'ipv6'] as const) {
      const entry = e.take(key);
      if (entry === undefined || entry.value === null) continue;
      if (typeof entry.value === 'boolean') out[key] = entry.value;
      else this.#badValue(file, entry.position, path(key), entry.value, 'true or false');
    }
    const mode = e.take('mode');
    if (mode !== undefined && mode.value !== null) {
      if (mode.value === 'any' || mode.value === 'all') out.mode = mode.value;
      else this.#badValue(file, mode.position, path('mode'), mode.value, 'any | all');
    }
  }

  #httpSpec(
    file: FileContext,
    e: EntrySet,
    path: (key: string) => string,
    position: Position,
    id: string,
  ): HttpSpec | undefined {
    const target = this.#singleTarget(file, e, 'urls', path, position);
    if (target === undefined) return undefined;
    const { url, userinfo } = stripUserinfo(target);
    const http: Record<string, Json> = { url };
    const maxRedirects = e.take('max_redirects');
    if (maxRedirects !== undefined && maxRedirects.value !== null) {
      const n = Number(maxRedirects.value);
      if (Number.isInteger(n) && n >= 0 && n <= 30) http.maxRedirects = n;
      else
        this.#badValue(
          file,
          maxRedirects.position,
          path('max_redirects'),
          maxRedirects.value,
          'an integer 0..30',
        );
    }
    const method = e.take('check.request.method');
    if (method !== undefined && method.value !== null) {
      const upper = scalarText(method.value).toUpperCase();
      if ((HTTP_METHODS as readonly string[]).includes(upper)) http.method = upper;
      else this.#badValue(file, method.position, path(method.key), method.value, HTTP_METHODS.join(' | '));
    }
    const headers = e.take('check.request.headers');
    if (headers !== undefined && headers.value !== null) {
      const list = this.#headers(file, headers, path(headers.key), id);
      if (list !== undefined && list.length > 0) http.headers = list;
    }
    const body = e.take('check.request.body');
    if (body !== undefined && body.value !== null) {
      // Kibana: a string is plain text, an object is JSON (`check.request.body`).
      if (typeof body.value === 'string') http.body = { text: body.value };
      else if (typeof body.value === 'object') http.body = { json: body.value };
      else http.body = { text: scalarText(body.value) };
    }
    let username = e.take('username');
    const password = e.take('password');
    if (userinfo !== undefined) {
      // https://user:secret@host/: the password would sit in Git in clear text.
      const urlEntry = e.get('urls');
      this.#diag.add(
        'warning',
        'import.secret',
        file.display,
        urlEntry?.position ?? position,
        path('urls'),
        `the URL carries credentials; they are removed from it and imported as basic auth with the password read from ${envNameFor(`${id}_password`)}`,
        'Create a Secret and use valueFrom.secretKeyRef for spec.http.auth.basic.password.',
      );
      if (username === undefined && userinfo.username !== '') {
        username = {
          key: 'username',
          value: userinfo.username,
          position: urlEntry?.position ?? position,
          depth: 0,
        };
      }
    }
    if (username !== undefined && typeof username.value === 'string' && username.value !== '') {
      const secret =
        password === undefined || password.value === null
          ? undefined
          : this.#secretRef(
              file,
              password.position,
              path('password'),
              password.value,
              envNameFor(`${id}_password`),
              'password',
            );
      if (secret === undefined) {
        this.#diag.add(
          'warning',
          'import.auth',
          file.display,
          username.position,
          path('username'),
          'username without password: basic auth needs a password reference; set spec.http.auth.basic.password by hand',
        );
        http.auth = {
          basic: { username: username.value, password: { valueFrom: { env: envNameFor(`${id}_password`) } } },
        };
      } else {
        http.auth = { basic: { username: username.value, password: secret } };
      }
    } else if (password !== undefined && password.value !== null) {
      this.#diag.add(
        'warning',
        'import.auth',
        file.display,
        password.position,
        path('password'),
        'password without username: dropped (its value is not imported)',
      );
    }
    const proxyUrl = e.take('proxy_url');
    const proxyHeaders = e.take('proxy_headers');
    if (proxyUrl !== undefined && typeof proxyUrl.value === 'string' && proxyUrl.value !== '') {
      const proxy: Record<string, Json> = { url: proxyUrl.value };
      if (proxyHeaders !== undefined && proxyHeaders.value !== null) {
        const list = this.#headers(file, proxyHeaders, path('proxy_headers'), `${id}_proxy`);
        if (list !== undefined && list.length > 0) proxy.headers = list;
      }
      http.proxy = proxy;
    } else if (proxyHeaders !== undefined && proxyHeaders.value !== null) {
      this.#diag.add(
        'warning',
        'import.proxy',
        file.display,
        proxyHeaders.position,
        path('proxy_headers'),
        'proxy_headers without proxy_url: dropped',
      );
    }
    this.#ipMode(file, e, path, http);
    const tls = this.#tls(file, e, path, id);
    if (tls !== undefined) http.tls = tls;
    const checks = this.#httpChecks(file, e, path);
    if (checks !== undefined) http.checks = checks;
    const response: Record<string, Json> = {};
    const includeBody = e.take('response.include_body');
    if (includeBody !== undefined && includeBody.value !== null) {
      if (['on_error', 'always', 'never'].includes(scalarText(includeBody.value)))
        response.includeBody = includeBody.value;
      else
        this.#badValue(
          file,
          includeBody.position,
          path(includeBody.key),
          includeBody.value,
          'on_error | always | never',
        );
    }
    const includeHeaders = e.take('response.include_headers');
    if (includeHeaders !== undefined && includeHeaders.value !== null) {
      if (typeof includeHeaders.value === 'boolean') response.includeHeaders = includeHeaders.value;
      else
        this.#badValue(
          file,
          includeHeaders.position,
          path(includeHeaders.key),
          includeHeaders.value,
          'true or false',
        );
    }
    const maxBytes = e.take('response.include_body_max_bytes');
    if (maxBytes !== undefined && maxBytes.value !== null) {
      const n = Number(maxBytes.value);
      if (Number.isInteger(n) && n >= 0) response.includeBodyMaxBytes = n;
      else this.#badValue(file, maxBytes.position, path(maxBytes.key), maxBytes.value, 'a number of bytes');
    }
    if (Object.keys(response).length > 0) http.response = response;
    return http as HttpSpec;
  }

  #httpChecks(file: FileContext, e: EntrySet, path: (key: string) => string): Json {
    const checks: Record<string, Json> = {};
    const status = e.take('check.response.status');
    if (status !== undefined && status.value !== null) {
      const list: Json[] = Array.isArray(status.value) ? (status.value as Json[]) : [status.value];
      const converted = list.map((s) =>
        typeof s === 'number' ? s : typeof s === 'string' && /^\d+$/.test(s) ? Number(s) : s,
      );
      if (converted.every((s) => typeof s === 'number' || typeof s === 'string') && converted.length > 0) {
        checks.status = converted;
      } else this.#badValue(file, status.position, path(status.key), status.value, 'status codes');
    }
    const headers = e.take('check.response.headers');
    if (headers !== undefined && headers.value !== null) {
      if (isObject(headers.value)) {
        checks.headers = Object.entries(headers.value).map(([name, value]): HeaderCheck => ({
          name,
          equals: value === null ? '' : scalarText(value),
        }));
      } else
        this.#badValue(
          file,
          headers.position,
          path(headers.key),
          headers.value,
          'a map of header names to values',
        );
    }
    const body: Record<string, Json> = {};
    for (const [key, target] of [
      ['check.response.body.positive', 'contains'],
      ['check.response.body.negative', 'notContains'],
    ] as const) {
      const entry = e.take(key);
      if (entry === undefined || entry.value === null) continue;
      const list = toStringList(entry.value);
      if (list === undefined) {
        this.#badValue(file, entry.position, path(key), entry.value, 'a string or a list of strings');
        continue;
      }
      // Heartbeat compiles these as RE2 patterns. A pattern without regex syntax is plain
      // text (body.contains, which translate quotes back with QuoteMeta); any other pattern
      // stays a regular expression (body.matches), so both directions are exact.
      const plain = list.filter((p) => !REGEX_META.test(p));
      const patterns = list.filter((p) => REGEX_META.test(p));
      if (plain.length > 0) body[target] = plain;
      if (patterns.length > 0) {
        const regexTarget = target === 'contains' ? 'matches' : 'notMatches';
        body[regexTarget] = patterns;
        this.#diag.add(
          'notice',
          'import.body-pattern',
          file.display,
          entry.position,
          path(key),
          `${key} patterns with regular-expression syntax are imported as body.${regexTarget} (Heartbeat reads them as RE2 regular expressions): ${patterns.map((p) => JSON.stringify(p)).join(', ')}`,
        );
      }
    }
    if (Object.keys(body).length > 0) checks.body = body;
    const json = e.take('check.response.json');
    if (json !== undefined && json.value !== null) {
      const converted = this.#jsonChecks(file, json, path(json.key));
      if (converted.length > 0) checks.json = converted;
    }
    return Object.keys(checks).length > 0 ? checks : undefined;
  }

  /**
   * Heartbeat `check.response.json`: `[{description, expression}]` (CEL, what Kibana sends) or
   * the older `[{description, condition: {equals: {path: value}}}]`.
   */
  #jsonChecks(file: FileContext, entry: Entry, path: string): JsonCheck[] {
    const out: JsonCheck[] = [];
    const items = Array.isArray(entry.value) ? entry.value : [entry.value];
    items.forEach((item, i) => {
      const itemPath = `${path}[${i}]`;
      if (!isObject(item)) {
        this.#badValue(
          file,
          entry.position,
          itemPath,
          item,
          '{description, expression} or {description, condition}',
        );
        return;
      }
      const description = typeof item.description === 'string' ? { description: item.description } : {};
      if (typeof item.expression === 'string') {
        // Heartbeat evaluates gval with the JSONPath extension over the parsed body
        // (`$.status == "ok"`). The simple comparisons Kibana round-trips become path checks;
        // anything else becomes the equivalent CEL over `body`.
        const simple = simpleJsonComparison(item.expression);
        if (simple !== undefined) {
          out.push({ ...description, ...simple });
          return;
        }
        const cel = gvalToCel(item.expression);
        out.push({ ...description, expression: cel });
        this.#diag.add(
          'warning',
          'import.json-expression',
          file.display,
          entry.position,
          itemPath,
          `the Heartbeat (gval) expression ${JSON.stringify(item.expression)} is imported as the CEL expression ${JSON.stringify(cel)}; the runner evaluates it, but Kibana takes only \`$.path <op> value\` comparisons from synthctl`,
          'Split it into path checks (path + equals, notEquals, lessThan or greaterThan) to keep it in Kibana.',
        );
        return;
      }
      const condition = isObject(item.condition) ? item.condition : undefined;
      let converted = false;
      for (const [op, arg] of Object.entries(condition ?? {})) {
        if (!isObject(arg)) continue;
        for (const [field, expected] of Object.entries(arg)) {
          const jsonPath = `$.${field}`;
          if (op === 'equals') out.push({ ...description, path: jsonPath, equals: expected });
          else if (op === 'contains' && typeof expected === 'string') {
            out.push({ ...description, path: jsonPath, contains: expected });
          } else if (op === 'regexp' && typeof expected === 'string') {
            out.push({ ...description, path: jsonPath, matches: expected });
          } else if (op === 'range' && isObject(expected)) {
            if (typeof expected.lt === 'number')
              out.push({ ...description, path: jsonPath, lessThan: expected.lt });
            if (typeof expected.gt === 'number')
              out.push({ ...description, path: jsonPath, greaterThan: expected.gt });
            if (expected.lte !== undefined || expected.gte !== undefined) {
              this.#diag.add(
                'warning',
                'import.json-check',
                file.display,
                entry.position,
                itemPath,
                `range lte/gte on ${field} has no exact equivalent; write a CEL expression (body.${field} <= n)`,
              );
            }
          } else {
            this.#diag.add(
              'warning',
              'import.json-check',
              file.display,
              entry.position,
              itemPath,
              `condition ${op} on ${field} is not imported`,
              'Write it as a CEL expression: {expression: "body.x == 1"}.',
            );
            continue;
          }
          converted = true;
        }
      }
      if (!converted) {
        this.#diag.add(
          'warning',
          'import.json-check',
          file.display,
          entry.position,
          itemPath,
          'JSON check without expression or a supported condition (equals, contains, regexp, range); dropped',
        );
      }
    });
    return out;
  }

  #tcpSpec(
    file: FileContext,
    e: EntrySet,
    path: (key: string) => string,
    position: Position,
    id: string,
  ): TcpSpec | undefined {
    const host = this.#singleTarget(file, e, 'hosts', path, position);
    if (host === undefined) return undefined;
    const tcp: Record<string, Json> = { host };
    const send = e.take('check.send');
    if (send !== undefined && send.value !== null) tcp.send = scalarText(send.value);
    const receive = e.take('check.receive');
    if (receive !== undefined && receive.value !== null) tcp.receive = scalarText(receive.value);
    const proxyUrl = e.take('proxy_url');
    const resolver = e.take('proxy_use_local_resolver');
    if (proxyUrl !== undefined && typeof proxyUrl.value === 'string' && proxyUrl.value !== '') {
      const proxy: Record<string, Json> = { url: proxyUrl.value };
      if (resolver !== undefined && typeof resolver.value === 'boolean')
        proxy.useLocalResolver = resolver.value;
      tcp.proxy = proxy;
    } else if (resolver !== undefined && resolver.value !== null) {
      this.#diag.add(
        'notice',
        'import.proxy',
        file.display,
        resolver.position,
        path('proxy_use_local_resolver'),
        'proxy_use_local_resolver without proxy_url has no effect; dropped',
      );
    }
    this.#ipMode(file, e, path, tcp);
    const tls = this.#tls(file, e, path, id);
    if (tls !== undefined) tcp.tls = tls;
    return tcp as TcpSpec;
  }

  #icmpSpec(
    file: FileContext,
    e: EntrySet,
    path: (key: string) => string,
    position: Position,
  ): IcmpSpec | undefined {
    const host = this.#singleTarget(file, e, 'hosts', path, position);
    if (host === undefined) return undefined;
    const icmp: Record<string, Json> = { host };
    const wait = e.take('wait');
    if (wait !== undefined && wait.value !== null) {
      const duration = toDuration(wait.value);
      if (duration === undefined)
        this.#badValue(file, wait.position, path('wait'), wait.value, 'a duration such as 1s');
      else icmp.wait = duration;
    }
    this.#ipMode(file, e, path, icmp);
    return icmp as IcmpSpec;
  }

  // -------------------------------------------------------------------------------------
  // Journeys

  #importJourneyFile(abs: string): void {
    const file: FileContext = { abs, display: this.#display(abs) };
    let evaluated;
    try {
      evaluated = evaluateJourneyFile(abs, this.#paramsForJourneys(), {
        environment: this.#opts.environment,
      });
    } catch (error) {
      this.#diag.add(
        'error',
        'import.journey-file',
        file.display,
        NO_POSITION,
        '',
        error instanceof ProjectEvaluationError ? error.reason : String(error),
        'Journeys found by their literal names are imported without their monitor.use() settings; check each, or declare them by hand (browser.journey.file + filter.match).',
      );
      this.#importJourneysStatically(file);
      return;
    }
    this.#reportNotes(file, evaluated);
    if (evaluated.journeys.length === 0) {
      this.#diag.add(
        'notice',
        'import.journey-file',
        file.display,
        NO_POSITION,
        '',
        'no journey() call found',
      );
    }
    if (evaluated.globalMonitor !== undefined) {
      this.#diag.add(
        'warning',
        'import.monitor-use',
        file.display,
        this.#find(abs, 'monitor.use'),
        'monitor.use',
        'monitor.use() outside a journey changes every journey of the project in push (it depends on file load order); applied to the journeys of this file only',
        'Move it into each journey, or into monitor in synthetics.config.',
      );
    }
    const locations = journeyLocations(abs);
    evaluated.journeys.forEach((journey, index) => {
      const position = locations.get(journey.name) ?? locations.get(`#${index}`) ?? NO_POSITION;
      this.#importJourney(file, journey, position, evaluated.globalMonitor);
    });
  }

  /**
   * When a journey file cannot be evaluated: its `journey('literal name', ...)` calls, found by
   * a text scan. Their monitor.use() is unknown, so each gets a warning: the id push used may
   * differ (monitor.use({ id })), and Kibana matches monitors by id.
   */
  #importJourneysStatically(file: FileContext): void {
    const locations = journeyLocations(file.abs);
    for (const [name, position] of locations) {
      if (name.startsWith('#') || /\$\{/.test(name)) continue;
      this.#diag.add(
        'warning',
        'import.journey-static',
        file.display,
        position,
        `journey(${JSON.stringify(name)})`,
        `journey "${name}" imported from the file's text only: its monitor.use() settings are not read and its id is assumed to be its name`,
        'If monitor.use() sets an id, put it in spec.id, or the next apply creates a second monitor in Kibana.',
      );
      this.#importJourney(
        file,
        {
          kind: 'journey',
          name,
          id: name,
          tags: undefined,
          modifier: undefined,
          monitor: undefined,
          steps: 1,
          error: undefined,
        },
        position,
        undefined,
      );
    }
  }

  /** The params a journey callback sees: the project params (markers stand for env values). */
  #paramsForJourneys(): JsonObject {
    return this.#settings.params;
  }

  #importJourney(
    file: FileContext,
    journey: RecordedJourney,
    position: Position,
    fileGlobal: JsonObject | undefined,
  ): void {
    const source: SourceLocation = { file: file.display, ...position };
    const path = `journey(${JSON.stringify(journey.name)})`;
    if (journey.kind === 'apiJourney') {
      this.#diag.add(
        'error',
        'import.api-journey',
        file.display,
        position,
        path,
        'apiJourney (Kibana type `api`) has no synthctl monitor type yet; not imported',
      );
      return;
    }
    if (journey.error !== undefined) {
      this.#diag.add(
        'warning',
        'import.journey-callback',
        file.display,
        position,
        path,
        `the journey callback threw while push would collect its monitor.use(): ${journey.error}; imported without its monitor.use() settings`,
      );
    }
    // As Journey._updateMonitor: the journey's name, id and tags, then monitor.use() over them.
    const own: JsonObject = {
      name: journey.name,
      id: journey.id,
      type: 'browser',
      tags: journey.tags ?? [],
      ...(journey.monitor ?? {}),
    };
    // As Runner._buildMonitors: the global config (config.monitor, playwrightOptions, params)
    // deep-merged under the journey's own; spaces = own ?? (config spaces + project space).
    const g = { ...this.#settings.monitor, ...(fileGlobal ?? {}) };
    const configSpaces = toStringList(g.spaces) ?? [];
    const globalSpaces = unique(
      this.#settings.space !== undefined ? [...configSpaces, this.#settings.space] : configSpaces,
    );
    const global: JsonObject = {
      ...g,
      params: this.#settings.params,
      ...(this.#settings.playwrightOptions === undefined
        ? {}
        : { playwrightOptions: this.#settings.playwrightOptions }),
      spaces: globalSpaces.includes('*') ? ['*'] : globalSpaces,
    };
    const merged = deepMerge(global, own) as JsonObject;
    if (journey.modifier === 'skip') {
      this.#diag.add(
        'warning',
        'import.journey-skip',
        file.display,
        position,
        path,
        'journey.skip makes push abort ("Please remove the journey.skip annotation"); imported as enabled: false',
      );
      merged.enabled = false;
    }
    const id = typeof merged.id === 'string' && merged.id !== '' ? merged.id : journey.name;
    const name = typeof merged.name === 'string' && merged.name !== '' ? merged.name : journey.name;
    if (containsMarker(id) || containsMarker(name)) {
      this.#diag.add(
        'error',
        'import.dynamic',
        file.display,
        position,
        path,
        `journey id/name is computed at push time (${displayValue(id)}); not imported`,
      );
      return;
    }
    if (!this.#claimId(file, id, source, position, `${path}.id`)) return;
    const at = (key: string): Position => {
      const found = this.#findKey(file.abs, key, position.line);
      return found.line >= position.line ? found : position;
    };
    const spec: Record<string, Json> = { name };
    this.#setId(file, spec, id, position, `${path}.id`);
    const common = this.#commonFromConfig(file, merged, at, 'monitor');
    Object.assign(spec, common);
    // A journey without spaces of its own gets the project space only: the default.
    if (
      Array.isArray(spec.spaces) &&
      this.#defaultsValue('spaces') === undefined &&
      (spec.spaces.length === 0 || deepEqual(spec.spaces, [this.#settings.space ?? 'default']))
    ) {
      delete spec.spaces;
    }
    if (merged.schedule === undefined) {
      this.#diag.add(
        'error',
        'import.schedule',
        file.display,
        position,
        `${path}.schedule`,
        'no schedule in monitor.use() and none in synthetics.config monitor.schedule: push refuses the journey',
      );
    }
    const mergedParams = isObject(merged.params) ? merged.params : {};
    if (journey.monitor !== undefined && isObject(journey.monitor.params)) {
      spec.params = this.#convertParams(file, mergedParams, at, `${path}.params`);
    }
    const browser: Record<string, Json> = {
      journey: { file: this.#journeyPath(file.abs) },
      filter: { match: journey.name },
    };
    if (merged.screenshot !== undefined) {
      if (['on', 'off', 'only-on-failure'].includes(scalarText(merged.screenshot)))
        browser.screenshots = merged.screenshot;
      else
        this.#badValue(
          file,
          at('screenshot'),
          `${path}.screenshot`,
          merged.screenshot,
          'on | off | only-on-failure',
        );
    }
    if (isObject(merged.playwrightOptions) && Object.keys(merged.playwrightOptions).length > 0) {
      if (containsMarker(merged.playwrightOptions)) {
        this.#diag.add(
          'warning',
          'import.dynamic',
          file.display,
          at('playwrightOptions'),
          `${path}.playwrightOptions`,
          'playwrightOptions hold values computed at push time; those are dropped',
        );
      }
      browser.playwrightOptions = stripMarkers(merged.playwrightOptions);
    }
    if (merged.throttling !== undefined) {
      this.#diag.add(
        'notice',
        'import.throttling',
        file.display,
        at('throttling'),
        `${path}.throttling`,
        'throttling is deprecated and ignored by the agent (elastic/synthetics#758); dropped',
      );
    }
    for (const key of Object.keys(journey.monitor ?? {})) {
      if (!MONITOR_CONFIG_KEYS.has(key)) {
        this.#diag.add(
          'warning',
          'import.unsupported-key',
          file.display,
          at(key),
          `${path}.monitor.${key}`,
          `monitor.use() key ${key} is not a push monitor setting; dropped`,
        );
      }
    }
    if (journey.steps === 0) {
      this.#diag.add(
        'notice',
        'import.journey-steps',
        file.display,
        position,
        path,
        'the journey registers no step()',
      );
    }
    spec.browser = browser;
    this.#emitMonitor(spec, source, file, path, 'browser');
  }

  #journeyPath(abs: string): string {
    const base =
      this.#opts.outDir === undefined ? this.#opts.cwd : resolve(this.#opts.cwd, this.#opts.outDir);
    const rel = relative(base, abs).split(sep).join('/');
    return rel.startsWith('.') ? rel : `./${rel}`;
  }

  // -------------------------------------------------------------------------------------
  // Resources

  #claimId(file: FileContext, id: string, source: SourceLocation, position: Position, path: string): boolean {
    const previous = this.#ids.get(id);
    if (previous !== undefined) {
      this.#diag.add(
        'error',
        'import.duplicate-id',
        file.display,
        position,
        path,
        `monitor id "${id}" is already used at ${previous.file}:${previous.line}:${previous.column}; push aborts on duplicate ids. This one is not imported`,
        'Give every monitor a unique id.',
      );
      return false;
    }
    this.#ids.set(id, source);
    return true;
  }

  #setId(file: FileContext, spec: Record<string, Json>, id: string, position: Position, path: string): void {
    const valid = ID_PATTERN.test(id) && id.length <= 253;
    const final = valid ? id : resourceNameFor(id);
    // Two ids push keeps apart (`a b`, `a-b`) may meet once one is renamed.
    const other = this.#finalIds.get(final);
    if (other !== undefined && other.id !== id) {
      this.#diag.add(
        'error',
        'import.duplicate-id',
        file.display,
        position,
        path,
        `monitor id "${id}" ${valid ? 'is' : `becomes "${final}", which is`} also the id of monitor "${other.id}" (${other.at.file}:${other.at.line}:${other.at.column})${valid ? ' once renamed' : ''}; the two would be one monitor in Kibana`,
        'Give one of them another id.',
      );
    } else
      this.#finalIds.set(final, {
        id,
        at: { file: file.display, line: position.line, column: position.column },
      });
    if (valid) {
      spec.id = id;
      return;
    }
    const replacement = final;
    spec.id = replacement;
    this.#diag.add(
      'warning',
      'import.id',
      file.display,
      position,
      path,
      `monitor id "${id}" is not a valid synthctl id (letters, digits, . _ : -); imported as "${replacement}"`,
      `Kibana matches monitors by id: the first apply creates "${replacement}" and prune removes "${id}" (its history stays under the old id).`,
    );
  }

  #defaultsValue(key: string): Json {
    return this.#defaults === undefined ? undefined : (this.#defaults as Record<string, Json>)[key];
  }

  /**
   * Writes only what differs from the SyntheticsProject defaults (a monitor's own value wins
   * over a default), so the monitor reads as the user wrote it while its effective config is
   * the one push sends.
   */
  #emitMonitor(
    spec: Record<string, Json>,
    source: SourceLocation,
    file: FileContext,
    origin: string,
    type: string,
  ): void {
    const projectSpace = this.#settings.space ?? 'default';
    if (Array.isArray(spec.spaces)) spec.spaces = [...(spec.spaces as string[])].sort();
    if (this.#defaults !== undefined) {
      // push sent no spaces: the monitor lives in the project space only, not in defaults.spaces.
      if ('spaces' in spec && spec.spaces === undefined && this.#defaultsValue('spaces') !== undefined) {
        spec.spaces = [projectSpace];
      }
      this.#omitDefaults(spec, file, source, origin);
    }
    if (Array.isArray(spec.spaces)) spec.spaces = [...(spec.spaces as string[])].sort();
    for (const key of Object.keys(spec)) {
      const value = spec[key];
      // An empty list where the project has no default says nothing: leave it out.
      const emptyList = Array.isArray(value) && value.length === 0 && this.#defaultsValue(key) === undefined;
      if (value === undefined || emptyList) Reflect.deleteProperty(spec, key);
    }
    const name = this.#uniqueName(resourceNameFor(scalarText(spec.id ?? spec.name)));
    const resource: SyntheticMonitor = {
      apiVersion: API_VERSION,
      kind: 'SyntheticMonitor',
      metadata: {
        name,
        ...(this.#opts.namespace === undefined ? {} : { namespace: this.#opts.namespace }),
        labels: { 'app.kubernetes.io/managed-by': 'synthctl', 'synthctl.dev/imported-from': 'elastic' },
      },
      spec: orderSpec(spec),
    };
    if (this.#check(resource, file, source, origin)) {
      this.#resources.push({ resource, source, fileName: `${name}.yaml`, origin: `${origin} (${type})` });
    }
  }

  /**
   * Leaves out what the project's defaults already give, following synthctl's merge
   * (`mergeDefaults`): scalars and lists are replaced by the monitor's own (an empty list
   * falls back to the default), `fields` and `alert` merge key by key, params by name.
   */
  #omitDefaults(spec: Record<string, Json>, file: FileContext, source: SourceLocation, origin: string): void {
    const defaults = this.#defaults as Record<string, Json>;
    for (const [key, fallback] of Object.entries(defaults)) {
      const own = spec[key];
      if (own === undefined) continue;
      if (key === 'fields' || key === 'alert') {
        const ownMap = own as JsonObject;
        const fallbackMap = fallback as JsonObject;
        const kept: JsonObject = {};
        for (const [k, v] of Object.entries(ownMap)) if (!deepEqual(v, fallbackMap[k])) kept[k] = v;
        const lost = Object.keys(fallbackMap).filter((k) => !(k in ownMap));
        if (lost.length > 0) {
          this.#diag.add(
            'warning',
            'import.defaults',
            file.display,
            source,
            key,
            `${origin}: push sends this monitor without the project ${key} ${lost.join(', ')}; synthctl merges project ${key} into every monitor, so they are added`,
          );
        }
        if (Object.keys(kept).length > 0) spec[key] = kept;
        else Reflect.deleteProperty(spec, key);
      } else if (key === 'params') {
        const byName = new Map((fallback as NamedValue[]).map((p) => [p.name, p]));
        const kept = (own as NamedValue[]).filter((p) => !deepEqual(p, byName.get(p.name)));
        if (kept.length > 0) spec[key] = kept;
        else Reflect.deleteProperty(spec, key);
      } else if (Array.isArray(own) && own.length === 0 && Array.isArray(fallback) && fallback.length > 0) {
        this.#diag.add(
          'warning',
          'import.defaults',
          file.display,
          source,
          key,
          `${origin}: push sends an empty ${key}; in synthctl an empty list takes the project default (${(fallback as string[]).join(', ')})`,
        );
        Reflect.deleteProperty(spec, key);
      } else if (deepEqual(own, fallback)) {
        Reflect.deleteProperty(spec, key);
      }
    }
  }

  #uniqueName(name: string): string {
    let candidate = name;
    for (let i = 2; this.#names.has(candidate); i++) candidate = `${name}-${i}`;
    this.#names.add(candidate);
    return candidate;
  }

  #check(
    resource: SyntheticMonitor | SyntheticsProject,
    file: FileContext,
    source: SourceLocation,
    origin: string,
  ): boolean {
    const kind = resource.kind;
    const issues = this.#validator.validate(kind, resource);
    for (const issue of issues.slice(0, 5)) {
      this.#diag.add(
        'error',
        'import.schema',
        file.display,
        source,
        formatPath(issue.path),
        `${origin}: the imported ${kind} fails the schema at ${formatPath(issue.path)}: ${issue.message}; not written`,
      );
    }
    return issues.length === 0;
  }

  #emitProject(): void {
    const s = this.#settings;
    if (s.configFile === undefined && (s.projectId === undefined || s.url === undefined)) return;
    const configFile = s.configFile ?? this.#opts.dir;
    const file: FileContext = { abs: configFile, display: this.#display(configFile) };
    const missing = [
      s.projectId === undefined ? 'project.id' : '',
      s.url === undefined ? 'project.url' : '',
    ].filter((m) => m !== '');
    if (missing.length > 0) {
      this.#diag.add(
        'warning',
        'import.project',
        file.display,
        this.#findKey(configFile, 'project'),
        'project',
        `no SyntheticsProject: synthetics.config has no ${missing.join(' or ')} (give --project-id and --kibana-url, as push takes --id and --url); monitor defaults are written on each monitor instead`,
        'Write the SyntheticsProject by hand (spec.projectId, spec.kibana.url).',
      );
      // Push the defaults down onto the monitors instead, merged as synthctl merges them.
      for (const imported of this.#resources) {
        const resource = imported.resource;
        if (resource.kind !== 'SyntheticMonitor' || this.#defaults === undefined) continue;
        resource.spec = orderSpec(mergeDefaults(resource.spec, this.#defaults));
      }
      return;
    }
    const projectId = s.projectId!;
    const name = this.#opts.projectName ?? resourceNameFor(projectId);
    const defaults = this.#defaults ?? {};
    const resource: SyntheticsProject = {
      apiVersion: API_VERSION,
      kind: 'SyntheticsProject',
      metadata: {
        name,
        ...(this.#opts.namespace === undefined ? {} : { namespace: this.#opts.namespace }),
        labels: { 'app.kubernetes.io/managed-by': 'synthctl', 'synthctl.dev/imported-from': 'elastic' },
      },
      spec: {
        projectId,
        kibana: {
          url: s.url!,
          ...(s.space === undefined ? {} : { space: s.space }),
          // push reads --auth or SYNTHETICS_API_KEY; the key itself is never in the config.
          apiKey: { valueFrom: { env: 'SYNTHETICS_API_KEY' } },
        },
        ...(Object.keys(defaults).length > 0 ? { defaults: orderSpec(defaults) } : {}),
        // Push deletes every project monitor missing locally; keep that, guarded.
        prune: { enabled: true, maxDeletes: 10 },
      },
    };
    const source: SourceLocation = { file: file.display, ...this.#findKey(configFile, 'project') };
    if (this.#check(resource, file, source, 'synthetics.config project')) {
      this.#resources.unshift({
        resource,
        source,
        fileName: `${name}.project.yaml`,
        origin: 'synthetics.config (project, monitor, params)',
      });
    }
  }
}

const SPEC_ORDER = [
  'name',
  'id',
  'enabled',
  'schedule',
  'timeout',
  'locations',
  'privateLocations',
  'tags',
  'fields',
  'alert',
  'retestOnFailure',
  'spaces',
  'namespace',
  'maintenanceWindows',
  'serviceName',
  'params',
  'http',
  'tcp',
  'icmp',
  'browser',
];

function orderSpec(spec: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const key of SPEC_ORDER) if (spec[key] !== undefined) out[key] = spec[key];
  for (const [key, value] of Object.entries(spec)) if (!(key in out) && value !== undefined) out[key] = value;
  return out;
}

function stripMarkers(value: Json): Json {
  if (typeof value === 'string') return containsMarker(value) ? undefined : value;
  if (Array.isArray(value)) return value.map(stripMarkers).filter((v) => v !== undefined);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const stripped = stripMarkers(v);
      if (stripped !== undefined) out[k] = stripped;
    }
    return out;
  }
  return value;
}

function describe(value: Json): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string')
    return JSON.stringify(value === OPAQUE_MARK ? '<unresolved>' : displayValue(value));
  return scalarText(value);
}

/** Splits `https://user:pass@host/` into the URL without user info and the user info. */
function stripUserinfo(target: string): { url: string; userinfo?: { username: string } } {
  let parsed: URL;
  try {
    parsed = new URL(target);
  } catch {
    return { url: target };
  }
  if (parsed.username === '' && parsed.password === '') return { url: target };
  const username = decodeURIComponent(parsed.username);
  // The user info is cut out of the text as written: re-serialising would also normalise the
  // rest (`https://host` → `https://host/`), and push sends the rest as written.
  const url = target.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/u, '$1');
  return { url, userinfo: { username } };
}

/** Go's regexp.QuoteMeta set: a pattern with none of these matches itself as plain text. */
const REGEX_META = /[\\.+*?()|[\]{}^$]/;

/**
 * `$.a.b == "x"`, `$.items[0].n < 5`: one JSONPath compared with one JSON literal, the form
 * Kibana keeps and translate produces. Undefined for anything else.
 */
export function simpleJsonComparison(expression: string): Omit<JsonCheck, 'description'> | undefined {
  const match = /^\s*(\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])+)\s*(==|!=|<|>)\s*(.+?)\s*$/.exec(expression);
  if (match === null) return undefined;
  const [, path = '', op, literal = ''] = match;
  let value: unknown;
  try {
    value = JSON.parse(literal);
  } catch {
    return undefined;
  }
  if (value !== null && typeof value === 'object') return undefined;
  if (op === '==') return { path, equals: value };
  if (op === '!=') return { path, notEquals: value };
  if (typeof value !== 'number') return undefined;
  return op === '<' ? { path, lessThan: value } : { path, greaterThan: value };
}

/** A gval expression over the body as CEL over `body`: `$.a` and bare `a` become `body.a`. */
export function gvalToCel(expression: string): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i]!;
    if (quote !== undefined) {
      out += ch;
      if (ch === '\\') out += expression[++i] ?? '';
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      quote = ch === '`' ? '"' : ch;
      out += quote;
      continue;
    }
    out += ch === '$' ? 'body' : ch;
  }
  return rootFieldsToBody(out);
}

const CEL_WORDS = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
  'body',
]);

/**
 * Heartbeat's `check.response.json` expressions run with the parsed body as the CEL
 * activation, so `status == "ok"` reads the body's top-level `status`; synthctl binds the body
 * to `body`. Prefixes free identifiers with `body.`, leaving strings, member names, function
 * names, literals and macro variables (`items.all(i, i.ok)`) alone.
 */
export function rootFieldsToBody(expression: string): string {
  const bound = new Set<string>();
  for (const m of expression.matchAll(
    /\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_]\w*)\s*,/g,
  )) {
    bound.add(m[1]!);
  }
  let out = '';
  let i = 0;
  let previous = '';
  while (i < expression.length) {
    const ch = expression[i]!;
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      while (j < expression.length && expression[j] !== ch) j += expression[j] === '\\' ? 2 : 1;
      out += expression.slice(i, j + 1);
      i = j + 1;
      previous = ch;
      continue;
    }
    const word = /^[A-Za-z_]\w*/.exec(expression.slice(i))?.[0];
    if (word !== undefined) {
      const rest = expression.slice(i + word.length);
      const isCall = /^\s*\(/.test(rest);
      const isMember = previous === '.';
      const isNumberSuffix = /[0-9]$/.test(out) && (word === 'u' || word.startsWith('e'));
      const free = !isCall && !isMember && !isNumberSuffix && !CEL_WORDS.has(word) && !bound.has(word);
      out += free ? `body.${word}` : word;
      i += word.length;
      previous = 'w';
      continue;
    }
    out += ch;
    if (!/\s/.test(ch)) previous = ch;
    i++;
  }
  return out;
}

/** The first position of `needle` in a file at or after `fromLine` (1-based), or 1:1. */
function findInSource(cache: Map<string, string>, file: string, needle: string, fromLine = 1): Position {
  let text = cache.get(file);
  if (text === undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      text = '';
    }
    cache.set(file, text);
  }
  const lines = text.split('\n');
  for (let i = Math.max(0, fromLine - 1); i < lines.length; i++) {
    const column = lines[i]!.indexOf(needle);
    if (column >= 0) return { line: i + 1, column: column + 1 };
  }
  return NO_POSITION;
}

/** Positions of `journey(...)` calls: by the literal name when there is one, else by order (`#n`). */
function journeyLocations(file: string): Map<string, Position> {
  const out = new Map<string, Position>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  const re =
    /\b(?:api)?[jJ]ourney(?:\.(?:skip|only))?\s*\(\s*(?:\{[^}]*?name\s*:\s*)?(['"`])((?:\\.|(?!\1).)*)\1/g;
  const anyCall = /\b(?:api)?[jJ]ourney(?:\.(?:skip|only))?\s*\(/g;
  const positionAt = (offset: number): Position => {
    const before = text.slice(0, offset).split('\n');
    return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
  };
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const name = m[2] ?? '';
    if (!out.has(name)) out.set(name, positionAt(m.index));
  }
  let index = 0;
  for (let m = anyCall.exec(text); m !== null; m = anyCall.exec(text)) {
    if (text.slice(Math.max(0, m.index - 8), m.index).includes('import')) continue;
    out.set(`#${index++}`, positionAt(m.index));
  }
  return out;
}

/** Converts an `@elastic/synthetics` project into synthctl resources (see the file comment). */
export function importElasticProject(options: ImportElasticOptions): ImportElasticResult {
  return new Importer(options).run();
}

/** One resource as YAML, with a header comment naming its source. */
export function renderImportedResource(imported: ImportedResource): string {
  // Strings kubectl would read as booleans or numbers (`yes`, `010`) are quoted.
  const doc = new Document(imported.resource, { customTags: goYamlScalars });
  doc.commentBefore = ` Imported by \`synthctl import elastic\` from ${imported.source.file}:${imported.source.line}:${imported.source.column}\n ${imported.origin}`;
  return doc.toString({ lineWidth: 0 });
}

/** Every resource as one multi-document YAML stream. */
export function renderImportedStream(resources: readonly ImportedResource[]): string {
  return resources.map((r) => `---\n${renderImportedResource(r)}`).join('');
}

/** Guards a file name against path tricks: `a/../b.yaml` is refused. */
export function isPlainFileName(name: string): boolean {
  return name === basename(name) && !name.startsWith('.') && dirname(name) === '.';
}
