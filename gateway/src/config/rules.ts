/**
 * The rules the gateway's settings table uses: each checks a raw value (JSON from the
 * file, text from a variable or flag) with the checks in fields.ts and returns the typed
 * value. Domain rules (host lists, viewers, the alarm engine) live with their section.
 */
import { resolve } from 'node:path';
import { describedRule, type SettingContext, type SettingRule } from '@wardlink/shared';
import { bool, int, oneOf, redactUrl, refuse, str, stringList, url, type At } from './fields.js';

/** The field, and the variable or flag its value came from when not the file. */
export function at(ctx: SettingContext): At {
  const o = ctx.origin;
  return { field: ctx.field, from: o.kind === 'env' || o.kind === 'flag' ? o.name : undefined };
}

// Each builder also describes its rule (describedRule) for the configuration reference
// (docs/gateway-config.md); the check itself is unchanged.
export const integer = (min: number, max: number): SettingRule =>
  describedRule((raw, ctx) => int(raw, at(ctx), min, max), { type: 'integer', min, max });

export const text = (opts: { pattern?: RegExp; allowEmpty?: boolean } = {}): SettingRule =>
  describedRule((raw, ctx) => str(raw, at(ctx), opts), {
    type: opts.allowEmpty ? 'text' : 'non-empty text',
    ...(opts.pattern ? { pattern: opts.pattern.source } : {}),
  });

export const choice = (choices: readonly string[]): SettingRule =>
  describedRule((raw, ctx) => oneOf(raw, at(ctx), choices), { type: 'text', choices });

export const yesNo: SettingRule = describedRule((raw, ctx) => bool(raw, at(ctx)), { type: 'true or false' });

export const urlWith = (...protocols: string[]): SettingRule =>
  describedRule((raw, ctx) => url(raw, at(ctx), protocols), { type: 'URL', protocols });

export const strings: SettingRule = describedRule((raw, ctx) => stringList(raw, at(ctx)), { type: 'list of non-empty texts' });

/** The data folder: relative to the config file's folder, so a copied folder keeps working.
 * An empty string is the config file's folder itself, as it always was. */
export const dataFolder: SettingRule = describedRule((raw, ctx) => resolve(ctx.base, str(raw, at(ctx), { allowEmpty: true })), {
  type: 'path',
  note: "relative to the config file's folder",
});

/** A file (database, PEM): relative to the data folder unless absolute. */
export const fileInDataDir: SettingRule = describedRule((raw, ctx) => resolve(ctx.value('dataDir') as string, str(raw, at(ctx))), {
  type: 'path',
  note: 'relative to dataDir',
});

const MQTT_URL = ['mqtt:', 'mqtts:', 'tcp:', 'ssl:'];
export const mqttUrl = urlWith(...MQTT_URL);

/** The cloud token is checked without ever echoing it into the message. */
export const cloudToken: SettingRule = describedRule(
  (raw, ctx) => {
    if (typeof raw !== 'string' || !/^[\x21-\x7e]{1,1024}$/.test(raw)) {
      refuse(at(ctx), 'must be the token printed by "wardlink-cloud gateway add" (printable ASCII, no spaces)');
    }
    return raw;
  },
  { type: 'text', note: 'printable ASCII without spaces, 1 to 1024 characters' },
);

/** How `config show` prints a URL: without the password it may carry. */
export const urlDisplay = (value: unknown): unknown => (typeof value === 'string' ? redactUrl(value) : value);

/** A password: a non-empty string, never echoed into the message. */
export const secretText: SettingRule = describedRule(
  (raw, ctx) => {
    if (typeof raw !== 'string' || raw.length === 0) refuse(at(ctx), 'must be a non-empty string');
    return raw;
  },
  { type: 'non-empty text' },
);
