/**
 * One value per metric, device and record time: that is the key a reading is stored under
 * (and the cloud's natural key). A record can break it in two ways, and neither may cost
 * a value:
 *
 *  - two terms of one family (pulse rate from the oximeter and from the cuff, MDC_TEMP and
 *    MDC_TEMP_BODY): the better ranked term (shared/src/catalog/families.ts) is the metric,
 *    and each other keeps its own MDC code as an uncatalogued term, in the catalog unit;
 *  - one term twice, from two channels of the monitor (GE sends MDC_RESP_RATE from the
 *    airway and from the ECG leads, MDC_TEMP from two probes; HL7 OBX-4 tells them apart):
 *    the first is the device's, each later one an INSTANCE of the device named by its
 *    channel (`mon-1~1.26.1.2`, ingest/pipeline.ts). The first in the record is the one
 *    alarms and the nurse station follow.
 *
 * One term twice with nothing to tell them apart (no channel, or the same one) is refused
 * after the first: WL_INGEST_DUPLICATE_TERM, counted.
 */
import { isMetricId, METRICS, type MdcCodeKey } from '@wardlink/shared';
import type { ParsedObservation, ParsedRecord } from './format.js';

const timeKey = (o: ParsedObservation, record: ParsedRecord) => `${o.metric}\u0000${o.deviceTimeMs ?? record.deviceTimeMs}`;

export function settleFamilies(record: ParsedRecord): void {
  // Nearly every record names each metric once: then no key repeats and there is nothing to
  // settle, and the keys (a string per observation, two maps) need not be built (issue 18).
  if (!repeatsAMetric(record.observations)) return;
  resolveFamilies(record);
  separateInstances(record);
}

/** Whether two observations share a metric: pairwise for a monitor's few, by a set beyond. */
function repeatsAMetric(obs: readonly ParsedObservation[]): boolean {
  if (obs.length > 32) return new Set(obs.map((o) => o.metric)).size < obs.length;
  for (let i = 1; i < obs.length; i++) {
    const metric = obs[i]!.metric;
    for (let j = 0; j < i; j++) if (obs[j]!.metric === metric) return true;
  }
  return false;
}

/** Per catalog metric and time, the best ranked term is the metric; other terms keep their codes. */
function resolveFamilies(record: ParsedRecord): void {
  const obs = record.observations;
  const best = new Map<string, ParsedObservation>();
  for (const o of obs) {
    if (!isMetricId(o.metric)) continue;
    const key = timeKey(o, record);
    const current = best.get(key);
    if (current === undefined || o.rank < current.rank) best.set(key, o);
  }
  record.observations = obs.map((o) => {
    if (!isMetricId(o.metric)) return o;
    const winner = best.get(timeKey(o, record))!;
    if (o.term === winner.term) return o; // the winner, or the same term again (another channel)
    return { ...o, metric: String(o.term) as MdcCodeKey, unit: METRICS[o.metric].ucum, rank: 0 };
  });
}

/** The second and later observations of one key in the record: instances, or refused. */
function separateInstances(record: ParsedRecord): void {
  const seen = new Map<string, Set<string>>();
  const kept: ParsedObservation[] = [];
  for (const o of record.observations) {
    const key = timeKey(o, record);
    const channels = seen.get(key);
    const channel = o.channel ?? '';
    if (channels === undefined) {
      seen.set(key, new Set([channel]));
      kept.push(o);
    } else if (channel !== '' && !channels.has(channel)) {
      channels.add(channel);
      kept.push({ ...o, instance: channel });
    } else {
      record.rejects.push({ code: 'WL_INGEST_DUPLICATE_TERM', message: `${o.rawCode} appears twice at one time in one record with nothing to tell them apart; the first is kept`, rawCode: o.rawCode });
    }
  }
  record.observations = kept;
}
