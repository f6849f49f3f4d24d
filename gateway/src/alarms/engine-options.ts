/**
 * The engine's options, checked once where they enter, with their defaults.
 * Priorities of technical alarms are ours: IEC 60601-1-8 leaves them to the manufacturer.
 * Losing a patient's data (comm-loss, port-gone) is medium; a sensor off, an invalid
 * value or demo data is low (the monitor at the bedside shows them too); buffer and
 * uplink alarms are for IT.
 */
import { AlarmOptionError, ALARM_PRIORITIES, type AlarmPriority } from '@wardlink/shared';
import type { LifecycleOptions } from './alarm-book.js';
import type { TechnicalSpec } from './technical-condition.js';
import type { CommLossOptions } from './technical-device.js';
import type { TechnicalCondition } from './types.js';

export interface AlarmEngineOptions {
  /** Reminder period of an unacknowledged high-priority alarm, ms. Default 30 s. */
  renotifyEveryMs?: number;
  /** Escalation to the second target after this long unacknowledged, ms. Default 120 s. */
  escalateAfterMs?: number;
  /** Which priorities latch. Default ['high']. */
  latching?: readonly AlarmPriority[];
  /** Comm-loss thresholds. Default 5 s for every device: several missed records of a 1 Hz
   * monitor (OpenICE calls a pulse oximeter lost after 1.1 s of quiet; 5 s tolerates the
   * jitter and bursts of serial and MQTT links). Set per format for slower monitors. */
  commLoss?: Partial<CommLossOptions>;
  /** Per technical condition: priority and hold delay. */
  technical?: Partial<Record<TechnicalCondition, Partial<TechnicalSpec>>>;
  /** How long the uplink may be down before IT is alarmed, ms. Default 10 min. */
  uplinkDownAfterMs?: number;
  /** The grid of the comm-loss sweep, ms: comm-loss is raised at most this long after the
   * threshold. Default 250. The sweep runs only when a device can be due (engine.ts). */
  sweepEveryMs?: number;
}

export interface ResolvedEngineOptions {
  lifecycle: LifecycleOptions;
  commLoss: CommLossOptions;
  technical: Record<TechnicalCondition, TechnicalSpec>;
  uplinkDownAfterMs: number;
  sweepEveryMs: number;
}

export const TECHNICAL_DEFAULTS: Readonly<Record<TechnicalCondition, TechnicalSpec>> = {
  'comm-loss': { priority: 'medium', delayMs: 0 },
  'port-gone': { priority: 'medium', delayMs: 0 },
  'sensor-off': { priority: 'low', delayMs: 0 },
  'invalid-value': { priority: 'low', delayMs: 0 },
  'demo-mode': { priority: 'low', delayMs: 0 },
  // The data still flows and alarms still sound (on receive times), but history is filed
  // at the gateway's time and the monitor needs fixing.
  'device-clock': { priority: 'low', delayMs: 0 },
  // Readings may belong to someone else: the nurse must check the patient at the bed now.
  'patient-mismatch': { priority: 'medium', delayMs: 0 },
  'buffer-80': { priority: 'low', delayMs: 0 },
  'buffer-95': { priority: 'medium', delayMs: 0 },
  // The ward's readings are not being stored (local alarms still sound): nurses and IT.
  'buffer-disk-full': { priority: 'medium', delayMs: 0 },
  'uplink-down': { priority: 'low', delayMs: 0 },
  // Alarms no longer reach the nurses' phones and pagers (alarms/pcd04): they must watch
  // the nurse station. The delay is the watchdog's own (alarms.pcd04.downAfterMs).
  'alarm-manager-down': { priority: 'medium', delayMs: 0 },
};

function ms(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || !Number.isInteger(v) || v < min) throw new AlarmOptionError(name, `must be an integer number of ms >= ${min}`, value);
  return v;
}

function priority(name: string, value: string): AlarmPriority {
  if (!(ALARM_PRIORITIES as readonly string[]).includes(value)) throw new AlarmOptionError(name, 'must be high, medium or low', value);
  return value as AlarmPriority;
}

export function resolveEngineOptions(opts: AlarmEngineOptions = {}): ResolvedEngineOptions {
  const technical = {} as Record<TechnicalCondition, TechnicalSpec>;
  for (const [condition, spec] of Object.entries(TECHNICAL_DEFAULTS) as [TechnicalCondition, TechnicalSpec][]) {
    const given = opts.technical?.[condition] ?? {};
    technical[condition] = {
      priority: priority(`technical.${condition}.priority`, given.priority ?? spec.priority),
      delayMs: ms(`technical.${condition}.delayMs`, given.delayMs, spec.delayMs, 0),
    };
  }
  const thresholds = (name: string, map: Readonly<Record<string, number>> | undefined) => {
    for (const [k, v] of Object.entries(map ?? {})) ms(`commLoss.${name}.${k}`, v, 0, 100);
    return map ?? {};
  };
  return {
    lifecycle: {
      renotifyEveryMs: ms('renotifyEveryMs', opts.renotifyEveryMs, 30_000, 1000),
      escalateAfterMs: ms('escalateAfterMs', opts.escalateAfterMs, 120_000, 1000),
      latching: (opts.latching ?? ['high']).map((p) => priority('latching[]', p)),
    },
    commLoss: {
      defaultMs: ms('commLoss.defaultMs', opts.commLoss?.defaultMs, 5000, 100),
      byKind: thresholds('byKind', opts.commLoss?.byKind),
      byFormat: thresholds('byFormat', opts.commLoss?.byFormat),
    },
    technical,
    uplinkDownAfterMs: ms('uplinkDownAfterMs', opts.uplinkDownAfterMs, 10 * 60_000, 0),
    sweepEveryMs: ms('sweepEveryMs', opts.sweepEveryMs, 250, 10),
  };
}
