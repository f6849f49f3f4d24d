/**
 * The `ascii-ts` line, Masimo Radical-7 serial style:
 * `11/29/26 08:00:01 SN=0000012345 SPO2=097% BPM=072 PI=03.10% ALARM=0000 EXC=000000 [STATUS]`.
 */
import type { MetricId } from '@wardlink/shared';
import { asciiStatus, shownValue } from './ascii-status.js';
import { deviceSerialNumber } from './device-ids.js';
import { asciiTimestamp } from './time-format.js';
import type { DeviceRecord } from './types.js';

/** A fixed-width field: `width` integer digits and `decimals` decimals, zero-padded;
 * dashes in the same shape when absent; a negative invalid marker unpadded (`-999`). */
function fixed(record: DeviceRecord, metric: MetricId, width: number, decimals: number): string {
  const v = shownValue(record, metric);
  if (v === undefined) return '-'.repeat(width) + (decimals > 0 ? `.${'-'.repeat(decimals)}` : '');
  if (v < 0) return String(v);
  const [int, frac] = v.toFixed(decimals).split('.');
  return int!.padStart(width, '0') + (frac === undefined ? '' : `.${frac}`);
}

export function toAsciiTsLine(record: DeviceRecord, utcOffsetMinutes = 0): string {
  const parts = [
    asciiTimestamp(record.deviceTimeMs, utcOffsetMinutes),
    `SN=${deviceSerialNumber(record.deviceId)}`,
    `SPO2=${fixed(record, 'SPO2', 3, 0)}%`,
    `BPM=${fixed(record, 'PR', 3, 0)}`,
    `PI=${fixed(record, 'PI', 2, 2)}%`,
    'ALARM=0000',
    'EXC=000000',
  ];
  const status = asciiStatus(record);
  if (status) parts.push(status);
  return `${parts.join(' ')}\r\n`;
}
