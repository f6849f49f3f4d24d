/**
 * The web port over HTTPS on a running gateway: `tls init`'s certificate served, a plain
 * HTTP client refused, the session cookie Secure, a renewed certificate taken on reload,
 * and the local CLI reaching it by the pinned certificate.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fetch } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../config/load.js';
import type { GatewayDaemon } from '../daemon.js';
import { runCli } from '../cli/program.js';
import { createTestGateway, startDaemon, type TestGateway } from '../testing/fixture.js';
import { addStaff } from '../testing/web-client.js';
import { localFetch, pinnedAgent } from './local-client.js';

let gw: TestGateway;
let daemon: GatewayDaemon | undefined;
const quiet = { json: true, stdout: () => undefined, stderr: () => undefined };

beforeEach(async () => {
  gw = await createTestGateway({ beds: ['bed-01'] });
  expect(await runCli(['tls', 'init', '--name', 'icu3-gw.hospital.local', '--config', gw.configPath], { out: quiet })).toBe(0);
});
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  gw.cleanup();
});

async function start(): Promise<GatewayDaemon> {
  gw.config = loadGatewayConfig({ path: gw.configPath });
  daemon = await startDaemon(gw);
  return daemon;
}

describe('tls init', () => {
  it('writes a key only the owner reads, a certificate for this machine, and points http.tls at them', () => {
    const config = loadGatewayConfig({ path: gw.configPath });
    expect(config.http.tls).toEqual({ certFile: join(gw.dir, 'tls/gateway.crt'), keyFile: join(gw.dir, 'tls/gateway.key') });
    expect(statSync(config.http.tls!.keyFile).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(readFileSync(config.http.tls!.certFile));
    expect(cert.subjectAltName).toContain('DNS:icu3-gw.hospital.local');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(config.http.tls!.keyFile)))).toBe(true);
  });
});

describe('the web port over HTTPS', () => {
  it('serves the page over TLS and refuses a plain-HTTP client', async () => {
    const d = await start();
    const agent = pinnedAgent(gw.config.http.tls!.certFile);
    const page = await fetch(`https://localhost:${d.ports.http}/`, { dispatcher: agent });
    expect(page.status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${d.ports.http}/healthz`)).rejects.toThrow();
    // What a plain client gets back is a TLS alert and a closed socket: no HTTP answer.
    const answer = await new Promise<string>((resolve) => {
      const s = connect(d.ports.http, '127.0.0.1', () => s.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n'));
      let got = '';
      s.on('data', (b: Buffer) => (got += b.toString('latin1')));
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
    });
    expect(answer).not.toMatch(/^HTTP\//);
  });

  it('sets a Secure session cookie', async () => {
    const d = await start();
    const { secret } = await addStaff(gw.config, { staffId: 'RN-1', role: 'nurse' });
    const base = `https://localhost:${d.ports.http}`;
    const res = await fetch(`${base}/api/login`, { method: 'POST', dispatcher: pinnedAgent(gw.config.http.tls!.certFile), headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify({ staffId: 'RN-1', pin: secret }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
  });

  it('lets the local CLI in with its token over the pinned certificate, and takes a renewed certificate on reload', async () => {
    const d = await start();
    const status = await localFetch(gw.config, '/status', { port: d.ports.http });
    expect(status.status).toBe(200);
    const before = new X509Certificate(readFileSync(gw.config.http.tls!.certFile)).fingerprint256;
    expect(await runCli(['tls', 'init', '--force', '--config', gw.configPath], { out: quiet })).toBe(0);
    const renewed = loadGatewayConfig({ path: gw.configPath });
    await d.reload(renewed);
    const after = new X509Certificate(readFileSync(renewed.http.tls!.certFile)).fingerprint256;
    expect(after).not.toBe(before);
    // New connections get the new certificate: the pin on the new file holds.
    expect((await localFetch(renewed, '/healthz', { port: d.ports.http })).status).toBe(200);
  });
});
