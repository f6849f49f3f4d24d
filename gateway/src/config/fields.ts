/**
 * The value checks behind the gateway's setting rules: each names the field, and where the
 * value came from when that was not the config file, so a bad value reads as
 * `mqtt.port (from WARDLINK_MQTT_PORT) must be an integer between 0 and 65535`.
 * Numbers and booleans are also accepted as text from any source, as the gateway always
 * has: the environment and flags only have text, and files written by hand quote them.
 */
import { ConfigError } from '@wardlink/shared';

type Json = Record<string, unknown>;

/** A field's name, and the variable or flag its value came from (none: the file). */
export type At = string | { readonly field: string; readonly from?: string | undefined };

function fail(at: At, rule: string, value?: unknown): never {
  if (typeof at === 'string') throw new ConfigError(at, rule, value);
  throw new ConfigError(at.field, at.from === undefined ? rule : `(from ${at.from}) ${rule}`, value);
}

export function pick(obj: Json, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[key];
  }
  return cur;
}

export function int(value: unknown, at: At, min: number, max: number): number {
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) fail(at, `must be an integer between ${min} and ${max}`, value);
  return n;
}

export function str(value: unknown, at: At, opts: { pattern?: RegExp; allowEmpty?: boolean } = {}): string {
  if (typeof value !== 'string' || (!opts.allowEmpty && value.length === 0)) fail(at, 'must be a non-empty string', value);
  if (opts.pattern && !opts.pattern.test(value)) fail(at, `must match ${opts.pattern.source}`, value);
  return value;
}

export function oneOf<T extends string>(value: unknown, at: At, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) fail(at, `must be one of ${choices.join(', ')}`, value);
  return value as T;
}

export function bool(value: unknown, at: At): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  if (typeof value !== 'boolean') fail(at, 'must be true or false', value);
  return value;
}

export function url(value: unknown, at: At, protocols: readonly string[]): string {
  const s = str(value, at);
  let parsed: URL;
  try {
    parsed = new URL(s);
  } catch {
    return fail(at, 'must be an absolute URL', redactUrl(s));
  }
  if (!protocols.includes(parsed.protocol)) fail(at, `must use ${protocols.join(' or ')}`, redactUrl(s));
  return s;
}

/** A list of non-empty strings, trimmed. */
export function stringList(value: unknown, at: At): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.trim() !== '')) fail(at, 'must be a list of non-empty strings', value);
  return value.map((v: string) => v.trim());
}

/** A JSON object (not a list), for settings whose value is a map. */
export function object(value: unknown, at: At, what = 'must be an object'): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(at, what, value);
  return value as Json;
}

/** Fails naming the field; for rules whose check is their own. */
export function refuse(at: At, rule: string, value?: unknown): never {
  return fail(at, rule, value);
}

/** Hides a password embedded in a URL, for messages and logs. */
export function redactUrl(s: string): string {
  try {
    const u = new URL(s);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return s.replace(/\/\/[^@/]*@/, '//***@');
  }
}
