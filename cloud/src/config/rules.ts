/**
 * One rule per kind of setting. A rule turns a raw value (a JSON value from the file or
 * a flag, or a string from the environment) into the typed value, or throws a
 * ConfigError that names the field, where the value came from, and what is allowed.
 */
import { isAbsolute, resolve } from 'node:path';
import { validate as isValidCron } from 'node-cron';
import { ConfigError, describedRule } from '@wardlink/shared';
import { redactUrl } from './redact.js';

export type Origin = { kind: 'override' } | { kind: 'file'; path: string } | { kind: 'env'; name: string } | { kind: 'default' };

export interface RuleContext {
  readonly field: string;
  readonly origin: Origin;
  readonly cwd: string;
}

export type Rule = (raw: unknown, ctx: RuleContext) => unknown;

function where(origin: Origin): string {
  switch (origin.kind) {
    case 'env':
      return `(from ${origin.name})`;
    case 'file':
      return `(in ${origin.path})`;
    case 'override':
      return '(from the command line)';
    case 'default':
      return '(default)';
  }
}

function fail(ctx: RuleContext, rule: string, shownValue: unknown): never {
  throw new ConfigError(ctx.field, `${where(ctx.origin)} ${rule}`.trim(), shownValue);
}

// Each rule is also described (describedRule) for the configuration reference
// (docs/cloud-config.md); the check itself is unchanged.
export function intRule(min: number, max: number): Rule {
  return describedRule(integerIn(min, max), { type: 'integer', min, max });
}

function integerIn(min: number, max: number): Rule {
  return (raw, ctx) => {
    // The environment only has strings; a file or flag must give a real number, so a
    // quoted "20" in JSON is reported rather than silently accepted.
    const n = ctx.origin.kind === 'env' && typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
      fail(ctx, `must be an integer from ${min} to ${max}`, raw);
    }
    return n;
  };
}

const postgresUrl: Rule = (raw, ctx) => {
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
export const postgresUrlRule: Rule = describedRule(postgresUrl, { type: 'URL', protocols: ['postgres:', 'postgresql:'], note: 'naming a host' });

export const hostRule: Rule = describedRule(
  (raw, ctx) => {
    if (typeof raw !== 'string' || !/^[A-Za-z0-9.:\-[\]]+$/.test(raw)) fail(ctx, 'must be a host name or IP address', raw);
    return raw;
  },
  { type: 'host name or IP address' },
);

export const pathRule: Rule = describedRule(
  (raw, ctx) => {
    if (typeof raw !== 'string' || raw.trim() === '') fail(ctx, 'must be a non-empty path', raw);
    return isAbsolute(raw) ? raw : resolve(ctx.cwd, raw);
  },
  { type: 'path', note: 'relative to the working directory' },
);

export const cronRule: Rule = describedRule(
  (raw, ctx) => {
    if (typeof raw !== 'string' || !isValidCron(raw)) fail(ctx, 'must be a cron expression such as "17 * * * *"', raw);
    return raw;
  },
  { type: 'cron expression', note: 'minute hour day month weekday' },
);

export const boolRule: Rule = describedRule(
  (raw, ctx) => {
    if (raw === true || raw === false) return raw;
    if (ctx.origin.kind === 'env' && typeof raw === 'string' && /^(true|false|1|0)$/.test(raw.trim())) return raw.trim() === 'true' || raw.trim() === '1';
    return fail(ctx, 'must be true or false', raw);
  },
  { type: 'true or false', note: 'a variable also takes 1 or 0' },
);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const logLevelRule: Rule = describedRule(
  (raw, ctx) => {
    if (typeof raw !== 'string' || !(LOG_LEVELS as readonly string[]).includes(raw)) fail(ctx, `must be one of ${LOG_LEVELS.join(', ')}`, raw);
    return raw;
  },
  { type: 'text', choices: LOG_LEVELS },
);

/** What one `serve` instance answers (config server.role; api/role/service-role.ts). */
export const SERVICE_ROLES = ['all', 'ingest', 'read'] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];

export const serviceRoleRule: Rule = describedRule(
  (raw, ctx) => {
    if (typeof raw !== 'string' || !(SERVICE_ROLES as readonly string[]).includes(raw)) fail(ctx, `must be one of ${SERVICE_ROLES.join(', ')}`, raw);
    return raw;
  },
  { type: 'text', choices: SERVICE_ROLES },
);
