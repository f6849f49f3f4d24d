/**
 * `alarms.engine`: the alarm engine's timings and technical-alarm priorities (reminder and
 * escalation periods, latching, comm-loss thresholds per device kind and format, hold
 * delays, the uplink-down delay). Checked here, at start, by the engine's own rules
 * (alarms/engine-options.ts), so a bad value stops the daemon with the field's name
 * instead of surfacing when the engine is built; an unknown key (a typo) is refused too.
 */
import { AlarmOptionError, ConfigError } from '@wardlink/shared';
import { resolveEngineOptions, TECHNICAL_DEFAULTS, type AlarmEngineOptions } from '../alarms/engine-options.js';
import { pick } from './fields.js';

const TOP = ['renotifyEveryMs', 'escalateAfterMs', 'latching', 'commLoss', 'technical', 'uplinkDownAfterMs', 'sweepEveryMs'];
const COMM_LOSS = ['defaultMs', 'byKind', 'byFormat'];
const SPEC = ['priority', 'delayMs'];

function objectAt(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(field, 'must be an object', value);
  return value as Record<string, unknown>;
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], field: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new ConfigError(`${field}.${k}`, `is not a setting; allowed: ${allowed.join(', ')}`);
}

export function alarmEngineConfig(raw: Record<string, unknown>): AlarmEngineOptions {
  const given = pick(raw, 'alarms.engine');
  if (given === undefined || given === null) return {};
  const o = objectAt(given, 'alarms.engine');
  onlyKeys(o, TOP, 'alarms.engine');
  if (o.commLoss !== undefined) {
    const c = objectAt(o.commLoss, 'alarms.engine.commLoss');
    onlyKeys(c, COMM_LOSS, 'alarms.engine.commLoss');
    for (const m of ['byKind', 'byFormat'] as const) if (c[m] !== undefined) objectAt(c[m], `alarms.engine.commLoss.${m}`);
  }
  if (o.technical !== undefined) {
    const t = objectAt(o.technical, 'alarms.engine.technical');
    onlyKeys(t, Object.keys(TECHNICAL_DEFAULTS), 'alarms.engine.technical');
    for (const [condition, spec] of Object.entries(t)) onlyKeys(objectAt(spec, `alarms.engine.technical.${condition}`), SPEC, `alarms.engine.technical.${condition}`);
  }
  if (o.latching !== undefined && !Array.isArray(o.latching)) throw new ConfigError('alarms.engine.latching', 'must be a list of priorities (high, medium, low)', o.latching);
  const options = o as AlarmEngineOptions;
  try {
    resolveEngineOptions(options);
  } catch (err) {
    if (err instanceof AlarmOptionError) {
      const option = String((err.detail as { option?: unknown }).option ?? '');
      throw new ConfigError(`alarms.engine.${option}`, err.message, undefined);
    }
    throw err;
  }
  return options;
}
