/** The `ascii-kv` line: `SPO2=97 BPM=72 PI=3.10 RR=16 HR=72 TEMP=36.6 ETCO2=38 [STATUS]`. */
import type { MetricId } from '@wardlink/shared';
import { asciiStatus, shownValue } from './ascii-status.js';
import type { DeviceRecord } from './types.js';
import { formatValue } from './value-format.js';

/** Always written (dashes when absent), then written only when the record has them. */
const ALWAYS: ReadonlyArray<[string, MetricId]> = [['SPO2', 'SPO2'], ['BPM', 'PR'], ['PI', 'PI'], ['RR', 'RR']];
const OPTIONAL: ReadonlyArray<[string, MetricId]> = [['HR', 'HR'], ['TEMP', 'TEMP'], ['ETCO2', 'ETCO2']];

export function toAsciiKvLine(record: DeviceRecord): string {
  const parts: string[] = [];
  for (const [label, metric] of ALWAYS) {
    const v = shownValue(record, metric);
    parts.push(`${label}=${v === undefined ? '--' : formatValue(metric, v, record.flags[metric])}`);
  }
  for (const [label, metric] of OPTIONAL) {
    if (record.values[metric] === undefined) continue;
    const v = shownValue(record, metric);
    parts.push(`${label}=${v === undefined ? '--' : formatValue(metric, v, record.flags[metric])}`);
  }
  const status = asciiStatus(record);
  if (status) parts.push(status);
  return `${parts.join(' ')}\r\n`;
}
