/**
 * One hospital's latest_vitals rows in memory, and the two answers made from them: a
 * patient's newest value per metric (as LATEST_FOR_PATIENT_SQL) and the dashboard's beds
 * (as ACTIVE_PATIENTS_SQL). Rows are keyed like the table, by (gateway, bed, metric); a
 * row is replaced only by one at least as new, as the loader's upsert does (`WHERE
 * excluded.t > lv.t`), so applying an old read after a newer one cannot go back in time.
 */
import type { CacheRow } from './cache-queries.js';

export interface CachedReading {
  gatewayId: string;
  bedId: string;
  metric: number;
  t: Date;
  tMs: number;
  value: number;
  flags: number;
  patientId: string;
  deviceId: string;
  wardId: string | null;
  displayName: string | null;
}

/** A dashboard bed, as the dashboard SQL's row: vitals keyed by MDC code. */
export interface CachedBed {
  wardId: string;
  gatewayId: string;
  bedId: string;
  patientId: string;
  displayName: string | null;
  lastT: Date;
  vitals: Array<[code: number, ms: number, value: number, flags: number]>;
}

const keyOf = (gatewayId: string, bedId: string, metric: number) => `${gatewayId}\u0000${bedId}\u0000${metric}`;

export class HospitalLatest {
  private readonly rows = new Map<string, CachedReading>();
  private readonly keysOfPatient = new Map<string, Set<string>>();

  get size(): number {
    return this.rows.size;
  }

  apply(rows: readonly CacheRow[]): void {
    for (const r of rows) this.put(r);
  }

  /** The patient's newest reading of each metric, by metric code. */
  latestOf(patientId: string): CachedReading[] {
    const newest = new Map<number, CachedReading>();
    for (const key of this.keysOfPatient.get(patientId) ?? []) {
      const r = this.rows.get(key)!;
      const seen = newest.get(r.metric);
      if (seen === undefined || r.t.getTime() > seen.t.getTime()) newest.set(r.metric, r);
    }
    return [...newest.values()].sort((a, b) => a.metric - b.metric);
  }

  /** Beds with an admitted patient that reported at or after `since`, by ward then bed. */
  dashboard(since: Date): CachedBed[] {
    const sinceMs = since.getTime();
    const beds = new Map<string, CachedBed>();
    for (const r of this.rows.values()) {
      // The driver's Date is the stored time truncated to the ms, and `since` is whole ms,
      // so this is the SQL's `t >= $2` exactly.
      if (r.patientId === '' || r.wardId === null || r.t.getTime() < sinceMs) continue;
      const bedKey = `${r.gatewayId}\u0000${r.bedId}\u0000${r.patientId}`;
      let bed = beds.get(bedKey);
      if (bed === undefined) {
        bed = { wardId: r.wardId, gatewayId: r.gatewayId, bedId: r.bedId, patientId: r.patientId, displayName: r.displayName, lastT: r.t, vitals: [] };
        beds.set(bedKey, bed);
      }
      if (r.t.getTime() > bed.lastT.getTime()) {
        bed.lastT = r.t;
        // Each re-read row brings the name as it is now: the newest row's is the freshest.
        bed.displayName = r.displayName;
      }
      bed.vitals.push([r.metric, r.tMs, r.value, r.flags]);
    }
    return [...beds.values()].sort((a, b) => cmp(a.wardId, b.wardId) || cmp(a.bedId, b.bedId) || cmp(a.gatewayId, b.gatewayId) || cmp(a.patientId, b.patientId));
  }

  private put(r: CacheRow): void {
    const key = keyOf(r.gateway_id, r.bed_id, r.metric);
    const old = this.rows.get(key);
    if (old !== undefined && old.t.getTime() > r.t.getTime()) return;
    const reading: CachedReading = {
      gatewayId: r.gateway_id,
      bedId: r.bed_id,
      metric: r.metric,
      t: r.t,
      tMs: Number(r.t_ms),
      value: r.value,
      flags: r.flags,
      patientId: r.patient_id,
      deviceId: r.device_id,
      wardId: r.ward_id,
      displayName: r.display_name,
    };
    this.rows.set(key, reading);
    if (old !== undefined && old.patientId !== reading.patientId) {
      const keys = this.keysOfPatient.get(old.patientId);
      keys?.delete(key);
      if (keys?.size === 0) this.keysOfPatient.delete(old.patientId);
    }
    let keys = this.keysOfPatient.get(reading.patientId);
    if (keys === undefined) this.keysOfPatient.set(reading.patientId, (keys = new Set()));
    keys.add(key);
  }
}

// COLLATE "C" order: by code unit, not by locale.
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
