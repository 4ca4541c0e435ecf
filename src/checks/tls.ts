/**
 * TLS for the HTTP and TCP checks: resolving the material of `TlsOptions`, the handshake with
 * Elastic's verification modes, and certificate facts for every TLS check.
 *
 * The handshake always runs with `rejectUnauthorized: false` and then verifies by itself, so
 * that a bad certificate still yields its facts (expiry, issuer) and a sentence that says
 * what is wrong (`certificate expired 3 days ago (CN=api.example.com)`) instead of OpenSSL's
 * code. Nothing is sent on a connection that failed verification.
 */
import { createHash } from 'node:crypto';
import {
  checkServerIdentity,
  connect as tlsConnect,
  createSecureContext,
  type SecureContext,
  type DetailedPeerCertificate,
  type PeerCertificate,
  type SecureVersion,
  type TLSSocket,
} from 'node:tls';
import { isIP, type Socket } from 'node:net';
import type { TlsOptions } from '../model/schema.js';
import { CheckFailure, asError } from './errors.js';
import type { Deadline } from './deadline.js';
import type { CertificateFacts, SecretResolver } from './types.js';

/** Elastic `ssl.verification_mode`. */
export type VerificationMode = NonNullable<TlsOptions['verificationMode']>;

/** TLS options with every reference resolved; holds key material, so never log it. */
export interface TlsSettings {
  verificationMode: VerificationMode;
  ca?: string[];
  cert?: string;
  key?: string;
  passphrase?: string;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  serverName?: string;
}

const DAY_MS = 86_400_000;
const PROTOCOL_ORDER = ['TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

type PemRef = NonNullable<TlsOptions['certificate']>;

async function resolvePem(
  source: PemRef,
  secrets: SecretResolver,
  namespace: string | undefined,
  what: string,
): Promise<string> {
  if (source.pem !== undefined) return source.pem;
  const value = await secrets.resolve(source, namespace);
  if (value === undefined) throw new CheckFailure('config', `${what} reference resolved to nothing`);
  return value;
}

/** Resolves the references of `TlsOptions` (CAs, client certificate and key) at run time. */
export async function resolveTlsSettings(
  options: TlsOptions | undefined,
  secrets: SecretResolver,
  namespace: string | undefined,
): Promise<TlsSettings> {
  const settings: TlsSettings = { verificationMode: options?.verificationMode ?? 'full' };
  if (options === undefined) return settings;
  if (options.certificateAuthorities !== undefined) {
    settings.ca = await Promise.all(
      options.certificateAuthorities.map((c, i) =>
        resolvePem(c, secrets, namespace, `tls.certificateAuthorities[${i}]`),
      ),
    );
  }
  if (options.certificate !== undefined) {
    settings.cert = await resolvePem(options.certificate, secrets, namespace, 'tls.certificate');
  }
  if (options.key !== undefined) {
    const key = await secrets.resolve(options.key.valueFrom, namespace);
    if (key !== undefined) settings.key = key;
  }
  if (options.keyPassphrase !== undefined) {
    const passphrase = await secrets.resolve(options.keyPassphrase.valueFrom, namespace);
    if (passphrase !== undefined) settings.passphrase = passphrase;
  }
  if ((settings.cert === undefined) !== (settings.key === undefined)) {
    throw new CheckFailure(
      'config',
      'tls.certificate and tls.key must be given together for a client certificate',
    );
  }
  if (options.supportedProtocols !== undefined && options.supportedProtocols.length > 0) {
    const ranks = options.supportedProtocols.map((p) => PROTOCOL_ORDER.indexOf(p)).sort();
    settings.minVersion = PROTOCOL_ORDER[ranks[0] ?? 0] ?? 'TLSv1.2';
    settings.maxVersion = PROTOCOL_ORDER[ranks[ranks.length - 1] ?? 2] ?? 'TLSv1.3';
  }
  if (options.serverName !== undefined) settings.serverName = options.serverName;
  return settings;
}

/** `CN=api.example.com, O=Example` from a certificate subject or issuer. */
export function formatName(
  name: Readonly<Record<string, string | string[] | undefined>> | undefined,
): string {
  if (name === undefined) return '';
  return Object.entries(name)
    .filter((e): e is [string, string | string[]] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

function shortName(cert: PeerCertificate): string {
  const cn = cert.subject?.CN;
  if (cn !== undefined) return `CN=${Array.isArray(cn) ? cn.join('+') : cn}`;
  return formatName(cert.subject) || 'no subject';
}

function chainOf(peer: DetailedPeerCertificate): DetailedPeerCertificate[] {
  const chain: DetailedPeerCertificate[] = [];
  const seen = new Set<string>();
  let cert: DetailedPeerCertificate | undefined = peer;
  while (cert !== undefined && Object.keys(cert).length > 0 && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(cert);
    cert = cert.issuerCertificate;
  }
  return chain;
}

/** Facts about the presented certificate (the leaf) and its chain's earliest expiry. */
export function certificateFacts(socket: TLSSocket, nowMs: number): CertificateFacts | undefined {
  const peer = socket.getPeerCertificate(true);
  if (Object.keys(peer).length === 0) return undefined;
  const chain = chainOf(peer);
  const earliestMs = Math.min(...chain.map((c) => Date.parse(c.valid_to)));
  const cn = peer.subject?.CN;
  const facts: CertificateFacts = {
    subject: formatName(peer.subject),
    issuer: formatName(peer.issuer),
    subjectAltNames: peer.subjectaltname === undefined ? [] : peer.subjectaltname.split(', '),
    notBefore: new Date(peer.valid_from).toISOString(),
    notAfter: new Date(peer.valid_to).toISOString(),
    earliestExpiry: Math.floor(earliestMs / 1000),
    daysLeft: Math.floor((earliestMs - nowMs) / DAY_MS),
    serialNumber: peer.serialNumber,
    fingerprint256: peer.fingerprint256,
  };
  if (cn !== undefined) facts.commonName = Array.isArray(cn) ? cn.join('+') : cn;
  const version = socket.getProtocol();
  if (version !== null) facts.tlsVersion = version;
  const cipher = socket.getCipher() as { name?: string } | undefined;
  if (cipher?.name !== undefined) facts.cipher = cipher.name;
  return facts;
}

/** `3 days`, `1 day`, `5 hours`, `12 minutes`. */
export function formatAge(ms: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (ms >= DAY_MS) return plural(Math.floor(ms / DAY_MS), 'day');
  if (ms >= 3_600_000) return plural(Math.floor(ms / 3_600_000), 'hour');
  if (ms >= 60_000) return plural(Math.floor(ms / 60_000), 'minute');
  return plural(Math.max(0, Math.floor(ms / 1000)), 'second');
}

function authorizationFailure(code: string, peer: DetailedPeerCertificate, nowMs: number): CheckFailure {
  const chain = chainOf(peer);
  switch (code) {
    case 'CERT_HAS_EXPIRED': {
      const expired = chain.find((c) => Date.parse(c.valid_to) < nowMs) ?? peer;
      const ago = formatAge(nowMs - Date.parse(expired.valid_to));
      return new CheckFailure('tls', `certificate expired ${ago} ago (${shortName(expired)})`);
    }
    case 'CERT_NOT_YET_VALID': {
      const early = chain.find((c) => Date.parse(c.valid_from) > nowMs) ?? peer;
      const when = new Date(early.valid_from).toISOString();
      return new CheckFailure('tls', `certificate is not valid before ${when} (${shortName(early)})`);
    }
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return new CheckFailure('tls', `certificate is self-signed and not trusted (${shortName(peer)})`);
    case 'SELF_SIGNED_CERT_IN_CHAIN': {
      const root = chain[chain.length - 1] ?? peer;
      return new CheckFailure(
        'tls',
        `certificate chain ends in an untrusted root (${shortName(root)}), presented for ${shortName(peer)}`,
      );
    }
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return new CheckFailure(
        'tls',
        `certificate is signed by an unknown authority (issuer ${formatName(chain[chain.length - 1]?.issuer ?? peer.issuer)}, presented for ${shortName(peer)})`,
      );
    case 'CERT_REVOKED':
      return new CheckFailure('tls', `certificate is revoked (${shortName(peer)})`);
    default:
      return new CheckFailure('tls', `certificate verification failed: ${code} (${shortName(peer)})`);
  }
}

function namesOf(peer: PeerCertificate): string {
  const san = peer.subjectaltname;
  if (san !== undefined && san !== '') {
    return san
      .split(', ')
      .map((entry) => entry.replace(/^(DNS|IP Address):/, ''))
      .join(', ');
  }
  return (peer.subject?.CN as string | undefined) ?? 'no name';
}

function verifyIdentity(
  mode: VerificationMode,
  host: string,
  peer: PeerCertificate,
): CheckFailure | undefined {
  if (mode === 'certificate' || mode === 'none') return undefined;
  const san = peer.subjectaltname ?? '';
  if (mode === 'strict' && san === '') {
    return new CheckFailure(
      'tls',
      `certificate for ${shortName(peer)} has no subject alternative names, and strict verification needs ${host} there`,
    );
  }
  if (checkServerIdentity(host, peer) === undefined) return undefined;
  const sanText = san === '' ? 'no SAN' : `SAN: ${san}`;
  return new CheckFailure('tls', `certificate is for ${namesOf(peer)}, not ${host} (${sanText})`);
}

const ALERTS: Readonly<Record<string, string>> = {
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    'server requires a client certificate (TLS alert: certificate required)',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'server does not trust our client certificate (TLS alert: unknown CA)',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'server rejected our client certificate (TLS alert: bad certificate)',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: 'server rejected our client certificate as expired (TLS alert)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed: the server did not answer with TLS',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'TLS handshake failed: the server did not answer with TLS',
  ERR_SSL_UNEXPECTED_MESSAGE:
    'TLS handshake failed: unexpected message from the server (is it speaking TLS?)',
};

/** Turns an OpenSSL error during or right after the handshake into a sentence; undefined if not TLS. */
export function tlsErrorFailure(err: unknown, settings: TlsSettings | undefined): CheckFailure | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('ERR_SSL_')) return undefined;
  const known = ALERTS[code];
  if (known !== undefined) return new CheckFailure('tls', known, { cause: err });
  if (
    code === 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' ||
    code === 'ERR_SSL_UNSUPPORTED_PROTOCOL' ||
    code === 'ERR_SSL_NO_PROTOCOLS_AVAILABLE'
  ) {
    const offered =
      settings?.minVersion === undefined
        ? ''
        : settings.minVersion === settings.maxVersion
          ? ` (we offer ${settings.minVersion} only)`
          : ` (we offer ${settings.minVersion} to ${settings.maxVersion})`;
    return new CheckFailure(
      'tls',
      `TLS handshake failed: no protocol version in common with the server${offered}`,
      {
        cause: err,
      },
    );
  }
  if (code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' && settings?.cert === undefined) {
    return new CheckFailure(
      'tls',
      'TLS handshake failed (alert: handshake failure); the server may require a client certificate',
      { cause: err },
    );
  }
  const reason = (err as { reason?: unknown }).reason;
  return new CheckFailure('tls', `TLS handshake failed: ${typeof reason === 'string' ? reason : code}`, {
    cause: err,
  });
}

/**
 * Secure contexts by TLS settings, bounded. Building one parses the CA bundle and the client
 * key (0.2 ms to over 1 ms of CPU); a monitor's settings rarely change between runs.
 */
export class SecureContextCache {
  readonly #contexts = new Map<string, SecureContext>();
  readonly #max: number;

  constructor(max = 128) {
    this.#max = max;
  }

  /** The context for `settings`, built once. */
  get(settings: TlsSettings): SecureContext {
    const options = {
      ...(settings.ca === undefined ? {} : { ca: settings.ca }),
      ...(settings.cert === undefined ? {} : { cert: settings.cert }),
      ...(settings.key === undefined ? {} : { key: settings.key }),
      ...(settings.passphrase === undefined ? {} : { passphrase: settings.passphrase }),
      ...(settings.minVersion === undefined ? {} : { minVersion: settings.minVersion }),
      ...(settings.maxVersion === undefined ? {} : { maxVersion: settings.maxVersion }),
      // OpenSSL 3 refuses TLS 1.1 at the default security level; asking for it means it.
      ...(settings.minVersion === 'TLSv1.1' ? { ciphers: 'DEFAULT@SECLEVEL=0' } : {}),
    };
    // Keyed by a digest, so the cache holds no second copy of key material as a string key.
    const id = createHash('sha256').update(JSON.stringify(options)).digest('base64');
    let context = this.#contexts.get(id);
    if (context === undefined) {
      try {
        context = createSecureContext(options);
      } catch (err) {
        throw new CheckFailure('config', `TLS options are not usable: ${describeContextError(err)}`, {
          cause: err,
        });
      }
      if (this.#contexts.size >= this.#max) {
        const oldest = this.#contexts.keys().next().value;
        if (oldest !== undefined) this.#contexts.delete(oldest);
      }
      this.#contexts.set(id, context);
    }
    return context;
  }
}

function describeContextError(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const message = (err as Error).message;
  if (/bad decrypt|bad password/i.test(message))
    return 'the client key could not be decrypted (wrong keyPassphrase?)';
  if (/key values mismatch/i.test(message)) return 'the client key does not belong to the client certificate';
  if (/no start line|PEM/i.test(message)) return 'a certificate or key is not valid PEM';
  return typeof code === 'string' ? code : message;
}

/** The result of a handshake. */
export interface TlsConnection {
  socket: TLSSocket;
  certificate: CertificateFacts | undefined;
}

/**
 * Runs a TLS handshake on `socket` for `host` (the name to verify and send as SNI unless
 * `serverName` overrides it), then verifies as the mode says.
 */
export function startTls(
  socket: Socket,
  host: string,
  settings: TlsSettings,
  deadline: Deadline,
  nowMs: () => number,
  contexts: SecureContextCache,
  alpn?: string[],
): Promise<TlsConnection> {
  const name = settings.serverName ?? host;
  deadline.phase = `during the TLS handshake with ${name}`;
  return new Promise((resolve, reject) => {
    if (deadline.signal.aborted) {
      socket.destroy();
      reject(deadline.abortReason());
      return;
    }
    let secureContext: SecureContext;
    try {
      secureContext = contexts.get(settings);
    } catch (err) {
      socket.destroy();
      reject(asError(err));
      return;
    }
    const tlsSocket = tlsConnect({
      socket,
      secureContext,
      ...(isIP(name) === 0 ? { servername: name } : {}),
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      ...(alpn === undefined ? {} : { ALPNProtocols: alpn }),
    });
    const cleanup = () => {
      deadline.signal.removeEventListener('abort', onAbort);
      tlsSocket.removeListener('error', onError);
      tlsSocket.removeListener('secureConnect', onSecure);
    };
    const fail = (failure: Error) => {
      cleanup();
      tlsSocket.destroy();
      reject(failure);
    };
    const onAbort = () => {
      fail(deadline.abortReason());
    };
    const onError = (err: Error) => {
      fail(
        tlsErrorFailure(err, settings) ??
          new CheckFailure('tls', `TLS handshake with ${name} failed: ${describeError(err)}`, { cause: err }),
      );
    };
    const onSecure = () => {
      const now = nowMs();
      let certificate: CertificateFacts | undefined;
      try {
        certificate = certificateFacts(tlsSocket, now);
      } catch (err) {
        fail(new CheckFailure('tls', 'the server certificate could not be read', { cause: err }));
        return;
      }
      if (settings.verificationMode !== 'none') {
        const peer = tlsSocket.getPeerCertificate(true);
        if (certificate === undefined) {
          fail(new CheckFailure('tls', `${name} presented no certificate`));
          return;
        }
        const authError = tlsSocket.authorizationError as unknown as string | Error | null;
        if (!tlsSocket.authorized && authError !== null) {
          const code =
            typeof authError === 'string'
              ? authError
              : ((authError as { code?: string }).code ?? authError.message);
          fail(withCertificate(authorizationFailure(code, peer, now), certificate));
          return;
        }
        const mismatch = verifyIdentity(settings.verificationMode, name, peer);
        if (mismatch !== undefined) {
          fail(withCertificate(mismatch, certificate));
          return;
        }
      }
      cleanup();
      resolve({ socket: tlsSocket, certificate });
    };
    deadline.signal.addEventListener('abort', onAbort, { once: true });
    tlsSocket.once('error', onError);
    tlsSocket.once('secureConnect', onSecure);
  });
}

/** A TLS failure that still carries the certificate facts, so results show expiry and issuer. */
export class TlsVerificationFailure extends CheckFailure {
  readonly certificate: CertificateFacts;

  constructor(failure: CheckFailure, certificate: CertificateFacts) {
    super(failure.type, failure.message, { cause: failure.cause });
    this.certificate = certificate;
  }
}

function withCertificate(failure: CheckFailure, certificate: CertificateFacts): CheckFailure {
  return new TlsVerificationFailure(failure, certificate);
}

function describeError(err: Error): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ECONNRESET') return 'connection reset by peer';
  if (typeof code === 'string') return code;
  return err.message;
}
