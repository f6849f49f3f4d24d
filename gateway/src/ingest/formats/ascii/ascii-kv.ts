/**
 * `ascii-kv`: Masimo-style numeric lines without a timestamp, e.g.
 * `SPO2=97 BPM=72 PI=3.10 RR=16 SENSOR_OFF`. BPM is the pulse rate from the oximeter (PR).
 * The line has no device time: the ingest layer stamps it with the receive time.
 */
import type { MetricId } from '@wardlink/shared';
import { emptyRecord } from '../format.js';
import { lineFormatEntry } from '../line-entry.js';
import { parseKvBody } from './kv-body.js';

export const ASCII_KV_LABELS: Readonly<Record<string, MetricId>> = {
  SPO2: 'SPO2',
  BPM: 'PR',
  PR: 'PR',
  PI: 'PI',
  RR: 'RR',
  HR: 'HR',
  TEMP: 'TEMP',
  ETCO2: 'ETCO2',
};

export const asciiKvFormat = lineFormatEntry({
  name: 'ascii-kv',
  parse(input, ctx) {
    const record = emptyRecord(null);
    const line = input.trim();
    if (line !== '') parseKvBody(line, record, ASCII_KV_LABELS, ctx);
    return record;
  },
});
