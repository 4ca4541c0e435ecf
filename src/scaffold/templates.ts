/**
 * Templates of `synthctl new`: commented, valid monitors for the common cases. Each template
 * is text rather than a serialised object so that the comments sit next to the fields they
 * explain; the tests validate every template's output with `synthctl validate`'s checks.
 */
import { API_VERSION } from '../model/schema.js';

/** The kinds of monitor `synthctl new` writes. */
export const TEMPLATE_KINDS = ['http', 'tcp', 'icmp', 'browser'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** What the user may set; everything has a working default. */
export interface TemplateOptions {
  /** `metadata.name`; also names the Secret and the journey file. */
  readonly name?: string;
  /** `metadata.namespace`. */
  readonly namespace?: string;
  /** http and browser: the URL to check or start the journey at. */
  readonly url?: string;
  /** tcp: `host:port`; icmp: a host name or address. */
  readonly host?: string;
  /** How often it runs, as a duration (`1m`, `10m`). */
  readonly schedule?: string;
  /** Name of the YAML file, used to name the journey file next to it (browser). */
  readonly yamlFileName?: string;
}

/** A file a template produces, relative to the YAML file's folder. */
export interface TemplateFile {
  /** `yaml` for the monitor, `journey` for the browser journey. */
  readonly role: 'yaml' | 'journey';
  /** File name (no folder). */
  readonly fileName: string;
  readonly content: string;
}

/** A bad template option: says which flag and what is valid. */
export class TemplateOptionError extends Error {
  override readonly name = 'TemplateOptionError';
  readonly option: string;
  constructor(option: string, message: string) {
    super(message);
    this.option = option;
  }
}

const DEFAULTS = {
  http: { name: 'api-health', url: 'https://api.example.com/healthz', schedule: '1m' },
  tcp: { name: 'database-port', host: 'db.example.com:5432', schedule: '1m' },
  icmp: { name: 'host-ping', host: 'gateway.example.com', schedule: '1m' },
  browser: { name: 'login-journey', url: 'https://app.example.com/login', schedule: '10m' },
} as const;

const RESOURCE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;

/** A YAML scalar: plain when that is unambiguous, else double-quoted (JSON is valid YAML). */
function scalar(value: string): string {
  const plain =
    /^[A-Za-z0-9/$][A-Za-z0-9._~:/?#@!$&'()*+,;=%-]*$/.test(value) &&
    !/^(true|false|yes|no|on|off|null|~|[-+]?[0-9.]+(e[0-9]+)?)$/i.test(value) &&
    !value.includes(': ') &&
    !value.includes(' #');
  return plain ? value : JSON.stringify(value);
}

/** `api-health` → `API health`: a display name from a resource name. */
function displayName(name: string): string {
  const words = name.split('-').filter((w) => w !== '');
  const text = words
    .map((w) => (['api', 'tcp', 'dns', 'http', 'db'].includes(w) ? w.toUpperCase() : w))
    .join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `api-health` → `API_HEALTH`. */
function envName(name: string): string {
  return name.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
}

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TemplateOptionError(
      '--url',
      `--url ${JSON.stringify(url)} is not a URL; write e.g. https://api.example.com/healthz`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TemplateOptionError('--url', `--url must be http:// or https://, got ${parsed.protocol}`);
  }
  return url;
}

function checkHostPort(host: string): string {
  if (
    !/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/.test(host) ||
    Number(host.split(':').pop()) > 65535
  ) {
    throw new TemplateOptionError(
      '--host',
      `--host ${JSON.stringify(host)} must be host:port, e.g. db.example.com:5432 or [::1]:5432`,
    );
  }
  return host;
}

function checkHost(host: string): string {
  if (!/^([A-Za-z0-9.-]+|[0-9A-Fa-f:]+)$/.test(host) || host.length > 253) {
    throw new TemplateOptionError(
      '--host',
      `--host ${JSON.stringify(host)} must be a host name or IP address, without a port`,
    );
  }
  return host;
}

function header(kind: TemplateKind, purpose: string, fileName: string): string {
  return [
    `# ${purpose}`,
    `# Written by \`synthctl new ${kind}\`. Check it with \`synthctl validate ${fileName}\`,`,
    `# run it once with \`synthctl run --once ${fileName}\`, then commit it.`,
  ].join('\n');
}

function metadata(name: string, namespace: string | undefined): string {
  return [
    'metadata:',
    `  name: ${name}`,
    ...(namespace === undefined ? [] : [`  namespace: ${namespace}`]),
    '  labels:',
    '    app.kubernetes.io/managed-by: synthctl',
  ].join('\n');
}

/** Renders the files of a template. Throws {@link TemplateOptionError} for bad options. */
export function renderTemplate(kind: TemplateKind, options: TemplateOptions = {}): TemplateFile[] {
  const defaults = DEFAULTS[kind];
  const name = options.name ?? defaults.name;
  if (!RESOURCE_NAME.test(name) || name.length > 63) {
    throw new TemplateOptionError(
      '--name',
      `--name ${JSON.stringify(name)} must be a resource name: lower-case letters, digits and -, at most 63 characters`,
    );
  }
  if (options.namespace !== undefined && !NAMESPACE.test(options.namespace)) {
    throw new TemplateOptionError(
      '--namespace',
      `--namespace ${JSON.stringify(options.namespace)} is not a Kubernetes namespace`,
    );
  }
  const schedule = options.schedule ?? defaults.schedule;
  if (!DURATION.test(schedule)) {
    throw new TemplateOptionError(
      '--schedule',
      `--schedule ${JSON.stringify(schedule)} must be a duration such as 30s, 5m or 1h`,
    );
  }
  const yamlFileName = options.yamlFileName ?? `${name}.yaml`;
  const meta = metadata(name, options.namespace);
  const title = displayName(name);
  const secret = `${name}-credentials`;

  switch (kind) {
    case 'http': {
      const url = checkUrl(options.url ?? DEFAULTS.http.url);
      return [
        {
          role: 'yaml',
          fileName: yamlFileName,
          content: `${header(kind, 'A JSON health endpoint: HTTP 200, a body that says "ok", within 2 seconds.', yamlFileName)}
apiVersion: ${API_VERSION}
kind: SyntheticMonitor
${meta}
spec:
  # Shown in Kibana and in results.
  name: ${scalar(title)}
  # Kibana runs monitors every 10s, 30s, 1m, 2m, 3m, 5m, 10m, 15m, 20m, 30m, 1h, 2h or 4h.
  schedule: ${schedule}
  timeout: 10s
  tags: [http, health]
  fields:
    team: my-team
  http:
    url: ${scalar(url)}
    method: GET
    headers:
      - name: Accept
        value: application/json
    # The API key is read from a Secret, never written here. Create it with
    #   kubectl create secret generic ${secret} --from-literal=api-key=<the key>
    # Outside Kubernetes, replace secretKeyRef by  env: ${envName(name)}_API_KEY
    auth:
      apiKey:
        header: X-API-Key
        value:
          valueFrom:
            secretKeyRef:
              name: ${secret}
              key: api-key
    checks:
      # A status code, a class (2xx) or a range (200-299).
      status: [200]
      json:
        - description: the service reports itself healthy
          path: $.status
          equals: ok
        # Any condition on the parsed body, in CEL:
        - description: every dependency is up
          expression: '!has(body.dependencies) || body.dependencies.all(d, d.status == "up")'
      maxResponseTime: 2s
`,
        },
      ];
    }
    case 'tcp': {
      const host = checkHostPort(options.host ?? DEFAULTS.tcp.host);
      return [
        {
          role: 'yaml',
          fileName: yamlFileName,
          content: `${header(kind, 'A database port: the monitor is up when a TCP connection opens within 5 seconds.', yamlFileName)}
apiVersion: ${API_VERSION}
kind: SyntheticMonitor
${meta}
spec:
  name: ${scalar(title)}
  schedule: ${schedule}
  timeout: 5s
  tags: [tcp, database]
  tcp:
    # host:port, or [ipv6]:port.
    host: ${scalar(host)}
    # For a protocol that answers a greeting, send and expect text:
    # send: "PING\\r\\n"
    # receive: "+PONG"
    # For a TLS port, verify its certificate:
    # tls:
    #   verificationMode: full
`,
        },
      ];
    }
    case 'icmp': {
      const host = checkHost(options.host ?? DEFAULTS.icmp.host);
      return [
        {
          role: 'yaml',
          fileName: yamlFileName,
          content: `${header(kind, 'A host ping: the monitor is up when the host answers an ICMP echo request.', yamlFileName)}
# ICMP needs a raw socket: run synthctl as root or with CAP_NET_RAW (the Helm chart sets it).
apiVersion: ${API_VERSION}
kind: SyntheticMonitor
${meta}
spec:
  name: ${scalar(title)}
  schedule: ${schedule}
  timeout: 5s
  tags: [icmp]
  icmp:
    host: ${scalar(host)}
    # Time between echo requests when count > 1.
    wait: 1s
`,
        },
      ];
    }
    case 'browser': {
      const url = checkUrl(options.url ?? DEFAULTS.browser.url);
      const journeyFile = `${yamlFileName.replace(/\.ya?ml$/i, '')}.journey.ts`;
      return [
        {
          role: 'yaml',
          fileName: yamlFileName,
          content: `${header(kind, 'A login journey: open the login page, sign in, see the account page.', yamlFileName)}
# The journey is ${journeyFile}, written in Elastic's journey DSL: it also runs
# unchanged with \`npx @elastic/synthetics\`.
apiVersion: ${API_VERSION}
kind: SyntheticMonitor
${meta}
spec:
  name: ${scalar(title)}
  schedule: ${schedule}
  tags: [browser, login]
  # Journeys read these as params.url, params.username and params.password.
  params:
    - name: url
      value: ${scalar(url)}
    - name: username
      value: synthetics-bot
    # The password is read from a Secret, never written here. Create it with
    #   kubectl create secret generic ${secret} --from-literal=password=<the password>
    # Outside Kubernetes, replace secretKeyRef by  env: ${envName(name)}_PASSWORD
    - name: password
      valueFrom:
        secretKeyRef:
          name: ${secret}
          key: password
  browser:
    journey:
      # Relative to this file.
      file: ./${journeyFile}
    filter:
      # The journey of that file this monitor runs.
      match: ${scalar(title)}
    screenshots: only-on-failure
`,
        },
        {
          role: 'journey',
          fileName: journeyFile,
          content: `import { journey, step, expect } from '@elastic/synthetics';

// Steps run in order in one browser page; a failing step fails the journey and skips the rest.
journey(${JSON.stringify(title)}, ({ page, params }) => {
  step('open the login page', async () => {
    await page.goto(params.url);
    await expect(page.getByRole('button', { name: /sign in/i })).toBeVisible();
  });

  step('sign in', async () => {
    await page.getByLabel(/user ?name|e-?mail/i).fill(params.username);
    await page.getByLabel(/password/i).fill(params.password);
    await page.getByRole('button', { name: /sign in/i }).click();
  });

  step('see the account page', async () => {
    await expect(page).not.toHaveURL(/login/);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  });
});
`,
        },
      ];
    }
  }
}
