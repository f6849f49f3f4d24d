import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/index.js';
import { buildSettings, printableSettings } from './build.js';
import { resolveSettings, type SettingSources } from './resolve.js';
import type { SettingRule, SettingsTable } from './table.js';

const int: SettingRule = (raw, ctx) => {
  const n = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new ConfigError(ctx.field, `must be an integer (${ctx.origin.kind})`, raw);
  return n;
};
const text: SettingRule = (raw, ctx) => {
  if (typeof raw !== 'string') throw new ConfigError(ctx.field, 'must be a string', raw);
  return raw;
};

const TABLE: SettingsTable = {
  settings: [
    { path: 'name', env: 'T_NAME', default: 'gw', rule: text },
    { path: 'server.port', env: 'T_PORT', flag: '--port', default: 80, rule: int },
    { path: 'server.hosts', default: ['a'], rule: (raw) => raw },
    { path: 'bridge.url', env: 'T_BRIDGE_URL', rule: text, display: (v) => String(v).replace(/:[^:@/]*@/, ':***@') },
    { path: 'bridge.clientId', default: (v: (p: string) => unknown) => `c-${String(v('name'))}`, rule: text },
    { path: 'bridge.password', optional: true, secret: true, rule: text },
    { path: 'token', env: 'T_TOKEN', default: null, secret: true, rule: text },
  ],
  optionalSections: ['bridge'],
  ignoredKeys: ['$schema'],
};

const resolve = (sources: SettingSources) => buildSettings(TABLE, resolveSettings(TABLE, sources)) as Record<string, Record<string, unknown>>;
const file = (values: Record<string, unknown>) => ({ values, path: '/etc/t.json' });

describe('resolveSettings', () => {
  it('takes flags over the environment, over the file, over the defaults', () => {
    const f = file({ server: { port: 81 } });
    expect(resolve({}).server!.port).toBe(80);
    expect(resolve({ file: f }).server!.port).toBe(81);
    expect(resolve({ file: f, env: { T_PORT: '82' } }).server!.port).toBe(82);
    expect(resolve({ file: f, env: { T_PORT: '82' }, flags: { 'server.port': '83' } }).server!.port).toBe(83);
    expect(resolve({ file: f, env: { T_PORT: ' ' } }).server!.port).toBe(81);
    expect(resolve({ file: file({ server: { port: null } }) }).server!.port).toBe(80);
  });

  it('tells the rule where the value came from', () => {
    expect(() => resolve({ env: { T_PORT: 'x' } })).toThrow(/server\.port must be an integer \(env\)/);
    expect(() => resolve({ flags: { 'server.port': 'x' } })).toThrow(/\(flag\)/);
  });

  it('leaves an optional section null until it is given, by the file or a variable', () => {
    expect(resolve({}).bridge).toBeNull();
    expect(resolve({ file: file({ bridge: false }) }).bridge).toBeNull();
    expect(resolve({ file: file({ bridge: { url: 'mqtt://x' } }) }).bridge).toEqual({ url: 'mqtt://x', clientId: 'c-gw' });
    expect(resolve({ file: file({ bridge: false }), env: { T_BRIDGE_URL: 'mqtt://y' } }).bridge).toMatchObject({ url: 'mqtt://y' });
    expect(() => resolve({ file: file({ bridge: {} }) })).toThrow(expect.objectContaining({ field: 'bridge.url', message: expect.stringContaining('is required when bridge is set') }));
  });

  it('refuses unknown keys, suggesting the closest, and ignores the listed ones', () => {
    expect(() => resolve({ file: file({ server: { prot: 1 } }) })).toThrow(/server\.prot is not a known setting in \/etc\/t\.json; did you mean server\.port\?/);
    expect(() => resolve({ file: file({ server: 5 }) })).toThrow(expect.objectContaining({ field: 'server' }));
    expect(() => resolve({ flags: { 'server.nope': '1' } })).toThrow(expect.objectContaining({ field: 'server.nope' }));
    expect(resolve({ file: file({ $schema: 'x' }) }).name).toBe('gw');
  });

  it('gives every config its own copy of a default list', () => {
    (resolve({}).server!.hosts as string[]).push('mutated');
    expect(resolve({}).server!.hosts).toEqual(['a']);
  });

  it('keeps secrets out of JSON and prints them masked', () => {
    const config = resolve({ file: file({ bridge: { url: 'mqtt://u:pw@x', password: 'bridge-secret' } }), env: { T_TOKEN: 'tok-secret' } });
    expect(config.token).toBe('tok-secret');
    expect(config.bridge!.password).toBe('bridge-secret');
    expect(JSON.stringify(config)).not.toMatch(/secret/);
    const shown = printableSettings(TABLE, config) as Record<string, Record<string, unknown>>;
    expect(shown.token).toBe('***');
    expect(shown.bridge).toEqual({ url: 'mqtt://u:***@x', clientId: 'c-gw', password: '***' });
    expect(printableSettings(TABLE, resolve({})).token).toBeNull();
  });
});
