import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadGatewayConfig, redactedConfig } from './load.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wl-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(obj: unknown): string {
  const path = join(dir, 'gateway.json');
  writeFileSync(path, typeof obj === 'string' ? obj : JSON.stringify(obj));
  return path;
}

describe('gateway config', () => {
  it('takes the alarm engine timings from alarms.engine, checked at start', () => {
    const engine = { renotifyEveryMs: 60_000, commLoss: { defaultMs: 8_000, byFormat: { 'hl7-mllp': 12_000 } }, technical: { 'sensor-off': { delayMs: 3_000 } } };
    const cfg = loadGatewayConfig({ path: write({ alarms: { engine } }), env: {} });
    expect(cfg.alarms.engine).toEqual(engine);
    expect(loadGatewayConfig({ path: write({}), env: {} }).alarms.engine).toEqual({});
  });

  it('resolves file, then environment, then defaults', () => {
    const path = write({ gatewayId: 'icu-3a', mqtt: { port: 1884 }, buffer: { durability: 'normal' } });
    const cfg = loadGatewayConfig({ path, env: { WARDLINK_MQTT_PORT: '2883', WARDLINK_LOG_LEVEL: 'warn' } });
    expect(cfg.gatewayId).toBe('icu-3a');
    expect(cfg.mqtt.port).toBe(2883);
    expect(cfg.log.level).toBe('warn');
    expect(cfg.buffer.durability).toBe('normal');
    expect(cfg.hl7.port).toBe(2575);
    expect(cfg.databasePath).toBe(join(dir, 'gateway.db'));
  });

  it.each([
    [{ mqtt: { port: 70000 } }, 'mqtt.port'],
    [{ gatewayId: 'has space' }, 'gatewayId'],
    [{ buffer: { durability: 'sometimes' } }, 'buffer.durability'],
    [{ cloud: { url: 'ftp://x' } }, 'cloud.url'],
    [{ mqtt: { bridge: { url: 'mqtt://127.0.0.1:1883' } } }, 'mqtt.bridge.topicFilter'],
    [{ bogus: 1 }, 'bogus'],
    [{ alarms: { engine: { commLoss: { defaultMs: 10 } } } }, 'alarms.engine.commLoss.defaultMs'],
    [{ alarms: { engine: { commLoss: { byFormat: { 'hl7-mllp': -1 } } } } }, 'alarms.engine.commLoss.byFormat.hl7-mllp'],
    [{ alarms: { engine: { renotifyEvryMs: 60_000 } } }, 'alarms.engine.renotifyEvryMs'],
    [{ alarms: { engine: { technical: { 'comm-loss': { priority: 'urgent' } } } } }, 'alarms.engine.technical.comm-loss.priority'],
    [{ alarms: { engine: { technical: { 'no-such-alarm': {} } } } }, 'alarms.engine.technical.no-such-alarm'],
  ])('rejects %j naming the field', (raw, field) => {
    const path = write(raw);
    expect(() => loadGatewayConfig({ path, env: {} })).toThrow(expect.objectContaining({ code: 'WL_CONFIG_INVALID', field }));
  });

  it('reports unreadable and malformed files with a stable code', () => {
    expect(() => loadGatewayConfig({ path: join(dir, 'missing.json'), env: {} })).toThrow(
      expect.objectContaining({ code: 'WL_CONFIG_FILE' }),
    );
    const path = write('{ not json');
    expect(() => loadGatewayConfig({ path, env: {} })).toThrow(expect.objectContaining({ code: 'WL_CONFIG_FILE' }));
  });

  it('never lets the cloud token reach JSON or logs', () => {
    const path = write({ cloud: { url: 'https://user:pw@cloud.example/', token: 'tok-very-secret' } });
    const cfg = loadGatewayConfig({ path, env: {} });
    expect(cfg.cloud.token).toBe('tok-very-secret');
    expect(JSON.stringify(cfg)).not.toContain('tok-very-secret');
    const shown = JSON.stringify(redactedConfig(cfg));
    expect(shown).not.toContain('tok-very-secret');
    expect(shown).not.toContain(':pw@');
    expect(shown).toContain('"token":"***"');
  });
});
