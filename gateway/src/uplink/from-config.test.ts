import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { redactedConfig, validate } from '../config/load.js';
import { silentLogger } from '../observability/logger.js';
import { openBufferStore } from '../buffer/store.js';
import { createUplink, uplinkSettingsFromConfig } from './from-config.js';
import { resolveUplinkOptions } from './options.js';

const dir = mkdtempSync(join(tmpdir(), 'wl-uplink-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TOKEN = 'wlt_abcdefghijklmnop';

describe('cloud.* configuration', () => {
  it('has defaults with units in their names, and keeps the token out of JSON', () => {
    const config = validate({ cloud: { url: 'https://cloud.example/wardlink', token: TOKEN } }, dir);
    expect(config.cloud).toMatchObject({ url: 'https://cloud.example/wardlink', maxBatchReadings: 5000, maxBatchAgeMs: 1000, concurrency: 4, connectTimeoutMs: 10_000, headersTimeoutMs: 60_000, bodyTimeoutMs: 30_000, backoffBaseMs: 500, backoffMaxMs: 60_000, caFile: null });
    expect(config.cloud.token).toBe(TOKEN);
    expect(JSON.stringify(config)).not.toContain(TOKEN);
    expect(JSON.stringify(redactedConfig(config))).not.toContain(TOKEN);
  });

  it('validates each field where it enters, naming it, and never echoes the token', () => {
    const bad = (cloud: Record<string, unknown>) => () => validate({ cloud: { url: 'https://c', token: TOKEN, ...cloud } }, dir);
    expect(bad({ concurrency: 0 })).toThrow(/cloud\.concurrency must be an integer between 1 and 64/);
    expect(bad({ maxBatchReadings: '10k' })).toThrow(/cloud\.maxBatchReadings/);
    expect(bad({ backoffBaseMs: 5000, backoffMaxMs: 100 })).toThrow(/cloud\.backoffMaxMs must be at least cloud\.backoffBaseMs/);
    expect(bad({ clientCertFile: 'client.crt' })).toThrow(/cloud\.clientKeyFile and cloud\.clientCertFile must be set together/);
    expect(bad({ maxBatchReading: 10 })).toThrow(/cloud\.maxBatchReading is not a known setting/);
    expect(bad({ url: 'ftp://c' })).toThrow(/cloud\.url must use http: or https:/);
    let message = '';
    try {
      bad({ token: 'has a space secret-part' })();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/cloud\.token must be the token printed by/);
    expect(message).not.toContain('secret-part');
    expect(bad({ concurrency: '8' })).not.toThrow(); // `config set` and the environment give strings
  });

  it('refuses an http: cloud on another machine unless cloud.allowInsecure says so', () => {
    expect(() => validate({ cloud: { url: 'http://cloud.hospital:8080', token: TOKEN } }, dir)).toThrow(/cloud\.url uses http: to another machine/);
    expect(validate({ cloud: { url: 'http://cloud.hospital:8080', token: TOKEN, allowInsecure: true } }, dir).cloud.allowInsecure).toBe(true);
    for (const local of ['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080']) expect(() => validate({ cloud: { url: local, token: TOKEN } }, dir)).not.toThrow();
  });

  it('reads the TLS files (paths relative to dataDir) once, and names an unreadable one', () => {
    writeFileSync(join(dir, 'ca.pem'), 'CA PEM');
    const config = validate({ cloud: { url: 'https://c', token: TOKEN, caFile: 'ca.pem' } }, dir);
    expect(config.cloud.caFile).toBe(join(dir, 'ca.pem'));
    expect(uplinkSettingsFromConfig(config.cloud)?.tls).toEqual({ ca: Buffer.from('CA PEM') });
    const missing = validate({ cloud: { url: 'https://c', token: TOKEN, clientCertFile: 'nope.crt', clientKeyFile: 'nope.key' } }, dir);
    expect(() => uplinkSettingsFromConfig(missing.cloud)).toThrow(expect.objectContaining({ code: 'WL_UPLINK_TLS_FILE', message: expect.stringContaining('cloud.clientCertFile') }));
  });

  it('runs standalone (no uplink, one warning) without a url and a token', () => {
    const lines: string[] = [];
    const logger = { ...silentLogger(), warn: (_o: object, m?: string) => void lines.push(m ?? '') } as unknown as ReturnType<typeof silentLogger>;
    const store = openBufferStore({ path: join(dir, 'standalone.db'), gatewayId: 'gw' });
    expect(createUplink(validate({ cloud: { url: 'https://c' } }, dir), { store, logger })).toBeNull();
    expect(lines).toEqual([expect.stringContaining('set cloud.url and cloud.token')]);
    store.close();
  });

  it('refuses uplink options out of range', () => {
    expect(() => resolveUplinkOptions({ url: 'http://c', token: TOKEN, concurrency: 0 })).toThrow(expect.objectContaining({ code: 'WL_UPLINK_BAD_OPTION' }));
    expect(() => resolveUplinkOptions({ url: 'nope', token: TOKEN })).toThrow(/url must be an absolute/);
    expect(() => resolveUplinkOptions({ url: 'http://c', token: '' })).toThrow(/token/);
    expect(() => resolveUplinkOptions({ url: 'http://c', token: TOKEN, tls: { cert: 'x' } })).toThrow(/both a client certificate and its key/);
  });
});
