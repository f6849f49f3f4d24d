/**
 * The registered unit of each uncatalogued term of a hospital (migration 007), for the
 * read routes: a catalog metric's unit is the catalog's, an uncatalogued term's is
 * whatever the hospital's first batch of it brought. Rows are inserted once and never
 * change, so a cached unit stays right; a code not cached yet (a term first seen a moment
 * ago) refreshes the hospital's entry, at most once per `refreshMs`.
 */
import type pg from 'pg';
import { metricByMdcCode, systemClock, type Clock } from '@wardlink/shared';
import { toDatabaseError } from '../../../storage/db-errors.js';

const NONE: ReadonlyMap<number, string> = new Map();

interface Entry {
  units: Map<number, string>;
  loadedAtMs: number;
}

export class MetricUnitDirectory {
  private readonly byHospital = new Map<string, Entry>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly clock: Clock = systemClock,
    private readonly refreshMs = 5_000,
  ) {}

  /** Every registered unit of a hospital, refreshed when older than `refreshMs` (reports,
   * which learn their codes only while they stream). */
  async allOf(hospitalId: string): Promise<ReadonlyMap<number, string>> {
    const entry = this.byHospital.get(hospitalId);
    if (entry !== undefined && this.clock.now() - entry.loadedAtMs < this.refreshMs) return entry.units;
    return (await this.load(hospitalId)).units;
  }

  /** The units of the uncatalogued codes among `codes` (others are the catalog's). */
  async unitsOf(hospitalId: string, codes: Iterable<number>): Promise<ReadonlyMap<number, string>> {
    const wanted = [...codes].filter((c) => metricByMdcCode(c) === undefined);
    if (wanted.length === 0) return NONE;
    let entry = this.byHospital.get(hospitalId);
    const missing = entry === undefined || wanted.some((c) => !entry!.units.has(c));
    if (missing && (entry === undefined || this.clock.now() - entry.loadedAtMs >= this.refreshMs)) entry = await this.load(hospitalId);
    return entry?.units ?? NONE;
  }

  private async load(hospitalId: string): Promise<Entry> {
    const res = await this.pool.query<{ metric: number; ucum: string }>('SELECT metric, ucum FROM metric_units WHERE hospital_id = $1', [hospitalId]).catch((err: unknown) => {
      throw toDatabaseError(err);
    });
    const entry = { units: new Map(res.rows.map((r) => [r.metric, r.ucum])), loadedAtMs: this.clock.now() };
    if (this.byHospital.size > 10_000) this.byHospital.clear();
    this.byHospital.set(hospitalId, entry);
    return entry;
  }
}

const directories = new WeakMap<pg.Pool, MetricUnitDirectory>();

/** One directory per pool, so every route and the stream share its cache. */
export function metricUnitsOf(pool: pg.Pool, clock?: Clock): MetricUnitDirectory {
  let d = directories.get(pool);
  if (d === undefined) directories.set(pool, (d = new MetricUnitDirectory(pool, clock)));
  return d;
}
