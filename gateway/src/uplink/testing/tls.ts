/**
 * A throwaway PKI for the TLS tests, made with the openssl CLI at test time (node:crypto
 * cannot issue X.509 certificates): a CA, a server certificate for 127.0.0.1/localhost and
 * a client certificate, all signed by that CA. Returns null when openssl is not installed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestPki {
  ca: Buffer;
  serverKey: Buffer;
  serverCert: Buffer;
  clientKey: Buffer;
  clientCert: Buffer;
  /** Paths of the same files, for config tests. */
  files: { ca: string; clientKey: string; clientCert: string; serverKey: string; serverCert: string };
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function makeTestPki(dir: string, opts: { clientCn?: string } = {}): TestPki | null {
  if (!hasOpenssl()) return null;
  const f = (name: string) => join(dir, name);
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=Wardlink Test CA');
  const issue = (name: string, cn: string, ext: string) => {
    writeFileSync(f(`${name}.ext`), ext);
    run('req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
    run('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${name}.crt`), '-days', '2', '-extfile', f(`${name}.ext`));
  };
  issue('server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  issue('client', opts.clientCn ?? 'test-gw', 'extendedKeyUsage=clientAuth\n');
  return {
    ca: readFileSync(f('ca.crt')),
    serverKey: readFileSync(f('server.key')),
    serverCert: readFileSync(f('server.crt')),
    clientKey: readFileSync(f('client.key')),
    clientCert: readFileSync(f('client.crt')),
    files: { ca: f('ca.crt'), clientKey: f('client.key'), clientCert: f('client.crt'), serverKey: f('server.key'), serverCert: f('server.crt') },
  };
}
