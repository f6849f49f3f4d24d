/**
 * One value per metric per record time. A record may carry two terms of one family (pulse
 * rate from the oximeter and from the cuff, MDC_TEMP and MDC_TEMP_BODY): the better
 * ranked term (shared/src/catalog/families.ts) is stored as the metric, and every other
 * keeps its own MDC code as an uncatalogued term, in the catalog unit. Nothing is dropped,
 * and the two values never collide on the metric's natural key (device, metric, time).
 *
 * The same metric twice under the metric's own term at one time cannot be told apart: the
 * first is kept and the second refused with WL_INGEST_DUPLICATE_TERM (counted).
 */
import { isMetricId, METRICS, type MdcCodeKey } from '@wardlink/shared';
import type { ParsedObservation, ParsedRecord } from './format.js';

export function settleFamilies(record: ParsedRecord): void {
  const obs = record.observations;
  if (obs.length < 2) return;
  const best = new Map<string, number>(); // metric + time → index of the winner
  let clash = false;
  for (let i = 0; i < obs.length; i++) {
    const o = obs[i]!;
    if (!isMetricId(o.metric)) continue;
    const key = `${o.metric}\u0000${o.deviceTimeMs ?? record.deviceTimeMs}`;
    const j = best.get(key);
    if (j === undefined) best.set(key, i);
    else {
      clash = true;
      if (o.rank < obs[j]!.rank) best.set(key, i);
    }
  }
  if (!clash) return;
  const winners = new Set(best.values());
  const kept: ParsedObservation[] = [];
  for (let i = 0; i < obs.length; i++) {
    const o = obs[i]!;
    if (!isMetricId(o.metric) || winners.has(i)) {
      kept.push(o);
      continue;
    }
    if (o.term === METRICS[o.metric].mdcCode) {
      record.rejects.push({ code: 'WL_INGEST_DUPLICATE_TERM', message: `${o.metric} appears twice at one time in one record; the first is kept`, rawCode: o.rawCode });
      continue;
    }
    kept.push({ ...o, metric: String(o.term) as MdcCodeKey, unit: METRICS[o.metric].ucum, rank: 0 });
  }
  record.observations = kept;
}
