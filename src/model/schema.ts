/**
 * The one schema source for synthctl's resources (`synthctl.dev/v1alpha1`).
 *
 * From this file come the TypeScript types (`Static<>`), the JSON Schema that
 * `synthctl validate` applies, the CRDs' `openAPIV3Schema` (see crd.ts) and the resource
 * reference in docs/reference.md. CEL rules (`x-kubernetes-validations`) are part of the
 * schema, so the API server and `synthctl validate` reject a document with the same message.
 *
 * Field names follow Kubernetes conventions (camelCase); their Elastic equivalents are named
 * in each description so that users of `@elastic/synthetics` find what they know.
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  AnyJson,
  FreeObject,
  IntOrString,
  StringEnum,
  StringMap,
  closed,
  withRules,
} from './schema-helpers.js';

export const GROUP = 'synthctl.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Go-style durations as Heartbeat and Kubernetes write them: `500ms`, `10s`, `1m30s`, `4h`. */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';

const Duration = (description: string) =>
  Type.String({ pattern: DURATION_PATTERN, maxLength: 32, description });

const Name = (description: string, maxLength = 253) => Type.String({ minLength: 1, maxLength, description });

// ---------------------------------------------------------------------------------------
// Secret and value references

export const SecretKeySelector = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 253,
      pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
      description: 'Name of a Secret in the namespace of the resource.',
    }),
    key: Type.String({
      minLength: 1,
      maxLength: 253,
      pattern: '^[-._a-zA-Z0-9]+$',
      description: 'Key within the Secret.',
    }),
    optional: Type.Optional(Type.Boolean({ description: 'Do not fail when the Secret or key is missing.' })),
  },
  { ...closed, description: 'A key of a Kubernetes Secret.' },
);

export const ConfigMapKeySelector = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 253, description: 'Name of a ConfigMap.' }),
    key: Type.String({ minLength: 1, maxLength: 253, description: 'Key within the ConfigMap.' }),
  },
  { ...closed, description: 'A key of a Kubernetes ConfigMap.' },
);

/** Where a secret value comes from: a Secret in Kubernetes, an environment variable outside. */
export const SecretSource = withRules(
  Type.Object(
    {
      secretKeyRef: Type.Optional(SecretKeySelector),
      env: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 256,
          pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
          description:
            'Name of an environment variable of the synthctl process (for use outside Kubernetes).',
        }),
      ),
    },
    { ...closed, description: 'The source of a secret value. Exactly one of secretKeyRef or env.' },
  ),
  [
    {
      rule: '(has(self.secretKeyRef) ? 1 : 0) + (has(self.env) ? 1 : 0) == 1',
      message: 'exactly one of secretKeyRef or env must be set',
    },
  ],
);

/**
 * A secret: never a literal. Written `{valueFrom: {secretKeyRef: {name, key}}}` in Kubernetes
 * or `{valueFrom: {env: NAME}}` outside it.
 */
export const SecretValue = Type.Object(
  { valueFrom: SecretSource },
  {
    ...closed,
    description:
      'A secret value. Literals are refused: reference a Secret key (valueFrom.secretKeyRef) or an environment variable (valueFrom.env).',
  },
);

/** A value that may be written inline (public material) or taken from a Secret/ConfigMap/env. */
export const ValueSource = withRules(
  Type.Object(
    {
      value: Type.Optional(Type.String({ maxLength: 65536, description: 'The value, inline.' })),
      valueFrom: Type.Optional(
        withRules(
          Type.Object(
            {
              secretKeyRef: Type.Optional(SecretKeySelector),
              configMapKeyRef: Type.Optional(ConfigMapKeySelector),
              env: Type.Optional(
                Type.String({
                  minLength: 1,
                  maxLength: 256,
                  pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
                  description: 'Name of an environment variable of the synthctl process.',
                }),
              ),
            },
            {
              ...closed,
              description: 'The source of the value. Exactly one of secretKeyRef, configMapKeyRef or env.',
            },
          ),
          [
            {
              rule: '(has(self.secretKeyRef) ? 1 : 0) + (has(self.configMapKeyRef) ? 1 : 0) + (has(self.env) ? 1 : 0) == 1',
              message: 'exactly one of secretKeyRef, configMapKeyRef or env must be set',
            },
          ],
        ),
      ),
    },
    { ...closed, description: 'A value given inline or taken from a reference.' },
  ),
  [
    {
      rule: 'has(self.value) != has(self.valueFrom)',
      message: 'exactly one of value or valueFrom must be set',
    },
  ],
);

/** A named value (header, param), inline or referenced, like a container's `env` entry. */
const NamedValue = (description: string, namePattern?: string) =>
  withRules(
    Type.Object(
      {
        name: Type.String({
          minLength: 1,
          maxLength: 256,
          ...(namePattern === undefined ? {} : { pattern: namePattern }),
          description: 'Name.',
        }),
        value: Type.Optional(
          Type.String({ maxLength: 65536, description: 'The value, inline (not for secrets).' }),
        ),
        valueFrom: Type.Optional(
          withRules(
            Type.Object(
              {
                secretKeyRef: Type.Optional(SecretKeySelector),
                configMapKeyRef: Type.Optional(ConfigMapKeySelector),
                env: Type.Optional(
                  Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
                ),
              },
              {
                ...closed,
                description: 'The source of the value: exactly one of secretKeyRef, configMapKeyRef or env.',
              },
            ),
            [
              {
                rule: '(has(self.secretKeyRef) ? 1 : 0) + (has(self.configMapKeyRef) ? 1 : 0) + (has(self.env) ? 1 : 0) == 1',
                message: 'exactly one of secretKeyRef, configMapKeyRef or env must be set',
              },
            ],
          ),
        ),
      },
      { ...closed, description },
    ),
    [
      {
        rule: 'has(self.value) != has(self.valueFrom)',
        message: 'exactly one of value or valueFrom must be set',
      },
    ],
  );

export const Header = NamedValue(
  'An HTTP header. Credentials (Authorization, Cookie, API keys, tokens) must use valueFrom.',
  "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
);
export const Param = NamedValue(
  'A monitor parameter (Elastic `params`), available to journeys as `params.<name>` and to lightweight monitors as `${name}`. Secrets must use valueFrom.secretKeyRef; they are sent to Kibana as params, never inside a monitor.',
  '^[A-Za-z_][A-Za-z0-9_.-]*$',
);

const HeaderList = (description: string) =>
  Type.Array(Header, {
    maxItems: 64,
    description,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['name'],
  });

export const ParamList = Type.Array(Param, {
  maxItems: 256,
  description: 'Parameters (Elastic `params`).',
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['name'],
});

// ---------------------------------------------------------------------------------------
// Network options shared by the lightweight types

export const IpMode = {
  ipv4: Type.Optional(Type.Boolean({ description: 'Use IPv4 addresses (Heartbeat `ipv4`, default true).' })),
  ipv6: Type.Optional(Type.Boolean({ description: 'Use IPv6 addresses (Heartbeat `ipv6`, default true).' })),
  mode: Type.Optional(
    StringEnum(['any', 'all'] as const, {
      description: 'Check any one resolved address, or all of them (Heartbeat `mode`, default any).',
    }),
  ),
};

export const TLS_VERIFICATION_MODES = ['full', 'strict', 'certificate', 'none'] as const;
export const TLS_PROTOCOLS = ['TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

/** A PEM certificate inline or from a Secret/ConfigMap/env. */
const PemSource = (description: string) =>
  withRules(
    Type.Object(
      {
        pem: Type.Optional(
          Type.String({ maxLength: 262144, description: 'PEM text, inline (public material only).' }),
        ),
        secretKeyRef: Type.Optional(SecretKeySelector),
        configMapKeyRef: Type.Optional(ConfigMapKeySelector),
        env: Type.Optional(
          Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
        ),
      },
      { ...closed, description: `${description} Exactly one of pem, secretKeyRef, configMapKeyRef or env.` },
    ),
    [
      {
        rule: '(has(self.pem) ? 1 : 0) + (has(self.secretKeyRef) ? 1 : 0) + (has(self.configMapKeyRef) ? 1 : 0) + (has(self.env) ? 1 : 0) == 1',
        message: 'exactly one of pem, secretKeyRef, configMapKeyRef or env must be set',
      },
    ],
  );

export const TlsOptions = Type.Object(
  {
    verificationMode: Type.Optional(
      StringEnum(TLS_VERIFICATION_MODES, {
        description:
          'Certificate verification (Elastic `ssl.verification_mode`): full (chain and host name, default), strict (as full, and the host name must be in the SAN), certificate (chain only, no host name check), none.',
      }),
    ),
    certificateAuthorities: Type.Optional(
      Type.Array(PemSource('A CA bundle to trust in addition to (or instead of) the system roots.'), {
        maxItems: 16,
        description: 'Certificate authorities (Elastic `ssl.certificate_authorities`).',
      }),
    ),
    certificate: Type.Optional(PemSource('Client certificate for mutual TLS (Elastic `ssl.certificate`).')),
    key: Type.Optional(
      Type.Object(
        { valueFrom: SecretSource },
        {
          ...closed,
          description:
            'Client private key (Elastic `ssl.key`). A secret: valueFrom.secretKeyRef or valueFrom.env only.',
        },
      ),
    ),
    keyPassphrase: Type.Optional(
      Type.Object(
        { valueFrom: SecretSource },
        { ...closed, description: 'Passphrase of the client key (Elastic `ssl.key_passphrase`). A secret.' },
      ),
    ),
    supportedProtocols: Type.Optional(
      Type.Array(StringEnum(TLS_PROTOCOLS), {
        minItems: 1,
        maxItems: 3,
        'x-kubernetes-list-type': 'set',
        description: 'TLS versions to offer (Elastic `ssl.supported_protocols`, default all three).',
      }),
    ),
    serverName: Type.Optional(
      Type.String({
        maxLength: 253,
        description: 'Server name for SNI and host name verification, when it differs from the URL host.',
      }),
    ),
  },
  { ...closed, description: 'TLS options (Elastic `ssl.*`).' },
);

// ---------------------------------------------------------------------------------------
// HTTP

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export const HttpBody = withRules(
  Type.Object(
    {
      text: Type.Optional(
        Type.String({
          maxLength: 1048576,
          description: 'A plain-text body (Content-Type text/plain unless a header says otherwise).',
        }),
      ),
      json: Type.Optional(AnyJson({ description: 'A JSON body (Content-Type application/json).' })),
      form: Type.Optional(
        StringMap({ description: 'A form body (Content-Type application/x-www-form-urlencoded).' }),
      ),
      valueFrom: Type.Optional(SecretSource),
    },
    {
      ...closed,
      description:
        'The request body (Elastic `check.request.body`). Exactly one of text, json, form or valueFrom (a body that holds credentials).',
    },
  ),
  [
    {
      rule: '(has(self.text) ? 1 : 0) + (has(self.json) ? 1 : 0) + (has(self.form) ? 1 : 0) + (has(self.valueFrom) ? 1 : 0) == 1',
      message: 'exactly one of text, json, form or valueFrom must be set',
    },
  ],
);

export const HttpAuth = withRules(
  Type.Object(
    {
      basic: Type.Optional(
        Type.Object(
          {
            username: Type.String({
              minLength: 1,
              maxLength: 1024,
              description: 'User name (Elastic `username`).',
            }),
            password: SecretValue,
          },
          { ...closed, description: 'HTTP basic authentication (Elastic `username`/`password`).' },
        ),
      ),
      bearer: Type.Optional(
        Type.Object(
          { token: SecretValue },
          { ...closed, description: 'A bearer token sent as `Authorization: Bearer <token>`.' },
        ),
      ),
      apiKey: Type.Optional(
        Type.Object(
          {
            header: Type.String({
              minLength: 1,
              maxLength: 256,
              pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
              description: 'The header that carries the key, e.g. X-API-Key or Authorization.',
            }),
            prefix: Type.Optional(
              Type.String({ maxLength: 64, description: 'Text before the key, e.g. `ApiKey `.' }),
            ),
            value: SecretValue,
          },
          { ...closed, description: 'An API key sent in a header.' },
        ),
      ),
    },
    { ...closed, description: 'Authentication. Exactly one of basic, bearer or apiKey.' },
  ),
  [
    {
      rule: '(has(self.basic) ? 1 : 0) + (has(self.bearer) ? 1 : 0) + (has(self.apiKey) ? 1 : 0) == 1',
      message: 'exactly one of basic, bearer or apiKey must be set',
    },
  ],
);

export const HeaderCheck = withRules(
  Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 256, description: 'Header name (case-insensitive).' }),
      equals: Type.Optional(Type.String({ maxLength: 4096, description: 'The value must equal this.' })),
      contains: Type.Optional(Type.String({ maxLength: 4096, description: 'The value must contain this.' })),
      matches: Type.Optional(
        Type.String({ maxLength: 4096, description: 'The value must match this regular expression.' }),
      ),
      absent: Type.Optional(Type.Boolean({ description: 'The header must not be present.' })),
    },
    { ...closed, description: 'An assertion on a response header.' },
  ),
  [
    {
      rule: '(has(self.equals) ? 1 : 0) + (has(self.contains) ? 1 : 0) + (has(self.matches) ? 1 : 0) + (has(self.absent) ? 1 : 0) == 1',
      message: 'exactly one of equals, contains, matches or absent must be set',
    },
  ],
);

export const JsonCheck = withRules(
  Type.Object(
    {
      description: Type.Optional(
        Type.String({ maxLength: 1024, description: 'What this check means, shown on failure.' }),
      ),
      path: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 1024,
          description: 'A JSONPath into the response body (`$.status`, `$.items[0].id`, `$.items.length`).',
        }),
      ),
      equals: Type.Optional(AnyJson({ description: 'The value at path must equal this JSON value.' })),
      notEquals: Type.Optional(
        AnyJson({ description: 'The value at path must differ from this JSON value.' }),
      ),
      contains: Type.Optional(
        Type.String({ maxLength: 4096, description: 'The value at path (as text) must contain this.' }),
      ),
      matches: Type.Optional(
        Type.String({
          maxLength: 4096,
          description: 'The value at path (as text) must match this regular expression.',
        }),
      ),
      lessThan: Type.Optional(Type.Number({ description: 'The number at path must be below this.' })),
      greaterThan: Type.Optional(Type.Number({ description: 'The number at path must be above this.' })),
      exists: Type.Optional(Type.Boolean({ description: 'The path must (true) or must not (false) exist.' })),
      expression: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 4096,
          description:
            'A CEL expression over the parsed body `body` that must be true, e.g. `body.status == "ok" && size(body.items) > 0` (the same language blackbox_exporter uses for JSON bodies).',
        }),
      ),
    },
    {
      ...closed,
      description:
        'An assertion on the JSON response body (Elastic `check.response.json`, Gatus `[BODY].path` conditions): either a path with one comparison, or a CEL expression.',
    },
  ),
  [
    {
      rule: 'has(self.path) != has(self.expression)',
      message: 'exactly one of path or expression must be set',
    },
    {
      rule: '!has(self.path) || (has(self.equals) ? 1 : 0) + (has(self.notEquals) ? 1 : 0) + (has(self.contains) ? 1 : 0) + (has(self.matches) ? 1 : 0) + (has(self.lessThan) ? 1 : 0) + (has(self.greaterThan) ? 1 : 0) + (has(self.exists) ? 1 : 0) == 1',
      message:
        'a path check needs exactly one of equals, notEquals, contains, matches, lessThan, greaterThan or exists',
    },
    {
      rule: '!has(self.expression) || !(has(self.equals) || has(self.notEquals) || has(self.contains) || has(self.matches) || has(self.lessThan) || has(self.greaterThan) || has(self.exists))',
      message: 'an expression check takes no comparison field',
    },
  ],
);

export const XPathCheck = withRules(
  Type.Object(
    {
      description: Type.Optional(Type.String({ maxLength: 1024 })),
      expression: Type.String({
        minLength: 1,
        maxLength: 4096,
        description:
          'An XPath 1.0 expression over the XML/HTML body, e.g. `/health/status/text()` or `count(//item)`.',
      }),
      equals: Type.Optional(
        Type.String({ maxLength: 4096, description: 'The result (as text) must equal this.' }),
      ),
      contains: Type.Optional(
        Type.String({ maxLength: 4096, description: 'The result (as text) must contain this.' }),
      ),
      matches: Type.Optional(
        Type.String({ maxLength: 4096, description: 'The result must match this regular expression.' }),
      ),
      exists: Type.Optional(
        Type.Boolean({ description: 'The expression must (true) or must not (false) select a node.' }),
      ),
    },
    { ...closed, description: 'An assertion on an XML or HTML body.' },
  ),
  [
    {
      rule: '(has(self.equals) ? 1 : 0) + (has(self.contains) ? 1 : 0) + (has(self.matches) ? 1 : 0) + (has(self.exists) ? 1 : 0) == 1',
      message: 'exactly one of equals, contains, matches or exists must be set',
    },
  ],
);

export const HttpChecks = Type.Object(
  {
    status: Type.Optional(
      Type.Array(
        IntOrString({
          description: 'A status code (`200`), a class (`2xx`) or a range (`200-299`).',
        }),
        {
          minItems: 1,
          maxItems: 32,
          description:
            'Accepted status codes (Elastic `check.response.status`). Default: any 2xx, like Heartbeat.',
        },
      ),
    ),
    headers: Type.Optional(
      Type.Array(HeaderCheck, {
        maxItems: 32,
        description: 'Assertions on response headers (Elastic `check.response.headers`).',
      }),
    ),
    body: Type.Optional(
      Type.Object(
        {
          contains: Type.Optional(
            Type.Array(Type.String({ maxLength: 4096 }), {
              maxItems: 32,
              description: 'Substrings the body must contain (Elastic `check.response.body.positive`).',
            }),
          ),
          notContains: Type.Optional(
            Type.Array(Type.String({ maxLength: 4096 }), {
              maxItems: 32,
              description: 'Substrings the body must not contain (Elastic `check.response.body.negative`).',
            }),
          ),
          matches: Type.Optional(
            Type.Array(Type.String({ maxLength: 4096 }), {
              maxItems: 32,
              description:
                'Regular expressions the body must match (blackbox `fail_if_body_not_matches_regexp`).',
            }),
          ),
          notMatches: Type.Optional(
            Type.Array(Type.String({ maxLength: 4096 }), {
              maxItems: 32,
              description:
                'Regular expressions the body must not match (blackbox `fail_if_body_matches_regexp`).',
            }),
          ),
        },
        { ...closed, description: 'Assertions on the response body as text.' },
      ),
    ),
    json: Type.Optional(Type.Array(JsonCheck, { maxItems: 32, description: 'Assertions on the JSON body.' })),
    xpath: Type.Optional(
      Type.Array(XPathCheck, { maxItems: 32, description: 'Assertions on an XML or HTML body.' }),
    ),
    maxResponseTime: Type.Optional(
      Duration('The check fails when the response takes longer than this (headers and body).'),
    ),
  },
  { ...closed, description: 'What a response must satisfy for the monitor to be up.' },
);

export const HttpSpec = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'The URL to request (Elastic `urls`). `${param}` references are resolved at run time.',
    }),
    method: Type.Optional(
      StringEnum(HTTP_METHODS, {
        description: 'Request method (Elastic `check.request.method`, default GET).',
      }),
    ),
    headers: Type.Optional(HeaderList('Request headers (Elastic `check.request.headers`).')),
    body: Type.Optional(HttpBody),
    auth: Type.Optional(HttpAuth),
    maxRedirects: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 30,
        description: 'Redirects to follow (Elastic `max_redirects`, default 0).',
      }),
    ),
    proxy: Type.Optional(
      Type.Object(
        {
          url: Type.String({
            minLength: 1,
            maxLength: 2048,
            description: 'Proxy URL (Elastic `proxy_url`): http://, https:// or socks5://.',
          }),
          headers: Type.Optional(
            HeaderList('Headers sent to the proxy on CONNECT (Elastic `proxy_headers`).'),
          ),
        },
        { ...closed, description: 'An HTTP proxy.' },
      ),
    ),
    ...IpMode,
    tls: Type.Optional(TlsOptions),
    checks: Type.Optional(HttpChecks),
    response: Type.Optional(
      Type.Object(
        {
          includeBody: Type.Optional(
            StringEnum(['on_error', 'always', 'never'] as const, {
              description:
                'When to store the body in results (Elastic `response.include_body`, default on_error).',
            }),
          ),
          includeHeaders: Type.Optional(
            Type.Boolean({
              description:
                'Store response headers in results (Elastic `response.include_headers`, default true).',
            }),
          ),
          includeBodyMaxBytes: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: 10485760,
              description: 'Bytes of body stored (Elastic `response.include_body_max_bytes`, default 1024).',
            }),
          ),
          maxBodyBytes: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 104857600,
              description:
                'The runner reads at most this many bytes of body and fails beyond it (default 10 MiB).',
            }),
          ),
        },
        { ...closed, description: 'What is kept of the response.' },
      ),
    ),
  },
  { ...closed, description: 'An HTTP(S) check.' },
);

// ---------------------------------------------------------------------------------------
// TCP, ICMP

export const TcpSpec = withRules(
  Type.Object(
    {
      host: Type.String({
        minLength: 1,
        maxLength: 512,
        description: 'The endpoint as `host:port` or `[ipv6]:port` (Elastic `hosts`).',
      }),
      send: Type.Optional(
        Type.String({
          maxLength: 65536,
          description: 'Data to send after connecting (Elastic `check.send`).',
        }),
      ),
      receive: Type.Optional(
        Type.String({
          maxLength: 65536,
          description: 'A substring the answer must contain (Elastic `check.receive`).',
        }),
      ),
      receiveMatches: Type.Optional(
        Type.String({
          maxLength: 4096,
          description: 'A regular expression the answer must match (runner only; Kibana has no equivalent).',
        }),
      ),
      tls: Type.Optional(TlsOptions),
      proxy: Type.Optional(
        Type.Object(
          {
            url: Type.String({
              minLength: 1,
              maxLength: 2048,
              description: 'A SOCKS5 proxy (Elastic `proxy_url`).',
            }),
            useLocalResolver: Type.Optional(
              Type.Boolean({
                description:
                  'Resolve the host locally, not at the proxy (Elastic `proxy_use_local_resolver`).',
              }),
            ),
          },
          { ...closed, description: 'A SOCKS5 proxy.' },
        ),
      ),
      ...IpMode,
    },
    {
      ...closed,
      description: 'A TCP check: connect, optionally over TLS, optionally send and expect an answer.',
    },
  ),
  [
    {
      rule: '!(has(self.receive) && has(self.receiveMatches))',
      message: 'set at most one of receive or receiveMatches',
    },
  ],
);

export const IcmpSpec = Type.Object(
  {
    host: Type.String({
      minLength: 1,
      maxLength: 253,
      description: 'Host name or IP address (Elastic `hosts`).',
    }),
    wait: Type.Optional(Duration('Time between echo requests (Elastic `wait`, default 1s).')),
    count: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        description: 'Echo requests per check (default 1; Kibana sends one).',
      }),
    ),
    ...IpMode,
  },
  { ...closed, description: 'An ICMP echo (ping) check.' },
);

// ---------------------------------------------------------------------------------------
// Browser

export const JourneySource = withRules(
  Type.Object(
    {
      inline: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 1048576,
          description: 'The body of a journey: `step(...)` calls, as for `@elastic/synthetics --inline`.',
        }),
      ),
      file: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 1024,
          description:
            'A journey file (`*.journey.ts|js`), relative to the YAML file that declares the monitor.',
        }),
      ),
      configMapRef: Type.Optional(ConfigMapKeySelector),
    },
    { ...closed, description: 'Where the journey code is. Exactly one of inline, file or configMapRef.' },
  ),
  [
    {
      rule: '(has(self.inline) ? 1 : 0) + (has(self.file) ? 1 : 0) + (has(self.configMapRef) ? 1 : 0) == 1',
      message: 'exactly one of inline, file or configMapRef must be set',
    },
  ],
);

export const BrowserSpec = Type.Object(
  {
    journey: JourneySource,
    filter: Type.Optional(
      Type.Object(
        {
          match: Type.Optional(
            Type.String({
              maxLength: 1024,
              description: 'Run only journeys whose name matches (Elastic `filter.match`).',
            }),
          ),
          tags: Type.Optional(
            Type.Array(Type.String({ maxLength: 256 }), {
              maxItems: 32,
              description: 'Run only journeys with these tags.',
            }),
          ),
        },
        { ...closed, description: 'Which journeys of the source make this monitor.' },
      ),
    ),
    screenshots: Type.Optional(
      StringEnum(['on', 'off', 'only-on-failure'] as const, {
        description: 'Step screenshots (Elastic `screenshot`, default on).',
      }),
    ),
    ignoreHttpsErrors: Type.Optional(
      Type.Boolean({ description: 'Ignore TLS errors in the browser (Elastic `ignoreHTTPSErrors`).' }),
    ),
    playwrightOptions: Type.Optional(
      FreeObject({
        description:
          'Playwright launch and context options (Elastic `playwrightOptions`), e.g. viewport, userAgent, locale, actionTimeout.',
      }),
    ),
    syntheticsArgs: Type.Optional(
      Type.Array(Type.String({ maxLength: 256 }), {
        maxItems: 32,
        description: 'Extra arguments for the journey runner (Elastic `synthetics_args`).',
      }),
    ),
  },
  { ...closed, description: 'A browser journey run with Playwright, written in Elastic’s journey DSL.' },
);

// ---------------------------------------------------------------------------------------
// Common monitor fields

/** Elastic's public location names (`@elastic/synthetics src/locations/public-locations.ts`). */
export const PUBLIC_LOCATIONS = {
  japan: 'asia-northeast1-a',
  india: 'asia-south1-a',
  singapore: 'asia-southeast1-a',
  australia_east: 'australia-southeast1-a',
  united_kingdom: 'europe-west2-a',
  germany: 'europe-west3-a',
  canada_east: 'northamerica-northeast1-a',
  brazil: 'southamerica-east1-a',
  us_east: 'us-east4-a',
  us_west: 'us-west1-a',
} as const;

export const AlertConfig = Type.Object(
  {
    status: Type.Optional(
      Type.Object(
        { enabled: Type.Boolean({ description: 'Alert on status changes.' }) },
        { ...closed, description: 'Status alerts (Elastic `alert.status.enabled`, default true).' },
      ),
    ),
    tls: Type.Optional(
      Type.Object(
        { enabled: Type.Boolean({ description: 'Alert on certificate problems.' }) },
        { ...closed, description: 'TLS alerts (Elastic `alert.tls.enabled`, default true).' },
      ),
    ),
  },
  { ...closed, description: 'Kibana alerting for this monitor.' },
);

export const MaintenanceWindows = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
  maxItems: 32,
  description:
    'Kibana maintenance window ids during which the monitor does not alert (Elastic `maintenanceWindows`).',
});

/** The fields every monitor has, and which a SyntheticsProject may default. */
export const CommonFields = {
  enabled: Type.Optional(Type.Boolean({ description: 'Whether the monitor runs (default true).' })),
  schedule: Type.Optional(
    Duration(
      'How often the monitor runs. Kibana accepts 10s and 30s (lightweight only) and 1m, 2m, 3m, 5m, 10m, 15m, 20m, 30m, 1h, 2h, 4h. Default 3m (browser 10m).',
    ),
  ),
  timeout: Type.Optional(
    Duration(
      'How long one check may take (Elastic `timeout`, default 16s; browser journeys: no limit beyond the schedule).',
    ),
  ),
  locations: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
      maxItems: 32,
      'x-kubernetes-list-type': 'set',
      description:
        'Elastic public locations, by name (`us_east`) or service id (`us-east4-a`), and names of synthctl runner locations.',
    }),
  ),
  privateLocations: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
      maxItems: 32,
      'x-kubernetes-list-type': 'set',
      description: 'Kibana private locations, by label or id (Elastic `privateLocations`).',
    }),
  ),
  tags: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
      maxItems: 64,
      description: 'Tags (Elastic `tags`).',
    }),
  ),
  fields: Type.Optional(
    StringMap({ description: 'Labels added to every result (Elastic `fields`, Kibana `labels`).' }),
  ),
  alert: Type.Optional(AlertConfig),
  retestOnFailure: Type.Optional(
    Type.Boolean({
      description:
        'Re-run a failed check at once and count only the final attempt (Elastic `retestOnFailure`, default true).',
    }),
  ),
  params: Type.Optional(ParamList),
  spaces: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
      maxItems: 32,
      'x-kubernetes-list-type': 'set',
      description: 'Kibana spaces that show the monitor (Kibana 8.19/9.1+), `*` for all.',
    }),
  ),
  namespace: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[a-z0-9_.]+$',
      description:
        'The data stream namespace of results (Elastic `namespace`): lower case, no `-`, `*`, `/`, `\\`, `?`, `"`, `<`, `>`, `|`, `,`, `#`, `:` or spaces.',
    }),
  ),
  maintenanceWindows: Type.Optional(MaintenanceWindows),
  serviceName: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'The APM service this monitor checks (Elastic `service.name`).',
    }),
  ),
};

export const MONITOR_TYPES = ['http', 'tcp', 'icmp', 'browser'] as const;
export type MonitorType = (typeof MONITOR_TYPES)[number];

export const SyntheticMonitorSpec = withRules(
  Type.Object(
    {
      name: Type.Optional(Name('Display name in Kibana and results (default: metadata.name).', 256)),
      id: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 253,
          pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$',
          description:
            'The Kibana journey id. Default: `<metadata.namespace>-<metadata.name>` (`default-<name>` outside Kubernetes), which is stable across renames of the display name.',
        }),
      ),
      ...CommonFields,
      http: Type.Optional(HttpSpec),
      tcp: Type.Optional(TcpSpec),
      icmp: Type.Optional(IcmpSpec),
      browser: Type.Optional(BrowserSpec),
    },
    { ...closed, description: 'The desired monitor. Exactly one of http, tcp, icmp or browser.' },
  ),
  [
    {
      rule: '(has(self.http) ? 1 : 0) + (has(self.tcp) ? 1 : 0) + (has(self.icmp) ? 1 : 0) + (has(self.browser) ? 1 : 0) == 1',
      message: 'exactly one of http, tcp, icmp or browser must be set',
    },
  ],
);

// ---------------------------------------------------------------------------------------
// Status

export const Condition = Type.Object(
  {
    type: Type.String({
      minLength: 1,
      maxLength: 316,
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
      description: 'Condition type: Ready, Synced, Drifted, ...',
    }),
    status: StringEnum(['True', 'False', 'Unknown'] as const, { description: 'Status of the condition.' }),
    observedGeneration: Type.Optional(
      Type.Integer({ minimum: 0, format: 'int64', description: 'The generation the condition was set for.' }),
    ),
    lastTransitionTime: Type.String({ format: 'date-time', description: 'When the status last changed.' }),
    reason: Type.String({
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
      description: 'A CamelCase reason.',
    }),
    message: Type.String({ maxLength: 32768, description: 'A human-readable message.' }),
  },
  { ...closed, description: 'A metav1.Condition.' },
);

const Conditions = Type.Array(Condition, {
  maxItems: 16,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
  description: 'Conditions: Ready, Synced, Drifted.',
});

export const MONITOR_STATES = ['up', 'down', 'pending', 'disabled'] as const;

export const SyntheticMonitorStatus = Type.Object(
  {
    observedGeneration: Type.Optional(
      Type.Integer({ minimum: 0, format: 'int64', description: 'The generation last reconciled.' }),
    ),
    type: Type.Optional(
      StringEnum(MONITOR_TYPES, {
        description:
          'The monitor type (http, tcp, icmp or browser), written by the operator so that `kubectl get sm` can show it: a printer column cannot tell which of the four spec fields is set.',
      }),
    ),
    conditions: Type.Optional(Conditions),
    kibana: Type.Optional(
      Type.Object(
        {
          journeyId: Type.Optional(Type.String({ maxLength: 253, description: 'Kibana journey_id.' })),
          monitorId: Type.Optional(
            Type.String({
              maxLength: 1024,
              description: 'The monitor id in results (`<journey_id>-<projectId>-<space>`).',
            }),
          ),
          configId: Type.Optional(
            Type.String({ maxLength: 256, description: 'The Kibana saved object id (config_id).' }),
          ),
          projectId: Type.Optional(Type.String({ maxLength: 256, description: 'The owning project id.' })),
          space: Type.Optional(Type.String({ maxLength: 256, description: 'The Kibana space.' })),
          hash: Type.Optional(
            Type.String({ maxLength: 256, description: 'Hash of the last applied content.' }),
          ),
          revision: Type.Optional(
            Type.Integer({ minimum: 0, description: 'Kibana revision after the last sync.' }),
          ),
          lastSyncTime: Type.Optional(
            Type.String({ format: 'date-time', description: 'When the monitor was last synced.' }),
          ),
        },
        { ...closed, description: 'Where the monitor lives in Kibana.' },
      ),
    ),
    lastResult: Type.Optional(
      Type.Object(
        {
          state: StringEnum(MONITOR_STATES, { description: 'up, down, pending or disabled.' }),
          since: Type.Optional(
            Type.String({ format: 'date-time', description: 'When the monitor entered this state.' }),
          ),
          checkedAt: Type.Optional(
            Type.String({ format: 'date-time', description: 'When the last final attempt ended.' }),
          ),
          durationMs: Type.Optional(
            Type.Number({ minimum: 0, description: 'Duration of the last check, in ms.' }),
          ),
          location: Type.Optional(Type.String({ maxLength: 256, description: 'Where the last check ran.' })),
          message: Type.Optional(Type.String({ maxLength: 4096, description: 'Why it is down.' })),
          consecutiveFailures: Type.Optional(
            Type.Integer({ minimum: 0, description: 'Failed final attempts in a row.' }),
          ),
        },
        { ...closed, description: 'The last result of the synthctl runner.' },
      ),
    ),
  },
  { ...closed, description: 'The observed state of a SyntheticMonitor.' },
);

// ---------------------------------------------------------------------------------------
// SyntheticsProject

export const LabelSelector = Type.Object(
  {
    matchLabels: Type.Optional(StringMap({ description: 'Labels a monitor must have.' })),
    matchExpressions: Type.Optional(
      Type.Array(
        Type.Object(
          {
            key: Type.String({ minLength: 1, maxLength: 317 }),
            operator: StringEnum(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const),
            values: Type.Optional(Type.Array(Type.String({ maxLength: 63 }), { maxItems: 64 })),
          },
          { ...closed, description: 'A label selector requirement.' },
        ),
        { maxItems: 32 },
      ),
    ),
  },
  { ...closed, description: 'A Kubernetes label selector. Empty selects every monitor of the namespace.' },
);

export const DELETION_POLICIES = ['Delete', 'Orphan'] as const;
export const DRIFT_POLICIES = ['Revert', 'Report'] as const;

export const SyntheticsProjectSpec = Type.Object(
  {
    kibana: Type.Object(
      {
        url: Type.String({
          minLength: 1,
          maxLength: 2048,
          pattern: '^https?://',
          description: 'Kibana base URL, e.g. https://my-deployment.kb.us-east-1.aws.elastic.cloud.',
        }),
        space: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 256,
            pattern: '^[a-z0-9_-]+$',
            description: 'Kibana space id (default `default`).',
          }),
        ),
        apiKey: Type.Optional(
          Type.Object(
            { valueFrom: SecretSource },
            {
              ...closed,
              description:
                'The Kibana API key (base64 `id:key`, as `@elastic/synthetics push --auth`). A secret. Outside Kubernetes the CLI also reads SYNTHETICS_API_KEY.',
            },
          ),
        ),
        tls: Type.Optional(
          Type.Object(
            {
              certificateAuthorities: Type.Optional(
                Type.Array(PemSource('A CA bundle for Kibana.'), {
                  maxItems: 16,
                  description: 'CAs to trust for Kibana.',
                }),
              ),
              insecureSkipVerify: Type.Optional(
                Type.Boolean({ description: 'Do not verify Kibana’s certificate (testing only).' }),
              ),
            },
            { ...closed, description: 'TLS to Kibana.' },
          ),
        ),
        proxy: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 2048,
            description: 'HTTP(S) proxy URL for Kibana requests.',
          }),
        ),
        timeout: Type.Optional(Duration('Per-request timeout (default 2m, as push).')),
      },
      { ...closed, description: 'The Kibana that receives the monitors.' },
    ),
    projectId: Type.String({
      minLength: 1,
      maxLength: 256,
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
      description:
        'The Elastic project id (`push --id`). Kibana owns monitors by project id: prune only ever deletes monitors of this id.',
    }),
    monitorSelector: Type.Optional(LabelSelector),
    defaults: Type.Optional(
      Type.Object(
        { ...CommonFields },
        { ...closed, description: 'Defaults for every monitor of the project (a monitor’s own value wins).' },
      ),
    ),
    deletionPolicy: Type.Optional(
      StringEnum(DELETION_POLICIES, {
        default: 'Orphan',
        description:
          'What happens to the Kibana monitors when this project is deleted: Delete or Orphan (default).',
      }),
    ),
    prune: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(
            Type.Boolean({
              default: true,
              description:
                'Delete Kibana monitors of this project that are no longer declared (default true).',
            }),
          ),
          maxDeletes: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: 100000,
              description:
                'Refuse to prune more than this many monitors at once (default 10); `synthctl apply --allow-mass-delete` overrides.',
            }),
          ),
        },
        { ...closed, description: 'Pruning of monitors removed from Git.' },
      ),
    ),
    driftPolicy: Type.Optional(
      StringEnum(DRIFT_POLICIES, {
        default: 'Report',
        description:
          'What to do when a monitor was edited in Kibana: Revert (re-apply Git) or Report (default; condition Drifted).',
      }),
    ),
    driftCheckInterval: Type.Optional(
      Duration('How often the operator compares Kibana with Git (default 5m).'),
    ),
  },
  { ...closed, description: 'Where and how a set of monitors reaches Kibana.' },
);

export const SyntheticsProjectStatus = Type.Object(
  {
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0, format: 'int64' })),
    conditions: Type.Optional(Conditions),
    kibana: Type.Optional(
      Type.Object(
        {
          version: Type.Optional(
            Type.String({ maxLength: 64, description: 'The Kibana version last seen.' }),
          ),
          space: Type.Optional(Type.String({ maxLength: 256 })),
          lastSyncTime: Type.Optional(Type.String({ format: 'date-time' })),
          lastDriftCheckTime: Type.Optional(Type.String({ format: 'date-time' })),
        },
        { ...closed, description: 'The Kibana this project synced with.' },
      ),
    ),
    monitors: Type.Optional(
      Type.Object(
        {
          total: Type.Optional(
            Type.Integer({ minimum: 0, description: 'Monitors selected by the project.' }),
          ),
          synced: Type.Optional(Type.Integer({ minimum: 0 })),
          failed: Type.Optional(Type.Integer({ minimum: 0 })),
          drifted: Type.Optional(Type.Integer({ minimum: 0 })),
          invalid: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { ...closed, description: 'Counts of monitors by sync state.' },
      ),
    ),
    lastSync: Type.Optional(
      Type.Object(
        {
          created: Type.Optional(Type.Integer({ minimum: 0 })),
          updated: Type.Optional(Type.Integer({ minimum: 0 })),
          deleted: Type.Optional(Type.Integer({ minimum: 0 })),
          unchanged: Type.Optional(Type.Integer({ minimum: 0 })),
          failed: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { ...closed, description: 'What the last sync did.' },
      ),
    ),
  },
  { ...closed, description: 'The observed state of a SyntheticsProject.' },
);

// ---------------------------------------------------------------------------------------
// Resources

// metadata as the API server checks it (src/model/object-meta.ts applies these rules, and more,
// in its words); the CRD leaves metadata to the API server, editors get this schema.
const OwnerReference = Type.Object(
  {
    apiVersion: Type.String(),
    kind: Type.String(),
    name: Type.String(),
    uid: Type.String(),
    controller: Type.Optional(Type.Boolean()),
    blockOwnerDeletion: Type.Optional(Type.Boolean()),
  },
  { ...closed, description: 'An object this one belongs to (set by controllers).' },
);

const ManagedFieldsEntry = Type.Object(
  {
    manager: Type.Optional(Type.String()),
    operation: Type.Optional(Type.String()),
    apiVersion: Type.Optional(Type.String()),
    time: Type.Optional(Type.String()),
    fieldsType: Type.Optional(Type.String()),
    fieldsV1: Type.Optional(FreeObject()),
    subresource: Type.Optional(Type.String()),
  },
  { ...closed, description: 'Server-side apply bookkeeping (set by the API server).' },
);

export const ObjectMeta = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 253,
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
      description: 'Resource name: a DNS subdomain (lower case letters, digits, `-` and `.`).',
    }),
    generateName: Type.Optional(
      Type.String({
        description:
          'A name prefix for `kubectl create`; synthctl and `kubectl apply` need `name` all the same.',
      }),
    ),
    namespace: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 63,
        pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
        description: 'Kubernetes namespace.',
      }),
    ),
    labels: Type.Optional(
      Type.Unsafe<Record<string, string>>({
        type: 'object',
        additionalProperties: {
          type: 'string',
          maxLength: 63,
          pattern: '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$',
        },
        description:
          'Keys are qualified names (`[prefix/]name`: a DNS subdomain prefix, a name of up to 63 letters, digits, `-`, `_`, `.`); values are empty or up to 63 such characters, starting and ending with a letter or digit.',
      }),
    ),
    annotations: Type.Optional(
      Type.Unsafe<Record<string, string>>({
        type: 'object',
        additionalProperties: { type: 'string' },
        description:
          'Keys are qualified names, as for labels; keys and values take at most 256 KiB in total.',
      }),
    ),
    uid: Type.Optional(Type.String({ description: 'Set by the API server.' })),
    resourceVersion: Type.Optional(Type.String({ description: 'Set by the API server.' })),
    generation: Type.Optional(Type.Integer({ minimum: 0, description: 'Set by the API server.' })),
    creationTimestamp: Type.Optional(Type.String({ description: 'Set by the API server (RFC 3339 time).' })),
    deletionTimestamp: Type.Optional(Type.String({ description: 'Set by the API server (RFC 3339 time).' })),
    deletionGracePeriodSeconds: Type.Optional(Type.Integer({ description: 'Set by the API server.' })),
    selfLink: Type.Optional(Type.String({ description: 'Deprecated; set by old API servers.' })),
    finalizers: Type.Optional(
      Type.Array(Type.String(), {
        description: "Qualified names; synthctl's operator adds `synthctl.dev/cleanup`.",
      }),
    ),
    ownerReferences: Type.Optional(Type.Array(OwnerReference)),
    managedFields: Type.Optional(Type.Array(ManagedFieldsEntry)),
  },
  {
    ...closed,
    description:
      'Standard object metadata, checked as the API server checks it with strict field validation: unknown fields are errors.',
  },
);

export const SyntheticMonitor = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal('SyntheticMonitor'),
    metadata: ObjectMeta,
    spec: SyntheticMonitorSpec,
    status: Type.Optional(SyntheticMonitorStatus),
  },
  {
    // Unknown top-level fields (`http:` beside `spec:`) are errors, as with strict validation.
    ...closed,
    description: 'SyntheticMonitor: one synthetic monitor (HTTP, TCP, ICMP or browser journey).',
  },
);

export const SyntheticsProject = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal('SyntheticsProject'),
    metadata: ObjectMeta,
    spec: SyntheticsProjectSpec,
    status: Type.Optional(SyntheticsProjectStatus),
  },
  { ...closed, description: 'SyntheticsProject: where and how a set of monitors reaches Kibana.' },
);

export type SyntheticMonitor = Static<typeof SyntheticMonitor>;
export type SyntheticMonitorSpec = Static<typeof SyntheticMonitorSpec>;
export type SyntheticMonitorStatus = Static<typeof SyntheticMonitorStatus>;
export type SyntheticsProject = Static<typeof SyntheticsProject>;
export type SyntheticsProjectSpec = Static<typeof SyntheticsProjectSpec>;
export type SyntheticsProjectStatus = Static<typeof SyntheticsProjectStatus>;
export type HttpSpec = Static<typeof HttpSpec>;
export type HttpChecks = Static<typeof HttpChecks>;
export type JsonCheck = Static<typeof JsonCheck>;
export type XPathCheck = Static<typeof XPathCheck>;
export type HeaderCheck = Static<typeof HeaderCheck>;
export type TcpSpec = Static<typeof TcpSpec>;
export type IcmpSpec = Static<typeof IcmpSpec>;
export type BrowserSpec = Static<typeof BrowserSpec>;
export type TlsOptions = Static<typeof TlsOptions>;
export type SecretValue = Static<typeof SecretValue>;
export type SecretSource = Static<typeof SecretSource>;
export type ValueSource = Static<typeof ValueSource>;
export type NamedValue = Static<typeof Header>;
export type Condition = Static<typeof Condition>;
export type LabelSelector = Static<typeof LabelSelector>;
export type MonitorDefaults = NonNullable<SyntheticsProjectSpec['defaults']>;

/** The kinds synthctl reads, by kind name. */
export const KINDS = {
  SyntheticMonitor,
  SyntheticsProject,
} as const;
export type Kind = keyof typeof KINDS;
export type Resource = SyntheticMonitor | SyntheticsProject;
