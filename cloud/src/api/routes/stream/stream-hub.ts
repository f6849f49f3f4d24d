/**
 * The SSE streams of one service instance, by hospital, fed by the LISTEN connection's
 * change notifications (storage/latest-listener.ts).
 *
 * - Coalescing: a hospital's notifications are gathered and read in ONE query on the
 *   replica pool at most every `coalesceMs` (a hospital with 40 gateways posting every
 *   10 s would otherwise cost 4 queries/s per instance); the first change after a quiet
 *   period is read at once. Every client of the hospital gets the same serialized frame.
 * - Replica lag: a NOTIFY comes from the primary, the rows are read on the replica. When
 *   the replica has not replayed a gateway's change yet, it stays pending and is read
 *   again on the next tick, a bounded number of times.
 * - Bounds: at most `maxStreams` streams (503 beyond), and `maxStreamsPerHospital` of one
 *   hospital, each with a bounded queue (sse-stream.ts). Slow clients are dropped,
 *   counted, and logged at most every 10 s.
 * - Revocation: every `revalidateMs` (2 s) the tokens the open streams were opened with
 *   are checked in ONE query on the primary (`validTokens`); a stream whose reader was
 *   revoked (or whose token was rotated away) gets `event: revoked` and is closed, so a
 *   revoked reader stops receiving patients' data within seconds, not at its next
 *   reconnect.
 * - After the LISTEN connection was lost, notifications of that gap are gone: `resync`
 *   sends every client a fresh snapshot instead.
 * - Opening: clients that open while a hospital's snapshot is being read share that one
 *   read (single flight): 500 clients opening at once cost one query, not 500 that
 *   exhaust the pool. A client that joins a read already under way missed the frames
 *   sent to the hospital since the read began, which the snapshot may not hold: they are
 *   kept while the read runs and sent to it right after the snapshot, before the frames
 *   queued for it since it joined, so it misses none and gets none twice. Past
 *   `maxQueuedBytes` of such frames a new client reads a snapshot of its own instead.
 *   The snapshot comes from the latest-vitals cache when it can answer (no query).
 */
import type { ServerResponse } from 'node:http';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '@wardlink/shared';
import type { LatestChange } from '../../../ingest/latest-notify.js';
import type { CloudMetrics } from '../../../observability/metrics.js';
import type { LatestVitalsCache } from '../../../latest-cache/latest-vitals-cache.js';
import { cachedDashboard, DEFAULT_SINCE_S, queryDashboard } from '../read/dashboard.js';
import { metricUnitsOf } from '../read/metric-units.js';
import { changedRowView, queryChangedRows } from './changed-rows.js';
import { TooManyStreamsError } from './errors.js';
import { sseFrame, SseStream } from './sse-stream.js';

export interface StreamHubOptions {
  /** Concurrent streams per instance. Default 500. */
  maxStreams?: number;
  /** Bytes a client may lag behind before it is dropped. Default 1 MiB. */
  maxQueuedBytes?: number;
  /** At most one changed-rows query per hospital per this many ms. Default 500. */
  coalesceMs?: number;
  keepAliveMs?: number;
  /** The reconnect delay EventSource is told (`retry:`). Default 3000. */
  retryMs?: number;
  /** Streams of one hospital on this instance. Default 100. */
  maxStreamsPerHospital?: number;
  /** How often the open streams' tokens are checked again. Default 2000. */
  revalidateMs?: number;
}

export interface StreamHubDeps {
  /** The replica pool: pushing dashboards must not take ingest's connections. */
  pool: pg.Pool;
  metrics: CloudMetrics;
  logger: Logger;
  clock: Clock;
  /** Which of these token hashes still belong to a reader that is not revoked (primary). */
  validTokens?: (tokenHashes: readonly string[]) => Promise<ReadonlySet<string>>;
  /** Snapshots come from it when it can answer (no query); else from the database. */
  latestCache?: LatestVitalsCache;
}

/** Ticks a gateway's change may wait for the replica before it is given up (logged). */
const MAX_LAG_ATTEMPTS = 10;
const DROP_LOG_INTERVAL_MS = 10_000;

interface Pending {
  fromMs: number;
  toMs: number;
  attempts: number;
}

/** A snapshot read under way, shared by the clients that open meanwhile. */
interface SharedSnapshot {
  frame: Promise<string>;
  /** Every frame sent to the hospital's streams since the read began, for the clients
   * that join it later (bounded: past maxQueuedBytes nobody joins any more, so the frames
   * after that are not needed). */
  sentSince: string[];
  sentBytes: number;
  joinable: boolean;
}

interface HospitalState {
  streams: Set<SseStream>;
  snapshot: SharedSnapshot | undefined;
  pending: Map<string, Pending>;
  timer: TimerHandle | undefined;
  flushing: boolean;
  lastFlushMs: number;
}

export class StreamHub {
  readonly maxStreams: number;
  readonly maxStreamsPerHospital: number;
  private readonly tokenOf = new WeakMap<SseStream, string>();
  private readonly revalidate: TimerHandle | undefined;
  private revalidating = false;
  private readonly maxQueuedBytes: number;
  private readonly coalesceMs: number;
  private readonly retryMs: number;
  private readonly hospitals = new Map<string, HospitalState>();
  private readonly keepAlive: TimerHandle;
  private count = 0;
  private droppedSinceLog = 0;
  private lastDropLogMs = -Infinity;
  private closed = false;

  constructor(
    private readonly deps: StreamHubDeps,
    options: StreamHubOptions = {},
  ) {
    this.maxStreams = options.maxStreams ?? 500;
    this.maxStreamsPerHospital = options.maxStreamsPerHospital ?? 100;
    if (deps.validTokens) this.revalidate = deps.clock.setInterval(() => void this.endRevoked(), options.revalidateMs ?? 2_000).unref();
    this.maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024;
    this.coalesceMs = options.coalesceMs ?? 500;
    this.retryMs = options.retryMs ?? 3_000;
    // A comment line keeps proxies and NAT from closing an idle stream, and lets a
    // client notice a dead link; it also finds slow clients on a quiet hospital.
    this.keepAlive = deps.clock.setInterval(() => this.sendAll(': keep-alive\n\n'), options.keepAliveMs ?? 15_000).unref();
  }

  get streamCount(): number {
    return this.count;
  }

  /** Takes over `res` as the hospital's event stream: refuses past the bound, sends
   * `retry:` and the snapshot, then the changes. */
  async attach(hospitalId: string, res: ServerResponse, startStream: () => void, tokenHash?: string): Promise<void> {
    if (this.closed || this.count >= this.maxStreams) throw new TooManyStreamsError(this.maxStreams);
    if ((this.hospitals.get(hospitalId)?.streams.size ?? 0) >= this.maxStreamsPerHospital) throw new TooManyStreamsError(this.maxStreamsPerHospital, 5, hospitalId);
    const stream = new SseStream(hospitalId, res, this.maxQueuedBytes, (s, queued) => this.onDrop(s, queued));
    if (tokenHash !== undefined) this.tokenOf.set(stream, tokenHash);
    // Registered before the snapshot is read, so a change committed meanwhile is queued.
    const state = this.add(stream, res);
    try {
      const { frame, missed } = this.joinSnapshot(hospitalId, state);
      const snapshot = await frame;
      if (stream.isClosed) return; // the client left while the snapshot was read
      startStream();
      stream.open(`retry: ${this.retryMs}\n\n${snapshot}${missed()}`);
      this.deps.metrics.streamEvents.inc({ event: 'snapshot' });
    } catch (err) {
      this.remove(stream);
      throw err;
    }
  }

  /** A change notification: read and pushed on the hospital's next tick. */
  onChange(change: LatestChange): void {
    const state = this.hospitals.get(change.hospitalId);
    if (!state) return; // nobody watches this hospital on this instance
    const p = state.pending.get(change.gatewayId);
    if (p) {
      p.fromMs = Math.min(p.fromMs, change.fromMs);
      p.toMs = Math.max(p.toMs, change.toMs);
    } else {
      state.pending.set(change.gatewayId, { fromMs: change.fromMs, toMs: change.toMs, attempts: 0 });
    }
    this.schedule(change.hospitalId, state);
  }

  /** Notifications may have been missed (the LISTEN connection was down): every client
   * gets a fresh snapshot, one query per hospital. */
  resync(): void {
    for (const [hospitalId, state] of this.hospitals) {
      void this.snapshotFrame(hospitalId).then(
        (frame) => this.sendTo(state, frame, 'snapshot'),
        (err: unknown) => this.deps.logger.warn({ err, hospitalId }, 'stream resync snapshot failed; clients keep the changes that follow'),
      );
    }
  }

  /** Ends every stream (shutdown: clients reconnect, to another instance). */
  close(): void {
    this.closed = true;
    this.keepAlive.cancel();
    this.revalidate?.cancel();
    for (const state of this.hospitals.values()) {
      state.timer?.cancel();
      for (const s of state.streams) s.end();
    }
  }

  /** Closes the streams whose token no longer belongs to a reader that may read. */
  async endRevoked(): Promise<number> {
    if (this.revalidating || !this.deps.validTokens) return 0;
    const hashes = new Set<string>();
    for (const state of this.hospitals.values()) for (const s of state.streams) if (this.tokenOf.has(s)) hashes.add(this.tokenOf.get(s)!);
    if (hashes.size === 0) return 0;
    this.revalidating = true;
    let valid: ReadonlySet<string>;
    try {
      valid = await this.deps.validTokens([...hashes]);
    } catch (err) {
      // The database is away: streams stay (they carry nothing new meanwhile either).
      this.deps.logger.warn({ err }, 'checking the stream tokens failed; retrying');
      return 0;
    } finally {
      this.revalidating = false;
    }
    let ended = 0;
    for (const state of this.hospitals.values()) {
      for (const s of [...state.streams]) {
        const hash = this.tokenOf.get(s);
        if (hash === undefined || valid.has(hash)) continue;
        s.send(sseFrame('revoked', { reason: 'the reader token was revoked or rotated' }));
        s.end();
        ended++;
      }
    }
    if (ended > 0) this.deps.logger.info({ ended }, 'streams of revoked reader tokens closed');
    return ended;
  }

  /** The snapshot read under way for the hospital, or a new one; `missed`: the frames
   * sent between the start of that read and this call, which the new client has not got. */
  private joinSnapshot(hospitalId: string, state: HospitalState): { frame: Promise<string>; missed: () => string } {
    const shared = state.snapshot;
    if (shared?.joinable === true) {
      const upto = shared.sentSince.length;
      return { frame: shared.frame, missed: () => shared.sentSince.slice(0, upto).join('') };
    }
    const started: SharedSnapshot = { frame: Promise.resolve(''), sentSince: [], sentBytes: 0, joinable: true };
    started.frame = this.snapshotFrame(hospitalId).finally(() => {
      if (state.snapshot === started) state.snapshot = undefined;
    });
    state.snapshot = started;
    return { frame: started.frame, missed: () => '' };
  }

  /** The hospital's dashboard: from the latest-vitals cache when it answers (strict: it has
   * then applied every change notified before the lookup; a change notified later reaches
   * the stream as an event, as with the database's snapshot), else in one query. */
  private async snapshotFrame(hospitalId: string): Promise<string> {
    const since = new Date(this.deps.clock.now() - DEFAULT_SINCE_S * 1000);
    const cached = await this.deps.latestCache?.lookup(hospitalId, { strict: true });
    this.deps.latestCache?.count('stream', cached?.result ?? 'bypass');
    const { rows: _rows, ...view } = cached ? await cachedDashboard(this.deps.pool, cached.data, hospitalId, since) : await queryDashboard(this.deps.pool, hospitalId, since);
    return sseFrame('snapshot', view);
  }

  private add(stream: SseStream, res: ServerResponse): HospitalState {
    let state = this.hospitals.get(stream.hospitalId);
    if (!state) {
      state = { streams: new Set(), snapshot: undefined, pending: new Map(), timer: undefined, flushing: false, lastFlushMs: -Infinity };
      this.hospitals.set(stream.hospitalId, state);
    }
    state.streams.add(stream);
    this.count++;
    this.deps.metrics.streamsOpen.inc();
    res.once('close', () => this.remove(stream));
    return state;
  }

  private remove(stream: SseStream): void {
    const state = this.hospitals.get(stream.hospitalId);
    if (!state?.streams.delete(stream)) return;
    this.count--;
    this.deps.metrics.streamsOpen.dec();
    if (state.streams.size === 0) {
      state.timer?.cancel();
      this.hospitals.delete(stream.hospitalId);
    }
  }

  private schedule(hospitalId: string, state: HospitalState): void {
    if (state.timer || state.flushing || this.closed) return;
    const delay = Math.max(0, state.lastFlushMs + this.coalesceMs - this.deps.clock.monotonicMs());
    state.timer = this.deps.clock.setTimeout(() => {
      state.timer = undefined;
      void this.flush(hospitalId, state);
    }, delay);
  }

  private async flush(hospitalId: string, state: HospitalState): Promise<void> {
    const batch = state.pending;
    state.pending = new Map();
    state.flushing = true;
    state.lastFlushMs = this.deps.clock.monotonicMs();
    try {
      const rows = await queryChangedRows(this.deps.pool, hospitalId, new Map([...batch].map(([g, p]) => [g, p.fromMs])));
      const newest = new Map<string, number>();
      for (const r of rows) newest.set(r.gateway_id, Math.max(newest.get(r.gateway_id) ?? -Infinity, r.t.getTime()));
      for (const [gatewayId, p] of batch) {
        if ((newest.get(gatewayId) ?? -Infinity) < p.toMs - 1) this.retryLater(state, hospitalId, gatewayId, p);
      }
      if (rows.length > 0) {
        const units = await metricUnitsOf(this.deps.pool, this.deps.clock).unitsOf(hospitalId, rows.map((r) => r.metric));
        this.sendTo(state, sseFrame('vitals', { hospitalId, vitals: rows.map((r) => changedRowView(r, units)) }), 'vitals');
      }
    } catch (err) {
      this.deps.logger.warn({ err, hospitalId }, 'reading changed latest vitals for the stream failed; retrying on the next tick');
      for (const [gatewayId, p] of batch) this.retryLater(state, hospitalId, gatewayId, p);
    } finally {
      state.flushing = false;
      if (state.pending.size > 0 && this.hospitals.get(hospitalId) === state) this.schedule(hospitalId, state);
    }
  }

  private retryLater(state: HospitalState, hospitalId: string, gatewayId: string, p: Pending): void {
    if (p.attempts + 1 >= MAX_LAG_ATTEMPTS) {
      this.deps.logger.warn({ hospitalId, gatewayId }, 'a latest-vitals change did not show on the read pool in time; clients see it with the next change');
      return;
    }
    const merged = state.pending.get(gatewayId);
    if (merged) merged.fromMs = Math.min(merged.fromMs, p.fromMs);
    else state.pending.set(gatewayId, { ...p, attempts: p.attempts + 1 });
  }

  private sendTo(state: HospitalState, frame: string, event: 'vitals' | 'snapshot'): void {
    const shared = state.snapshot;
    if (shared?.joinable === true) {
      shared.sentBytes += frame.length;
      if (shared.sentBytes > this.maxQueuedBytes) shared.joinable = false;
      else shared.sentSince.push(frame);
    }
    let sent = 0;
    const bytes = state.streams.size > 1 ? Buffer.from(frame) : undefined;
    for (const s of state.streams) if (s.send(frame, bytes)) sent++;
    if (sent > 0) this.deps.metrics.streamEvents.inc({ event }, sent);
  }

  private sendAll(frame: string): void {
    const bytes = Buffer.from(frame);
    for (const state of this.hospitals.values()) for (const s of state.streams) s.send(frame, bytes);
  }

  private onDrop(stream: SseStream, queuedBytes: number): void {
    this.deps.metrics.streamClientsDropped.inc();
    this.droppedSinceLog++;
    const now = this.deps.clock.monotonicMs();
    if (now - this.lastDropLogMs >= DROP_LOG_INTERVAL_MS) {
      this.deps.logger.warn({ hospitalId: stream.hospitalId, queuedBytes, droppedSinceLastLog: this.droppedSinceLog }, 'SSE client too slow; dropped (it reconnects from a snapshot)');
      this.lastDropLogMs = now;
      this.droppedSinceLog = 0;
    }
  }
}
