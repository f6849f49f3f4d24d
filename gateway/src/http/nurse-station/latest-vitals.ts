/**
 * The latest value of every (bed, metric), kept in memory for the nurse-station page.
 * Fed by `IngestPipeline.observe` on the ingest path: a Map lookup and a few field writes
 * per reading (the sample objects are reused), no allocation once a bed is known.
 */
import { isMetricId, METRICS, type MetricId, type Reading } from '@wardlink/shared';

export interface VitalSample {
  value: number;
  /** QualityFlag bits; a flagged value is shown as such, never as physiology. */
  flags: number;
  /** When the gateway received it, UTC ms (the staleness clock). */
  atMs: number;
  deviceId: string;
}

export interface BedVitals {
  bedId: string;
  patientId: string | null;
  metrics: Partial<Record<MetricId, VitalSample>>;
}

const MINUTE_MS = 60_000;

/**
 * When a metric's latest value counts as stale on the page, ms. Continuous numerics come
 * every 1-5 s, so 10 s of quiet is stale (as `ingest.silentAfterMs`). NIBP is measured
 * every 5 to 60 minutes, so it goes stale only past the longest usual cycle.
 */
export const STALE_AFTER_MS: Readonly<Record<MetricId, number>> = Object.fromEntries(
  Object.keys(METRICS).map((m) => [m, m.startsWith('NIBP_') ? 65 * MINUTE_MS : m === 'TEMP' ? 5 * MINUTE_MS : 10_000]),
) as Record<MetricId, number>;

export class LatestVitals {
  private readonly beds = new Map<string, BedVitals>();
  private readonly changed = new Set<string>();

  /** For `pipeline.observe`. */
  readonly observer = (readings: readonly Reading[], device?: { deviceId: string }): void => {
    for (const r of readings) {
      // The page shows the catalog's vitals of each device's first channel; uncatalogued
      // terms and second channels are in the buffer and the cloud.
      if (!isMetricId(r.metric) || (device !== undefined && r.deviceId !== device.deviceId)) continue;
      let bed = this.beds.get(r.bedId);
      if (!bed) this.beds.set(r.bedId, (bed = { bedId: r.bedId, patientId: r.patientId, metrics: {} }));
      bed.patientId = r.patientId;
      const sample = bed.metrics[r.metric];
      if (sample) {
        sample.value = r.value;
        sample.flags = r.flags;
        sample.atMs = r.receivedAtMs;
        sample.deviceId = r.deviceId;
      } else bed.metrics[r.metric] = { value: r.value, flags: r.flags, atMs: r.receivedAtMs, deviceId: r.deviceId };
      this.changed.add(r.bedId);
    }
  };

  /** Every bed known, by bed id, as copies. `known` adds beds with no reading yet. */
  snapshot(known: readonly { bedId: string; patientId: string | null }[] = []): BedVitals[] {
    const out = new Map<string, BedVitals>();
    for (const b of known) out.set(b.bedId, { bedId: b.bedId, patientId: b.patientId, metrics: {} });
    for (const bed of this.beds.values()) out.set(bed.bedId, copy(bed));
    return [...out.values()].sort((a, b) => a.bedId.localeCompare(b.bedId));
  }

  /** Copies of the beds that changed since the last call. */
  takeChanged(): BedVitals[] {
    const out: BedVitals[] = [];
    for (const bedId of this.changed) {
      const bed = this.beds.get(bedId);
      if (bed) out.push(copy(bed));
    }
    this.changed.clear();
    return out;
  }
}

function copy(bed: BedVitals): BedVitals {
  const metrics: BedVitals['metrics'] = {};
  for (const [m, s] of Object.entries(bed.metrics) as [MetricId, VitalSample][]) metrics[m] = { ...s };
  return { bedId: bed.bedId, patientId: bed.patientId, metrics };
}
