/**
 * Table-driven: every entry of the settings table round-trips through its config-file key,
 * its variable wins over the file and its flag over the variable, and a bad value from any
 * of them is refused naming the field (and the variable or flag it came from).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigError } from '@wardlink/shared';
import { pick } from './fields.js';
import { loadGatewayConfig, redactedConfig } from './load.js';
import { defaultConfig } from './schema.js';
import { SETTINGS } from './settings.js';
import { SAMPLES, type Sample } from './testing/samples.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wl-settings-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes the config file from dotted keys, nested as a file holds them. */
function writeFile(flat: Record<string, unknown>): string {
  const root: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(flat)) {
    const parts = path.split('.');
    let cur = root;
    for (const part of parts.slice(0, -1)) cur = (cur[part] ??= {}) as Record<string, unknown>;
    cur[parts[parts.length - 1]!] = value;
  }
  const path = join(dir, 'gateway.json');
  writeFileSync(path, JSON.stringify(root));
  return path;
}

const load = (flat: Record<string, unknown>, env: Record<string, string> = {}, flags: Record<string, string> = {}) =>
  loadGatewayConfig({ path: writeFile(flat), env, flags }) as unknown as Record<string, unknown>;
const wanted = (s: Sample): unknown => (typeof s.want === 'function' ? (s.want as (d: string) => unknown)(dir) : (s.want ?? s.good));

function refusal(f: () => unknown): ConfigError {
  try {
    f();
  } catch (err) {
    return err as ConfigError;
  }
  throw new Error('the value was accepted');
}

const namesField = (err: ConfigError, path: string) => err.field === path || err.field.startsWith(`${path}.`) || err.field.startsWith(`${path}[`);

describe('the settings table', () => {
  it('has a sample for every setting, and none for a setting it lacks', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(SETTINGS.map((s) => s.path).sort());
  });

  it('names each variable and flag once, and gives no secret a flag (it would show in ps)', () => {
    const envs = SETTINGS.flatMap((s) => (s.env ? [s.env] : []));
    const flags = SETTINGS.flatMap((s) => (s.flag ? [s.flag] : []));
    expect(new Set(envs).size).toBe(envs.length);
    expect(new Set(flags).size).toBe(flags.length);
    expect(envs.every((e) => e.startsWith('WARDLINK_'))).toBe(true);
    expect(SETTINGS.filter((s) => s.secret && s.flag)).toEqual([]);
  });

  it('holds defaults its own rules accept', () => {
    expect(() => defaultConfig(dir)).not.toThrow();
  });
});

describe.each(SETTINGS.map((s) => [s.path, s] as const))('%s', (path, setting) => {
  const sample = SAMPLES[path]!;
  const inFile = { ...sample.with, [path]: sample.good };

  it('round-trips through its config-file key, over the default', () => {
    expect(pick(load(inFile), path)).toEqual(wanted(sample));
    expect(wanted(sample)).not.toEqual(pick(defaultConfig(dir) as unknown as Record<string, unknown>, path));
  });

  it('refuses a bad value in the file, naming the field', () => {
    const err = refusal(() => load({ ...sample.with, [path]: sample.bad }));
    expect(err).toMatchObject({ code: 'WL_CONFIG_INVALID' });
    expect(namesField(err, path), err.message).toBe(true);
  });

  const env = setting.env;
  if (env !== undefined) {
    it(`takes ${env} over the file, an empty one as unset, and names it on a bad value`, () => {
      const [[envText, envWant], [otherText]] = sample.texts!;
      expect(envWant).not.toEqual(wanted(sample));
      expect(pick(load(inFile, { [env]: envText }), path)).toEqual(envWant);
      expect(pick(load(inFile, { [env]: '' }), path)).toEqual(wanted(sample));
      expect(pick(load({}, { [env]: otherText }), path)).toEqual(sample.texts![1][1]);
      const err = refusal(() => load(inFile, { [env]: String(sample.bad) }));
      expect(err.field).toBe(path);
      expect(err.message).toContain(`(from ${env})`);
      if (setting.secret) expect(err.message).not.toContain(String(sample.bad));
    });
  }

  const flag = setting.flag;
  if (flag !== undefined) {
    it(`takes ${flag} over the variable and the file, and names it on a bad value`, () => {
      const [[envText, envWant], [flagText, flagWant]] = sample.texts!;
      expect(flagWant).not.toEqual(envWant);
      const envs = env === undefined ? {} : { [env]: envText };
      expect(pick(load(inFile, envs, { [path]: flagText }), path)).toEqual(flagWant);
      const err = refusal(() => load(inFile, envs, { [path]: String(sample.bad) }));
      expect(err.field).toBe(path);
      expect(err.message).toContain(`(from ${flag})`);
    });
  }

  if (setting.secret) {
    it('never reaches JSON, and prints as ***', () => {
      const config = load(inFile);
      expect(pick(config, path)).toBe(sample.good);
      expect(JSON.stringify(config)).not.toContain(`"${String(sample.good)}"`);
      expect(pick(redactedConfig(config as never), path)).toBe('***');
    });
  }

  if (setting.display) {
    it('prints without the password its URL carries', () => {
      const withPassword = String(sample.good).replace('//', '//user:hunter2@');
      const shown = JSON.stringify(redactedConfig(loadGatewayConfig({ path: writeFile({ ...inFile, [path]: withPassword }), env: {} })));
      expect(shown).not.toContain('hunter2');
      expect(shown).toContain('user:***@');
    });
  }
});
