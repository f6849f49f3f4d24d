/**
 * One hospital's latest_vitals rows in memory, and the two answers made from them: a
 * patient's newest value per metric (as LATEST_FOR_PATIENT_SQL) and the dashboard's beds
 * (as ACTIVE_PATIENTS_SQL). Rows are keyed like the table, by (gateway, bed, metric); a
 * row is replaced only by one at least as new, as the loader's upsert does (`WHERE
 * excluded.t > lv.t`), so applying an old read after a newer one cannot go back in time.
 *
 * The dashboard's beds are remembered between changes (issue 17: a hospital's dashboard may
 * be asked for hundreds of times a second by its screens, and changes only when a batch of
 * any of its gateways is applied: for a one-ward hospital every 0.5-2 s),
 * for the range of `since` over which the same rows are in and out (see `dashboard`).
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

/** A dashboard bed, as the dashboard SQL's row: vitals keyed by MDC code. Read-only: one
 * answer is shared by every read until the rows change (dashboard-json.ts memoizes its text
 * by the array's identity). */
export interface CachedBed {
  readonly wardId: string;
  readonly gatewayId: string;
  readonly bedId: string;
  readonly patientId: string;
  readonly displayName: string | null;
  readonly lastT: Date;
  readonly vitals: ReadonlyArray<readonly [code: number, ms: number, value: number, flags: number]>;
}

/** The last dashboard built, and the `since` values (ms) it is the answer for while the
 * rows are unchanged: `newestOutMs < since <= oldestInMs`. A changed row drops it. */
interface DashboardMemo {
  beds: readonly CachedBed[];
  oldestInMs: number;
  newestOutMs: number;
}

/** A bed while it is being built: the only time its fields are written. */
type BedDraft = { -readonly [K in keyof CachedBed]: CachedBed[K] } & { vitals: Array<readonly [number, number, number, number]> };

const keyOf = (gatewayId: string, bedId: string, metric: number) => `${gatewayId}\u0000${bedId}\u0000${metric}`;

export class HospitalLatest {
  private readonly rows = new Map<string, CachedReading>();
  private readonly keysOfPatient = new Map<string, Set<string>>();
  private memo: DashboardMemo | undefined;

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

  /** Beds with an admitted patient that reported at or after `since`, by ward then bed.
   * The same array (do not change it) while no row changed and no row's time lies between
   * this `since` and the one it was built for: the same rows are in, in the same order. */
  dashboard(since: Date): readonly CachedBed[] {
    const sinceMs = since.getTime();
    const m = this.memo;
    if (m !== undefined && m.newestOutMs < sinceMs && sinceMs <= m.oldestInMs) return m.beds;
    const memo = this.buildDashboard(sinceMs);
    this.memo = memo;
    return memo.beds;
  }

  private buildDashboard(sinceMs: number): DashboardMemo {
    const beds = new Map<string, BedDraft>();
    let oldestInMs = Infinity;
    let newestOutMs = -Infinity;
    for (const r of this.rows.values()) {
      if (r.patientId === '' || r.wardId === null) continue;
      // The driver's Date is the stored time truncated to the ms, and `since` is whole ms,
      // so this is the SQL's `t >= $2` exactly.
      const tMs = r.t.getTime();
      if (tMs < sinceMs) {
        if (tMs > newestOutMs) newestOutMs = tMs;
        continue;
      }
      if (tMs < oldestInMs) oldestInMs = tMs;
      const bedKey = `${r.gatewayId}\u0000${r.bedId}\u0000${r.patientId}`;
      let bed = beds.get(bedKey);
      if (bed === undefined) {
        bed = { wardId: r.wardId, gatewayId: r.gatewayId, bedId: r.bedId, patientId: r.patientId, displayName: r.displayName, lastT: r.t, vitals: [] };
        beds.set(bedKey, bed);
      }
      if (tMs > bed.lastT.getTime()) {
        bed.lastT = r.t;
        // Each re-read row brings the name as it is now: the newest row's is the freshest.
        bed.displayName = r.displayName;
      }
      bed.vitals.push([r.metric, r.tMs, r.value, r.flags]);
    }
    const sorted = [...beds.values()].sort((a, b) => cmp(a.wardId, b.wardId) || cmp(a.bedId, b.bedId) || cmp(a.gatewayId, b.gatewayId) || cmp(a.patientId, b.patientId));
    // Frozen: every read until the next change shares these beds, so a caller that changed
    // one would change what every other screen shows; it throws instead (strict mode).
    for (const bed of sorted) {
      for (const v of bed.vitals) Object.freeze(v);
      Object.freeze(bed.vitals);
      Object.freeze(bed);
    }
    return { beds: Object.freeze(sorted), oldestInMs, newestOutMs };
  }

  private put(r: CacheRow): void {
    const key = keyOf(r.gateway_id, r.bed_id, r.metric);
    const old = this.rows.get(key);
    if (old !== undefined && old.t.getTime() > r.t.getTime()) return;
    // A re-read of the same row (overlapping change reads) changes nothing: the remembered
    // dashboard stays good.
    if (old !== undefined && sameRow(old, r)) return;
    this.memo = undefined;
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

function sameRow(old: CachedReading, r: CacheRow): boolean {
  return (
    old.t.getTime() === r.t.getTime() &&
    old.tMs === Number(r.t_ms) &&
    Object.is(old.value, r.value) &&
    old.flags === r.flags &&
    old.patientId === r.patient_id &&
    old.deviceId === r.device_id &&
    old.wardId === r.ward_id &&
    old.displayName === r.display_name
  );
}

// COLLATE "C" order: by code unit, not by locale.
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
