/**
 * Test certificates made with the `openssl` CLI into a temporary directory: a test CA, leaf
 * certificates that are valid, expired, not yet valid, self-signed, without SAN, and client
 * certificates (trusted and from an unknown CA). EC P-256 keys keep generation fast.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM material of one certificate. */
export interface CertPair {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

/** Everything the TLS tests need. */
export interface TestPki {
  dir: string;
  ca: CertPair;
  /** CN=localhost, SAN DNS:localhost, IP:127.0.0.1, signed by the CA, valid for 30 days. */
  valid: CertPair;
  /** As valid, but it expired 3 days ago. */
  expired: CertPair;
  /** As valid, but valid only from 2 days from now. */
  notYetValid: CertPair;
  /** CN=localhost with SANs, self-signed. */
  selfSigned: CertPair;
  /** CN=localhost, no SAN extension, signed by the CA. */
  noSan: CertPair;
  /** Client certificate CN=synthctl-client, signed by the CA. */
  client: CertPair;
  /** The client key encrypted with `clientKeyPassphrase`. */
  clientEncryptedKey: string;
  clientKeyPassphrase: string;
  /** A client certificate from a CA the server does not know. */
  strangerClient: CertPair;
  /** Removes the directory. */
  cleanup(): Promise<void>;
}

function stamp(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

async function key(dir: string, name: string): Promise<string> {
  const file = join(dir, `${name}.key`);
  await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
  return file;
}

async function pair(certFile: string, keyFile: string): Promise<CertPair> {
  return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8'), certFile, keyFile };
}

async function selfSigned(dir: string, name: string, subject: string, ext: string[]): Promise<CertPair> {
  const keyFile = await key(dir, name);
  const certFile = join(dir, `${name}.pem`);
  await run('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    keyFile,
    '-out',
    certFile,
    '-days',
    '30',
    '-subj',
    subject,
    ...ext.flatMap((e) => ['-addext', e]),
  ]);
  return pair(certFile, keyFile);
}

/** Signs with `openssl ca`, the one OpenSSL 3.0 command that takes explicit start and end dates. */
async function signed(
  dir: string,
  ca: CertPair,
  name: string,
  subject: string,
  opts: { san?: string; start: Date; end: Date; client?: boolean },
): Promise<CertPair> {
  const keyFile = await key(dir, name);
  const csr = join(dir, `${name}.csr`);
  const certFile = join(dir, `${name}.pem`);
  await run('openssl', ['req', '-new', '-key', keyFile, '-out', csr, '-subj', subject]);
  const extFile = join(dir, `${name}.ext`);
  const lines = [
    'basicConstraints=CA:FALSE',
    `extendedKeyUsage=${opts.client === true ? 'clientAuth' : 'serverAuth'}`,
  ];
  if (opts.san !== undefined) lines.push(`subjectAltName=${opts.san}`);
  await writeFile(extFile, `${lines.join('\n')}\n`);
  await run('openssl', [
    'ca',
    '-batch',
    '-config',
    join(dir, 'ca.cnf'),
    '-cert',
    ca.certFile,
    '-keyfile',
    ca.keyFile,
    '-in',
    csr,
    '-out',
    certFile,
    '-notext',
    '-startdate',
    stamp(opts.start),
    '-enddate',
    stamp(opts.end),
    '-extfile',
    extFile,
  ]);
  return pair(certFile, keyFile);
}

async function caConfig(dir: string): Promise<void> {
  await mkdir(join(dir, 'newcerts'));
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'serial'), '1000\n');
  await writeFile(
    join(dir, 'ca.cnf'),
    [
      '[ ca ]',
      'default_ca = test_ca',
      '[ test_ca ]',
      `dir = ${dir}`,
      'database = $dir/index.txt',
      'new_certs_dir = $dir/newcerts',
      'serial = $dir/serial',
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      'copy_extensions = none',
      '[ any ]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
}

/** Generates the test PKI (about half a second). */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'synthctl-pki-'));
  await caConfig(dir);
  const day = 86_400_000;
  const now = Date.now();
  const ca = await selfSigned(dir, 'ca', '/CN=synthctl Test CA/O=synthctl tests', [
    'basicConstraints=critical,CA:TRUE',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const san = 'DNS:localhost,IP:127.0.0.1,IP:::1';
  const window = { start: new Date(now - day), end: new Date(now + 30 * day) };
  // `openssl ca` rewrites its database file, so signing runs one at a time.
  const valid = await signed(dir, ca, 'valid', '/CN=localhost', { san, ...window });
  const expired = await signed(dir, ca, 'expired', '/CN=localhost', {
    san,
    start: new Date(now - 30 * day),
    end: new Date(now - 3 * day - 60_000),
  });
  const notYetValid = await signed(dir, ca, 'future', '/CN=localhost', {
    san,
    start: new Date(now + 2 * day),
    end: new Date(now + 30 * day),
  });
  const noSan = await signed(dir, ca, 'nosan', '/CN=localhost', { ...window });
  const client = await signed(dir, ca, 'client', '/CN=synthctl-client', { ...window, client: true });
  const self = await selfSigned(dir, 'self', '/CN=localhost', [`subjectAltName=${san}`]);
  const strangerCa = await selfSigned(dir, 'stranger-ca', '/CN=Stranger CA', [
    'basicConstraints=critical,CA:TRUE',
  ]);
  const strangerClient = await signed(dir, strangerCa, 'stranger-client', '/CN=stranger', {
    ...window,
    client: true,
  });
  const clientKeyPassphrase = 'correct horse battery';
  const encFile = join(dir, 'client-enc.key');
  await run('openssl', [
    'pkey',
    '-in',
    client.keyFile,
    '-aes256',
    '-passout',
    `pass:${clientKeyPassphrase}`,
    '-out',
    encFile,
  ]);
  return {
    dir,
    ca,
    valid,
    expired,
    notYetValid,
    selfSigned: self,
    noSan,
    client,
    clientEncryptedKey: await readFile(encFile, 'utf8'),
    clientKeyPassphrase,
    strangerClient,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
