/**
 * The latest and dashboard routes' in-memory copy of latest_vitals, per hospital, so a
 * read is answered without a database round trip (issue 17: reads waited behind ingest).
 *
 * - Loaded lazily: a hospital's first read loads its rows in ONE query on the read pool.
 * - Kept current by the LISTEN stream's change notifications (storage/latest-listener.ts):
 *   each one is counted and its gateway's changed rows read at once (one query, coalesced
 *   while one is in flight). A read first waits until every notification delivered more
 *   than `maxBehindMs` (250 ms) before it was applied, so an answer never lacks a change
 *   notified longer ago than that. Waiting for the younger ones too would make nearly
 *   every read under live ingest (a hospital's gateways notify many times a second) wait
 *   for a database round trip behind the COPYs; a quarter second is far below a
 *   gateway's batch interval. A stream snapshot asks for every notification
 *   (`strict`): the stream's events pick up after it, so it must not lack one.
 * - When in doubt, the database answers (`lookup` gives undefined): while a row read is
 *   behind a notification (replica lag) or failed (the hospital is then dropped and
 *   reloaded), until the LISTEN connection is known to work, and when it may be gone.
 *   A lost connection drops every notification of its gap, so `resync` (the listener
 *   listening again) empties the cache. A connection can also die unnoticed until TCP
 *   says so: the cache sends itself a heartbeat NOTIFY every `heartbeatMs` and trusts
 *   itself only while the last one came back within `silenceMs`.
 * - Gateway wards and patient names change without a notification: an entry is reloaded
 *   when older than `maxAgeMs`, which bounds how long a renamed patient shows the old name.
 * - Bounded: at most `maxHospitals` hospitals, the least recently read dropped first.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Clock } from '@wardlink/shared';
import type { LatestChange } from '../ingest/latest-notify.js';
import { loadChangedRows, loadHospitalRows } from './cache-queries.js';
import { LatestCacheMetrics, type CacheOutcome, type CachedRoute } from './cache-metrics.js';
import { HospitalLatest } from './hospital-latest.js';
import { ListenerHeartbeat } from './listener-heartbeat.js';

export interface LatestVitalsCacheOptions {
  /** The read pool: loads and changed-row reads. */
  pool: pg.Pool;
  /** Where heartbeats are NOTIFYed: the primary's (a standby cannot NOTIFY). */
  notifyPool: pg.Pool;
  clock: Clock;
  logger: Logger;
  maxHospitals: number;
  registry?: Registry;
  /** Default 500. */
  heartbeatMs?: number;
  /** Default 3 heartbeats. */
  silenceMs?: number;
  /** Default 60 s. */
  maxAgeMs?: number;
  /** A read may lack notifications younger than this (not a strict one). Default 250 ms. */
  maxBehindMs?: number;
}

export type CacheResult = 'hit' | 'miss';

interface Entry {
  data: HospitalLatest | undefined;
  loading: Promise<boolean> | undefined;
  refreshing: Promise<boolean> | undefined;
  loadedAtMs: number;
  /** Notifications received for the hospital, and how many of them the data includes. */
  notifiedSeq: number;
  appliedSeq: number;
  /** When each notification not applied yet arrived (monotonic ms), oldest first. */
  unapplied: Array<{ seq: number; atMs: number }>;
  pending: Map<string, { fromMs: number; toMs: number }>;
}

/** A read waits at most this many refreshes for the notifications before it; past it the
 * database answers (a hospital whose notifications never stop must not starve a read). */
const MAX_REFRESHES_PER_READ = 3;
const WARN_INTERVAL_MS = 10_000;

export class LatestVitalsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly heartbeat: ListenerHeartbeat;
  private readonly maxAgeMs: number;
  private readonly maxBehindMs: number;
  private readonly metrics: LatestCacheMetrics;
  private listening = false;
  private lastWarnMs = -Infinity;

  constructor(private readonly opts: LatestVitalsCacheOptions) {
    const heartbeatMs = opts.heartbeatMs ?? 500;
    this.heartbeat = new ListenerHeartbeat(opts.notifyPool, opts.clock, heartbeatMs, opts.silenceMs ?? 3 * heartbeatMs);
    this.maxAgeMs = opts.maxAgeMs ?? 60_000;
    this.maxBehindMs = opts.maxBehindMs ?? 250;
    this.metrics = new LatestCacheMetrics(opts.registry, () => this.entries.size);
  }

  get hospitals(): number {
    return this.entries.size;
  }

  start(): void {
    if (this.opts.maxHospitals === 0) return;
    this.heartbeat.start();
  }

  stop(): void {
    this.heartbeat.stop();
    this.entries.clear();
  }

  /** Whether a cached answer can be trusted now (the LISTEN connection is proven alive). */
  get trusted(): boolean {
    return this.listening && this.heartbeat.alive;
  }

  /** The hospital's rows with every notification received more than `maxBehindMs` ago
   * applied (`strict`: every notification received so far), or undefined: ask the database. */
  async lookup(hospitalId: string, { strict = false }: { strict?: boolean } = {}): Promise<{ data: HospitalLatest; result: CacheResult } | undefined> {
    if (this.opts.maxHospitals === 0 || !this.trusted) return undefined;
    let entry = this.entries.get(hospitalId);
    if (entry !== undefined && this.opts.clock.monotonicMs() - entry.loadedAtMs > this.maxAgeMs && !entry.loading) {
      this.entries.delete(hospitalId);
      entry = undefined;
    }
    let result: CacheResult = 'hit';
    if (entry === undefined) {
      entry = this.create(hospitalId);
      result = 'miss';
    } else {
      this.entries.delete(hospitalId); // re-inserted: most recently used last
      this.entries.set(hospitalId, entry);
    }
    const target = entry.notifiedSeq;
    if (entry.loading) {
      result = 'miss';
      if (!(await entry.loading)) return undefined;
    }
    for (let i = 0; entry.appliedSeq < target; i++) {
      if (!strict && this.behindWithinBound(entry)) break;
      if (i >= MAX_REFRESHES_PER_READ) return undefined;
      result = 'miss';
      if (!(await this.refresh(hospitalId, entry))) return undefined;
    }
    // Dropped meanwhile (resync, eviction, a failed read): it may lack a notification.
    if (this.entries.get(hospitalId) !== entry || !this.trusted || entry.data === undefined) return undefined;
    return { data: entry.data, result };
  }

  /** Counts how a read was answered; the route also says it in a response header. */
  count(route: CachedRoute, outcome: CacheOutcome): void {
    this.metrics.count(route, outcome);
  }

  onChange(change: LatestChange): void {
    if (this.heartbeat.received(change)) return;
    const entry = this.entries.get(change.hospitalId);
    if (entry === undefined) return; // not cached: its first read loads it
    entry.notifiedSeq++;
    entry.unapplied.push({ seq: entry.notifiedSeq, atMs: this.opts.clock.monotonicMs() });
    const p = entry.pending.get(change.gatewayId);
    if (p) {
      p.fromMs = Math.min(p.fromMs, change.fromMs);
      p.toMs = Math.max(p.toMs, change.toMs);
    } else {
      entry.pending.set(change.gatewayId, { fromMs: change.fromMs, toMs: change.toMs });
    }
    if (!entry.loading) void this.refresh(change.hospitalId, entry);
  }

  /** The LISTEN connection is (again) listening: what it missed is unknown, start over. */
  resync(): void {
    if (this.opts.maxHospitals === 0) return;
    this.entries.clear();
    this.listening = true;
    void this.heartbeat.send();
  }

  private create(hospitalId: string): Entry {
    const entry: Entry = { data: undefined, loading: undefined, refreshing: undefined, loadedAtMs: this.opts.clock.monotonicMs(), notifiedSeq: 0, appliedSeq: -1, unapplied: [], pending: new Map() };
    this.entries.set(hospitalId, entry);
    while (this.entries.size > this.opts.maxHospitals) this.entries.delete(this.entries.keys().next().value!);
    const seq = entry.notifiedSeq;
    // Notifications arriving during the load stay pending and are applied after it
    // (applying a row the load already saw changes nothing).
    entry.loading = loadHospitalRows(this.opts.pool, hospitalId)
      .then((rows) => {
        const data = new HospitalLatest();
        data.apply(rows);
        entry.data = data;
        applied(entry, seq);
        return true;
      })
      .catch((err: unknown) => this.fail(hospitalId, entry, err, 'loading'))
      .finally(() => {
        entry.loading = undefined;
        if (entry.pending.size > 0 && entry.data) void this.refresh(hospitalId, entry);
      });
    return entry;
  }

  private refresh(hospitalId: string, entry: Entry): Promise<boolean> {
    if (entry.refreshing) return entry.refreshing;
    if (entry.data === undefined) return Promise.resolve(false);
    if (entry.pending.size === 0) return Promise.resolve(entry.appliedSeq >= entry.notifiedSeq);
    const seq = entry.notifiedSeq;
    const batch = entry.pending;
    entry.pending = new Map();
    const data = entry.data;
    entry.refreshing = loadChangedRows(this.opts.pool, hospitalId, new Map([...batch].map(([g, p]) => [g, p.fromMs])))
      .then((rows) => {
        const newest = new Map<string, number>();
        for (const r of rows) newest.set(r.gateway_id, Math.max(newest.get(r.gateway_id) ?? -Infinity, r.t.getTime()));
        for (const [gatewayId, p] of batch) {
          // The read pool has not seen the change yet (a lagging replica): the database answers
          // until the hospital is reloaded.
          if ((newest.get(gatewayId) ?? -Infinity) < p.toMs - 1) return this.drop(hospitalId, entry);
        }
        data.apply(rows);
        applied(entry, Math.max(entry.appliedSeq, seq));
        return true;
      })
      .catch((err: unknown) => this.fail(hospitalId, entry, err, 'refreshing'))
      .finally(() => {
        entry.refreshing = undefined;
        if (entry.pending.size > 0 && this.entries.get(hospitalId) === entry) void this.refresh(hospitalId, entry);
      });
    return entry.refreshing;
  }

  /** Whether every notification the data lacks arrived within the last `maxBehindMs`. */
  private behindWithinBound(entry: Entry): boolean {
    if (entry.data === undefined || entry.loading !== undefined) return false;
    const oldest = entry.unapplied[0];
    return oldest === undefined || this.opts.clock.monotonicMs() - oldest.atMs <= this.maxBehindMs;
  }

  private drop(hospitalId: string, entry: Entry): false {
    if (this.entries.get(hospitalId) === entry) this.entries.delete(hospitalId);
    return false;
  }

  private fail(hospitalId: string, entry: Entry, err: unknown, doing: string): false {
    const now = this.opts.clock.monotonicMs();
    if (now - this.lastWarnMs >= WARN_INTERVAL_MS) {
      this.lastWarnMs = now;
      this.opts.logger.warn({ err, hospitalId }, `${doing} the latest-vitals cache failed; the database answers until it is reloaded`);
    }
    return this.drop(hospitalId, entry);
  }
}

function applied(entry: Entry, seq: number): void {
  entry.appliedSeq = seq;
  let n = 0;
  while (n < entry.unapplied.length && entry.unapplied[n]!.seq <= seq) n++;
  if (n > 0) entry.unapplied.splice(0, n);
}
