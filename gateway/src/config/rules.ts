/**
 * The rules the gateway's settings table uses: each checks a raw value (JSON from the
 * file, text from a variable or flag) with the checks in fields.ts and returns the typed
 * value. Domain rules (host lists, viewers, the alarm engine) live with their section.
 */
import { resolve } from 'node:path';
import type { SettingContext, SettingRule } from '@wardlink/shared';
import { bool, int, oneOf, redactUrl, refuse, str, stringList, url, type At } from './fields.js';

/** The field, and the variable or flag its value came from when not the file. */
export function at(ctx: SettingContext): At {
  const o = ctx.origin;
  return { field: ctx.field, from: o.kind === 'env' || o.kind === 'flag' ? o.name : undefined };
}

export const integer =
  (min: number, max: number): SettingRule =>
  (raw, ctx) =>
    int(raw, at(ctx), min, max);

export const text =
  (opts: { pattern?: RegExp; allowEmpty?: boolean } = {}): SettingRule =>
  (raw, ctx) =>
    str(raw, at(ctx), opts);

export const choice =
  (choices: readonly string[]): SettingRule =>
  (raw, ctx) =>
    oneOf(raw, at(ctx), choices);

export const yesNo: SettingRule = (raw, ctx) => bool(raw, at(ctx));

export const urlWith =
  (...protocols: string[]): SettingRule =>
  (raw, ctx) =>
    url(raw, at(ctx), protocols);

export const strings: SettingRule = (raw, ctx) => stringList(raw, at(ctx));

/** The data folder: relative to the config file's folder, so a copied folder keeps working.
 * An empty string is the config file's folder itself, as it always was. */
export const dataFolder: SettingRule = (raw, ctx) => resolve(ctx.base, str(raw, at(ctx), { allowEmpty: true }));

/** A file (database, PEM): relative to the data folder unless absolute. */
export const fileInDataDir: SettingRule = (raw, ctx) => resolve(ctx.value('dataDir') as string, str(raw, at(ctx)));

const MQTT_URL = ['mqtt:', 'mqtts:', 'tcp:', 'ssl:'];
export const mqttUrl = urlWith(...MQTT_URL);

/** The cloud token is checked without ever echoing it into the message. */
export const cloudToken: SettingRule = (raw, ctx) => {
  if (typeof raw !== 'string' || !/^[\x21-\x7e]{1,1024}$/.test(raw)) {
    refuse(at(ctx), 'must be the token printed by "wardlink-cloud gateway add" (printable ASCII, no spaces)');
  }
  return raw;
};

/** How `config show` prints a URL: without the password it may carry. */
export const urlDisplay = (value: unknown): unknown => (typeof value === 'string' ? redactUrl(value) : value);

/** A password: a non-empty string, never echoed into the message. */
export const secretText: SettingRule = (raw, ctx) => {
  if (typeof raw !== 'string' || raw.length === 0) refuse(at(ctx), 'must be a non-empty string');
  return raw;
};
