/**
 * Certificates for the demo target: a throwaway CA and a server certificate that expires
 * soon, so the TLS example shows certificate facts and days left without any network.
 * Keys come from Node's native generator (fast); node-forge only builds and signs the X.509.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** A PEM certificate with its private key. */
export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

/** What `createDemoCertificates` makes. */
export interface DemoCertificates {
  readonly ca: PemPair;
  readonly server: PemPair;
}

const DAY_MS = 86_400_000;

function newKey(): {
  forgePrivate: forge.pki.rsa.PrivateKey;
  forgePublic: forge.pki.rsa.PublicKey;
  pem: string;
} {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return {
    forgePrivate: forge.pki.privateKeyFromPem(pem),
    forgePublic: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    pem,
  };
}

function serial(): string {
  // Positive, 16 bytes: RFC 5280 forbids negative serials, so clear the top bit.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

/** Creates a CA and a server certificate for `localhost`/127.0.0.1 that expires in `daysLeft` days. */
export function createDemoCertificates(options: { now: Date; daysLeft: number }): DemoCertificates {
  const caKey = newKey();
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKey.forgePublic;
  ca.serialNumber = serial();
  ca.validity.notBefore = new Date(options.now.getTime() - DAY_MS);
  ca.validity.notAfter = new Date(options.now.getTime() + 365 * DAY_MS);
  const caName = [
    { name: 'commonName', value: 'synthctl demo CA' },
    { name: 'organizationName', value: 'synthctl' },
  ];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKey.forgePrivate, forge.md.sha256.create());

  const serverKey = newKey();
  const server = forge.pki.createCertificate();
  server.publicKey = serverKey.forgePublic;
  server.serialNumber = serial();
  server.validity.notBefore = new Date(options.now.getTime() - 30 * DAY_MS);
  server.validity.notAfter = new Date(options.now.getTime() + options.daysLeft * DAY_MS);
  server.setSubject([
    { name: 'commonName', value: 'localhost' },
    { name: 'organizationName', value: 'synthctl demo' },
  ]);
  server.setIssuer(caName);
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
      ],
    },
  ]);
  server.sign(caKey.forgePrivate, forge.md.sha256.create());

  return {
    ca: { cert: forge.pki.certificateToPem(ca), key: caKey.pem },
    server: { cert: forge.pki.certificateToPem(server), key: serverKey.pem },
  };
}
