/**
 * A tiny declarative validator for configuration: each field names its path, type and
 * bounds, so a bad value is reported as `mqtt.port must be an integer between 0 and 65535`.
 */
import { ConfigError } from '@wardlink/shared';

type Json = Record<string, unknown>;

export function pick(obj: Json, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[key];
  }
  return cur;
}

export function int(value: unknown, field: string, min: number, max: number): number {
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(field, `must be an integer between ${min} and ${max}`, value);
  }
  return n;
}

export function str(value: unknown, field: string, opts: { pattern?: RegExp; allowEmpty?: boolean } = {}): string {
  if (typeof value !== 'string' || (!opts.allowEmpty && value.length === 0)) {
    throw new ConfigError(field, 'must be a non-empty string', value);
  }
  if (opts.pattern && !opts.pattern.test(value)) {
    throw new ConfigError(field, `must match ${opts.pattern.source}`, value);
  }
  return value;
}

export function oneOf<T extends string>(value: unknown, field: string, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new ConfigError(field, `must be one of ${choices.join(', ')}`, value);
  }
  return value as T;
}

export function bool(value: unknown, field: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  if (typeof value !== 'boolean') throw new ConfigError(field, 'must be true or false', value);
  return value;
}

export function url(value: unknown, field: string, protocols: readonly string[]): string {
  const s = str(value, field);
  let parsed: URL;
  try {
    parsed = new URL(s);
  } catch {
    throw new ConfigError(field, 'must be an absolute URL', redactUrl(s));
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(field, `must use ${protocols.join(' or ')}`, redactUrl(s));
  }
  return s;
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
