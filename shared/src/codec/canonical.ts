/**
 * What a batch looks like after a round trip through the codec, for tests and for
 * callers that compare batches: readings in canonical order (see `group.ts`: by stream,
 * then series, each in order of first appearance, readings in batch order) and valid
 * values quantized to their metric's resolution. INVALID readings keep their raw value.
 */
import { quantize } from '../catalog/lookup.js';
import { METRICS } from '../catalog/metrics.js';
import { QualityFlag, type Batch, type Reading } from '../types.js';
import { groupReadings } from './group.js';

export function canonicalizeBatch(batch: Batch): Batch {
  const readings: Reading[] = [];
  for (const stream of groupReadings(batch.readings)) {
    for (const series of stream.series) {
      for (const row of series.rows) {
        const r = batch.readings[row]!;
        const value = r.flags & QualityFlag.INVALID ? r.value : quantize(METRICS[r.metric], r.value);
        readings.push({ ...r, value });
      }
    }
  }
  return { ...batch, alarms: batch.alarms.map((a) => ({ ...a })), readings };
}
