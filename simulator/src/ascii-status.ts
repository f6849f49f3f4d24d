/** The trailing status word of the ASCII line formats, and when a value is written as dashes. */
import { QualityFlag, type MetricId } from '@wardlink/shared';
import type { DeviceRecord } from './types.js';

export type AsciiStatus = 'SENSOR_OFF' | 'NO_SENSOR' | 'LOW_PERF' | 'DEMO';

/** Below this perfusion index a pulse oximeter warns of low perfusion. */
export const LOW_PERFUSION_PI = 0.5;

function anyFlag(record: DeviceRecord, bit: number): boolean {
  return Object.values(record.flags).some((f) => (f & bit) !== 0);
}

/** At most one word, by precedence: DEMO, NO_SENSOR, SENSOR_OFF, LOW_PERF. */
export function asciiStatus(record: DeviceRecord): AsciiStatus | null {
  if (anyFlag(record, QualityFlag.DEMO)) return 'DEMO';
  if (record.probe === 'no-sensor') return 'NO_SENSOR';
  if (record.probe === 'probe-off' || anyFlag(record, QualityFlag.SENSOR_OFF)) return 'SENSOR_OFF';
  const pi = record.values.PI;
  if (pi !== undefined && (record.flags.PI ?? 0) === 0 && pi < LOW_PERFUSION_PI) return 'LOW_PERF';
  return null;
}

/** The value to write, or undefined when the line shows dashes (absent or sensor off).
 * A plain invalid marker (-999 without sensor-off) is written raw. */
export function shownValue(record: DeviceRecord, metric: MetricId): number | undefined {
  const value = record.values[metric];
  if (value === undefined || ((record.flags[metric] ?? 0) & QualityFlag.SENSOR_OFF) !== 0) return undefined;
  return value;
}
