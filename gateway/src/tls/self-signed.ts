/**
 * A self-signed certificate for a ward with no hospital PKI (`wardlink-gateway tls init`):
 * ECDSA P-256, SHA-256, the gateway's names and addresses in subjectAltName, serverAuth.
 * Clients pin its SHA-256 fingerprint. Made with @peculiar/x509 on node's WebCrypto
 * (node:crypto makes keys but cannot issue an X.509 certificate), so no openssl is needed.
 */
// @peculiar/x509 resolves its ASN.1 parsers through tsyringe, which needs this polyfill.
// This module is imported lazily (tls init, tests), so the daemon never loads it.
import 'reflect-metadata';
import { randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface SelfSigned {
  certPem: string;
  keyPem: string;
  /** SHA-256 of the DER certificate, as colon-separated hex (what browsers and openssl show). */
  fingerprint256: string;
  notAfter: Date;
}

const DAY_MS = 86_400_000;

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export async function makeSelfSigned(opts: { commonName: string; names: readonly string[]; days?: number; now?: Date }): Promise<SelfSigned> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = opts.now ?? new Date();
  const notAfter = new Date(now.getTime() + (opts.days ?? 825) * DAY_MS);
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f; // a positive INTEGER
  const sans = [...new Set(opts.names)].map((n) => ({ type: isIP(n) ? ('ip' as const) : ('dns' as const), value: n }));
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: `CN=${opts.commonName.replace(/[,+="\\<>;#]/g, '_')}`,
    notBefore: new Date(now.getTime() - 3_600_000), // a ward PC's clock a little behind still accepts it
    notAfter,
    signingAlgorithm: alg,
    keys: keys as never,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(sans),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  const certPem = cert.toString('pem') + '\n';
  const keyPem = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as never));
  return { certPem, keyPem, fingerprint256: new X509Certificate(certPem).fingerprint256, notAfter };
}
