/**
 * `alarms.engine`: the alarm engine's timings and technical-alarm priorities (reminder and
 * escalation periods, latching, comm-loss thresholds per device kind and format, hold
 * delays, the uplink-down delay). One setting in the table whose value is an object,
 * checked here, at start, by the engine's own rules (alarms/engine-options.ts), so a bad
 * value stops the daemon with the field's name instead of surfacing when the engine is
 * built; an unknown key (a typo) is refused too, and so is a comm-loss threshold for a
 * device kind that does not exist: it would silently leave those devices on the 5 s
 * default. `byFormat` keys are not checked here: formats can be registered at run time
 * (ingest/formats/registry.ts), after the config is read.
 */
import { AlarmOptionError, ConfigError, type SettingRule } from '@wardlink/shared';
import { resolveEngineOptions, TECHNICAL_DEFAULTS, type AlarmEngineOptions } from '../alarms/engine-options.js';
import { DEVICE_KINDS } from '../registry/types.js';
import { object } from './fields.js';

const TOP = ['renotifyEveryMs', 'escalateAfterMs', 'latching', 'commLoss', 'technical', 'uplinkDownAfterMs', 'sweepEveryMs'];
const COMM_LOSS = ['defaultMs', 'byKind', 'byFormat'];
const SPEC = ['priority', 'delayMs'];

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], field: string, what = 'a setting'): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new ConfigError(`${field}.${k}`, `is not ${what}; allowed: ${allowed.join(', ')}`);
}

export function alarmEngineConfig(given: unknown, field = 'alarms.engine'): AlarmEngineOptions {
  if (given === undefined || given === null) return {};
  const o = object(given, field);
  onlyKeys(o, TOP, field);
  if (o.commLoss !== undefined) {
    const c = object(o.commLoss, `${field}.commLoss`);
    onlyKeys(c, COMM_LOSS, `${field}.commLoss`);
    if (c.byKind !== undefined) onlyKeys(object(c.byKind, `${field}.commLoss.byKind`), DEVICE_KINDS, `${field}.commLoss.byKind`, 'a device kind');
    if (c.byFormat !== undefined) object(c.byFormat, `${field}.commLoss.byFormat`);
  }
  if (o.technical !== undefined) {
    const t = object(o.technical, `${field}.technical`);
    onlyKeys(t, Object.keys(TECHNICAL_DEFAULTS), `${field}.technical`);
    for (const [condition, spec] of Object.entries(t)) onlyKeys(object(spec, `${field}.technical.${condition}`), SPEC, `${field}.technical.${condition}`);
  }
  if (o.latching !== undefined && !Array.isArray(o.latching)) throw new ConfigError(`${field}.latching`, 'must be a list of priorities (high, medium, low)', o.latching);
  const options = o as AlarmEngineOptions;
  try {
    resolveEngineOptions(options);
  } catch (err) {
    if (err instanceof AlarmOptionError) {
      const option = String((err.detail as { option?: unknown }).option ?? '');
      throw new ConfigError(`${field}.${option}`, err.message, undefined);
    }
    throw err;
  }
  return options;
}

/** The table's rule for `alarms.engine`. */
export const alarmEngine: SettingRule = (raw, ctx) => alarmEngineConfig(raw, ctx.field);
