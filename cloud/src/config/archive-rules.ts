/**
 * Rules of the archive store's settings (archive.*): which store, and the S3-compatible
 * bucket's endpoint, name and key prefix. Checked once where the value enters, naming the
 * field and the rule, like the rules of rules.ts.
 */
import type { SettingRule } from '@wardlink/shared';
import { fail } from './rules.js';

export const ARCHIVE_STORES = ['folder', 's3'] as const;
export type ArchiveStoreKind = (typeof ARCHIVE_STORES)[number];

export const archiveStoreRule: SettingRule = (raw, ctx) => {
  if (typeof raw !== 'string' || !(ARCHIVE_STORES as readonly string[]).includes(raw)) fail(ctx, `must be one of ${ARCHIVE_STORES.join(', ')}`, raw);
  return raw;
};

/** http(s)://host[:port] of an S3-compatible service, without credentials in it. */
export const s3EndpointRule: SettingRule = (raw, ctx) => {
  let url: URL | undefined;
  try {
    url = typeof raw === 'string' ? new URL(raw) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) fail(ctx, 'must be an http:// or https:// URL such as https://s3.eu-west-1.amazonaws.com', typeof raw === 'string' ? raw.slice(0, 80) : raw);
  // Never echo credentials: they belong in archive.s3AccessKeyId / s3SecretAccessKey.
  if (url.username || url.password) fail(ctx, 'must not hold credentials (set archive.s3AccessKeyId and archive.s3SecretAccessKey)', `${url.protocol}//***@${url.host}`);
  return raw;
};

/** S3 bucket naming rules (3-63 lowercase letters, digits, dots, hyphens). */
export const s3BucketRule: SettingRule = (raw, ctx) => {
  if (typeof raw !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(raw)) fail(ctx, 'must be an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)', raw);
  return raw;
};

/** A key prefix such as "wardlink/prod/": relative, '/'-ended, no '..' segment. */
export const s3PrefixRule: SettingRule = (raw, ctx) => {
  if (typeof raw !== 'string' || (raw !== '' && (!raw.endsWith('/') || raw.startsWith('/') || raw.split('/').some((s, i, all) => (s === '' && i < all.length - 1) || s === '.' || s === '..')))) {
    fail(ctx, 'must be empty or a relative key prefix ending in "/", such as "wardlink/prod/"', raw);
  }
  return raw;
};

/** A non-empty token (region, credentials); secrets are never echoed. */
export function tokenRule(what: string, secret = false): SettingRule {
  return (raw, ctx) => {
    if (typeof raw !== 'string' || raw.trim() === '' || /\s/.test(raw)) fail(ctx, `must be ${what} (non-empty, no spaces)`, secret ? '***' : raw);
    return raw;
  };
}
