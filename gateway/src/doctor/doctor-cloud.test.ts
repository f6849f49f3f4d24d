/**
 * The doctor's cloud checks against a small real HTTPS server that answers as the cloud
 * does (testing/local-cloud.ts; the gateway may not import the cloud). The same against
 * the real cloud: e2e/src/doctor.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestGateway, type TestGateway } from '../testing/fixture.js';
import { startLocalCloud, type LocalCloud } from './testing/local-cloud.js';
import { freePort, runDoctorCli } from './testing/run-doctor.js';

const TOKEN = 'wlgw_doctor-test-token-0123456789';
let gw: TestGateway | undefined;
let cloud: LocalCloud | undefined;

afterEach(async () => {
  await cloud?.close();
  cloud = undefined;
  gw?.cleanup();
  gw = undefined;
});

/** A test gateway uploading to `cloud`, trusting its certificate through cloud.caFile unless `withCa` is false. */
async function gatewayFor(cloudSection: Record<string, unknown>, withCa = true): Promise<TestGateway> {
  const g = await createTestGateway({ raw: { cloud: withCa ? { ...cloudSection, caFile: 'cloud-ca.pem' } : cloudSection } });
  if (withCa) writeFileSync(join(g.dir, 'cloud-ca.pem'), cloud!.certPem);
  return g;
}

describe('doctor: the cloud', () => {
  it('reaches it, trusts its certificate through cloud.caFile, has its token accepted, and measures the skew', async () => {
    cloud = await startLocalCloud({ token: TOKEN });
    gw = await gatewayFor({ url: cloud.url, token: TOKEN });
    const run = await runDoctorCli(gw.configPath);
    expect(run.check('cloud.reach')).toMatchObject({ status: 'OK', detail: 'answered GET /healthz with HTTP 200' });
    expect(run.check('cloud.tls')).toMatchObject({ status: 'OK', detail: expect.stringMatching(/^trusted, TLSv1\.[23], CN=cloud\.test issued by CN=cloud\.test/) });
    expect(run.check('cloud.token')).toMatchObject({ status: 'OK', data: { status: 400, code: 'WL_API_INVALID_BATCH' } });
    const skew = run.check('clock.skew');
    expect(skew.status).toBe('OK');
    expect(Math.abs(skew.data!.skewS as number)).toBeLessThanOrEqual(1.5);
    expect(cloud.requests).toEqual(['GET /healthz', 'POST /v1/batches']);
    // The token is a secret: not in the report, whatever it says.
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('FAILs a refused token with how to get a new one', async () => {
    cloud = await startLocalCloud({ token: TOKEN });
    gw = await gatewayFor({ url: cloud.url, token: 'wlgw_revoked-token' });
    const run = await runDoctorCli(gw.configPath);
    expect(run.check('cloud.reach').status).toBe('OK');
    expect(run.check('cloud.token')).toMatchObject({ status: 'FAIL', detail: expect.stringContaining('refused'), remedy: expect.stringContaining('rotate-token') });
    expect(run.code).toBe(1);
  });

  it('FAILs a certificate the configured CA does not vouch for, and then does not send the token', async () => {
    cloud = await startLocalCloud({ token: TOKEN });
    gw = await gatewayFor({ url: cloud.url, token: TOKEN }, false);
    const run = await runDoctorCli(gw.configPath);
    expect(run.check('cloud.reach').status).toBe('OK');
    expect(run.check('cloud.tls')).toMatchObject({ status: 'FAIL', detail: expect.stringContaining('certificate not trusted'), remedy: expect.stringContaining('cloud.caFile') });
    expect(run.check('cloud.token').status).toBe('WARN');
    expect(cloud.requests).toEqual([]);
    expect(run.code).toBe(1);
  });

  it('FAILs a clock a minute off the cloud\'s Date header', async () => {
    cloud = await startLocalCloud({ token: TOKEN, clockOffsetMs: 60_000 });
    gw = await gatewayFor({ url: cloud.url, token: TOKEN });
    const run = await runDoctorCli(gw.configPath);
    expect(run.check('clock.skew')).toMatchObject({ status: 'FAIL', detail: expect.stringMatching(/^this clock is behind the cloud by (59\.\d|60(\.\d)?) s/) });
    expect(run.code).toBe(1);
  });

  it('FAILs an unreachable cloud with where to look', async () => {
    const port = await freePort();
    gw = await createTestGateway({ raw: { cloud: { url: `https://127.0.0.1:${port}`, token: TOKEN } } });
    const run = await runDoctorCli(gw.configPath);
    expect(run.check('cloud.reach')).toMatchObject({ status: 'FAIL', data: { networkCode: 'ECONNREFUSED' }, remedy: expect.stringContaining('nothing listens there') });
    expect(run.report.checks.filter((c) => c.code.startsWith('cloud.'))).toHaveLength(1);
    expect(run.code).toBe(1);
  });
});
