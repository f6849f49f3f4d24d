/**
 * One rule per kind of setting, of the shared settings table's rule type. A rule turns a
 * raw value (a JSON value from the file or the overrides, or text from the environment or
 * a flag) into the typed value, or throws a ConfigError that names the field, where the
 * value came from, and what is allowed.
 */
import { isAbsolute, resolve } from 'node:path';
import { validate as isValidCron } from 'node-cron';
import { ConfigError, describedRule, type SettingContext, type SettingOrigin, type SettingRule } from '@wardlink/shared';
import { redactUrl } from './redact.js';

function where(origin: SettingOrigin): string {
  switch (origin.kind) {
    case 'env':
      return `(from ${origin.name})`;
    case 'file':
      return origin.path === undefined ? '(in the config file)' : `(in ${origin.path})`;
    case 'flag':
      // A value passed in code (the overrides of tests and tools) is named by its path, not a flag.
      return origin.name.startsWith('-') ? `(from ${origin.name})` : '(from the command line)';
    case 'default':
      return '(default)';
  }
}

/** Throws a ConfigError naming the field and where its value came from. */
export function fail(ctx: SettingContext, rule: string, shownValue: unknown): never {
  throw new ConfigError(ctx.field, `${where(ctx.origin)} ${rule}`.trim(), shownValue);
}

/** The environment and the command line only have text: a number or true/false may come
 * as text from them, never from the file, so a quoted "20" in JSON is reported. */
const fromText = (ctx: SettingContext) => ctx.origin.kind === 'env' || ctx.origin.kind === 'flag';

// Each rule is also described (describedRule) for the configuration reference
// (docs/cloud-config.md); the check itself is unchanged.
export function intRule(min: number, max: number): SettingRule {
  return describedRule(integerIn(min, max), { type: 'integer', min, max });
}

function integerIn(min: number, max: number): SettingRule {
  return (raw, ctx) => {
    const n = fromText(ctx) && typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
      fail(ctx, `must be an integer from ${min} to ${max}`, raw);
    }
    return n;
  };
}

const postgresUrl: SettingRule = (raw, ctx) => {
  if (typeof raw !== 'string' || raw.trim() === '') fail(ctx, 'must be a postgres:// connection string', typeof raw === 'string' ? redactUrl(raw) : raw);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    // Never echo an unparseable string whole: it may still hold a password.
    return fail(ctx, 'must be a valid postgres://user:password@host:port/database URL', redactUrl(raw));
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    fail(ctx, `must use postgres:// or postgresql://, not ${parsed.protocol}//`, redactUrl(raw));
  }
  if (parsed.hostname === '' && !parsed.searchParams.has('host')) {
    fail(ctx, 'must name a host', redactUrl(raw));
  }
  return raw;
};
export const postgresUrlRule: SettingRule = describedRule(postgresUrl, { type: 'URL', protocols: ['postgres:', 'postgresql:'], note: 'naming a host' });

export const hostRule: SettingRule = describedRule(
  (raw, ctx) => {
    if (typeof raw !== 'string' || !/^[A-Za-z0-9.:\-[\]]+$/.test(raw)) fail(ctx, 'must be a host name or IP address', raw);
    return raw;
  },
  { type: 'host name or IP address' },
);

export const pathRule: SettingRule = describedRule(
  (raw, ctx) => {
    if (typeof raw !== 'string' || raw.trim() === '') fail(ctx, 'must be a non-empty path', raw);
    return isAbsolute(raw) ? raw : resolve(ctx.base, raw);
  },
  { type: 'path', note: 'relative to the working directory' },
);

export const cronRule: SettingRule = describedRule(
  (raw, ctx) => {
    if (typeof raw !== 'string' || !isValidCron(raw)) fail(ctx, 'must be a cron expression such as "17 * * * *"', raw);
    return raw;
  },
  { type: 'cron expression', note: 'minute hour day month weekday' },
);

export const boolRule: SettingRule = describedRule(
  (raw, ctx) => {
    if (raw === true || raw === false) return raw;
    if (fromText(ctx) && typeof raw === 'string' && /^(true|false|1|0)$/.test(raw.trim())) return raw.trim() === 'true' || raw.trim() === '1';
    return fail(ctx, 'must be true or false', raw);
  },
  { type: 'true or false', note: 'a variable also takes 1 or 0' },
);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const logLevelRule: SettingRule = describedRule(
  (raw, ctx) => {
    if (typeof raw !== 'string' || !(LOG_LEVELS as readonly string[]).includes(raw)) fail(ctx, `must be one of ${LOG_LEVELS.join(', ')}`, raw);
    return raw;
  },
  { type: 'text', choices: LOG_LEVELS },
);

/** What one `serve` instance answers (config server.role; api/role/service-role.ts). */
export const SERVICE_ROLES = ['all', 'ingest', 'read'] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];

export const serviceRoleRule: SettingRule = describedRule(
  (raw, ctx) => {
    if (typeof raw !== 'string' || !(SERVICE_ROLES as readonly string[]).includes(raw)) fail(ctx, `must be one of ${SERVICE_ROLES.join(', ')}`, raw);
    return raw;
  },
  { type: 'text', choices: SERVICE_ROLES },
);
