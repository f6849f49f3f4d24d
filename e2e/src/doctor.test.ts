/**
 * `wardlink-gateway doctor` against the real cloud on real PostgreSQL, over HTTPS with the
 * gateway trusting the cloud's self-signed certificate through cloud.caFile: a registered
 * gateway's token is accepted, a revoked one is refused (exit 1), and the probe stores
 * nothing. The doctor runs as the real CLI in a child process, as a technician runs it
 * (asynchronously: the cloud answers from this very process).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGateway, startTestService, useTestDatabase, type TestService } from '@wardlink/cloud/testing';
import { createTestGateway, makeSelfSigned, tempDir, type TempDir, type TestGateway } from '@wardlink/gateway/testing';

const GW = 'gw-doctor';
// The gateway's bin, run from source as `pnpm gateway` does (the CLI is not an export).
const CLI = fileURLToPath(new URL('../../gateway/src/cli/main.ts', import.meta.url));

interface Check {
  code: string;
  status: string;
  detail: string;
  remedy: string | null;
}

const db = useTestDatabase();
let certs: TempDir;
let cloud: TestService;
const gateways: TestGateway[] = [];

beforeAll(async () => {
  certs = tempDir('wl-doctor-e2e-');
  const cert = await makeSelfSigned({ commonName: 'cloud.e2e', names: ['127.0.0.1'] });
  writeFileSync(certs.file('cloud.pem'), cert.certPem);
  writeFileSync(certs.file('cloud.key'), cert.keyPem, { mode: 0o600 });
  cloud = await startTestService(db.connectionString, { server: { tlsCertFile: certs.file('cloud.pem'), tlsKeyFile: certs.file('cloud.key') } });
});
afterAll(async () => {
  for (const g of gateways) g.cleanup();
  await cloud?.service.stop();
  certs?.remove();
});

function doctor(configPath: string): Promise<{ code: number | null; checks: Check[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'doctor', '--json', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      try {
        resolve({ code, checks: (JSON.parse(out) as { checks: Check[] }).checks, stderr: err });
      } catch (e) {
        reject(new Error(`doctor printed no JSON report (exit ${code}): ${out} ${err}`, { cause: e }));
      }
    });
  });
}

async function gatewayWith(token: string): Promise<TestGateway> {
  const gw = await createTestGateway({ raw: { gatewayId: GW, cloud: { url: cloud.url, token, caFile: join(certs.path, 'cloud.pem') } } });
  gateways.push(gw);
  return gw;
}

const byCode = (checks: Check[], code: string) => checks.find((c) => c.code === code);

describe('doctor against the real cloud', () => {
  it('has a registered token accepted and a revoked one refused, storing nothing', async () => {
    expect(cloud.url).toMatch(/^https:/);
    const token = await registerGateway(db.pool, GW);
    const good = await doctor((await gatewayWith(token)).configPath);
    expect(byCode(good.checks, 'cloud.reach')).toMatchObject({ status: 'OK' });
    expect(byCode(good.checks, 'cloud.tls')).toMatchObject({ status: 'OK', detail: expect.stringContaining('CN=cloud.e2e') });
    expect(byCode(good.checks, 'cloud.token')).toMatchObject({ status: 'OK', detail: expect.stringContaining('accepted') });
    expect(byCode(good.checks, 'clock.skew')?.status).toBe('OK');
    expect(good.checks.filter((c) => c.status === 'FAIL' && c.code !== 'clock.sync')).toEqual([]);

    // Another gateway's token, revoked before its first use (the cloud caches lookups).
    const revoked = await registerGateway(db.pool, `${GW}-old`);
    await db.pool.query('UPDATE gateways SET revoked_at = now() WHERE gateway_id = $1', [`${GW}-old`]);
    const refused = await doctor((await gatewayWith(revoked)).configPath);
    expect(byCode(refused.checks, 'cloud.token')).toMatchObject({ status: 'FAIL', detail: expect.stringContaining('revoked'), remedy: expect.stringContaining('rotate-token') });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('WL_DOCTOR_FAILED');

    // The token probe is an empty batch: refused before anything is stored or sequenced.
    const stored = await db.pool.query<{ n: string }>('SELECT (SELECT count(*) FROM batch_ledger) + (SELECT count(*) FROM vital_data) AS n');
    expect(Number(stored.rows[0]!.n)).toBe(0);
  }, 120_000);
});
