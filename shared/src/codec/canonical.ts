/**
 * What a batch looks like after a round trip through the codec, for tests and for
 * callers that compare batches: readings in canonical order (see `group.ts`: by stream,
 * then series, each in order of first appearance, readings in batch order) and valid
 * values quantized to their metric's resolution. INVALID readings and uncatalogued terms
 * keep their exact value. A batch written against a dictionary comes back in dictionary
 * order instead (`orderByDictionary`): pass the dictionary.
 */
import { isMetricId, quantize } from '../catalog/lookup.js';
import { METRICS } from '../catalog/metrics.js';
import { QualityFlag, type Batch, type Reading } from '../types.js';
import { orderByDictionary, type SeriesDictionary } from './dictionary.js';
import { groupReadings } from './group.js';

export function canonicalizeBatch(batch: Batch, dictionary?: SeriesDictionary): Batch {
  const readings: Reading[] = [];
  const streams = groupReadings(batch.readings);
  if (dictionary !== undefined) orderByDictionary(streams, batch.readings, dictionary);
  for (const stream of streams) {
    for (const series of stream.series) {
      for (const row of series.rows) {
        const r = batch.readings[row]!;
        const value = r.flags & QualityFlag.INVALID || !isMetricId(r.metric) ? r.value : quantize(METRICS[r.metric], r.value);
        const out: Reading = { ...r, value };
        // The codec carries these only where they mean something (see clocks.ts, group.ts).
        if (out.unit === '' || (out.unit !== undefined && isMetricId(out.metric))) delete out.unit;
        if (out.deviceClockMs !== undefined && !(out.flags & QualityFlag.CLOCK_SUSPECT)) delete out.deviceClockMs;
        readings.push(out);
      }
    }
  }
  return { ...batch, alarms: batch.alarms.map((a) => ({ ...a })), readings };
}
