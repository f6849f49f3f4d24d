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
 * - Writing: a frame goes to a hospital's clients a slice of streams at a time, the
 *   event loop free between slices (fan-out.ts), each stream's frames in order.
 * Snapshots are read and shared in stream-snapshot.ts, revoked tokens are ended in
 * stream-revocation.ts, the types are in stream-hub-types.ts.
 */
import type { ServerResponse } from 'node:http';
import type { TimerHandle } from '@wardlink/shared';
import type { LatestChange } from '../../../ingest/latest-notify.js';
import { metricUnitsOf } from '../read/metric-units.js';
import { changedRowView, queryChangedRows } from './changed-rows.js';
import { TooManyStreamsError } from './errors.js';
import { FanOut } from './fan-out.js';
import { sseFrame, SseStream } from './sse-stream.js';
import type { HospitalState, Pending, StreamHubDeps, StreamHubOptions } from './stream-hub-types.js';
import { StreamRevocation } from './stream-revocation.js';
import { joinSnapshot, snapshotFrame } from './stream-snapshot.js';

export type { StreamHubDeps, StreamHubOptions } from './stream-hub-types.js';

/** Ticks a gateway's change may wait for the replica before it is given up (logged). */
const MAX_LAG_ATTEMPTS = 10;
const DROP_LOG_INTERVAL_MS = 10_000;

export class StreamHub {
  readonly maxStreams: number;
  readonly maxStreamsPerHospital: number;
  /** Ends the streams opened with a token that was revoked or rotated away. */
  private readonly revocation: StreamRevocation;
  private readonly revalidate: TimerHandle | undefined;
  private readonly maxQueuedBytes: number;
  private readonly coalesceMs: number;
  private readonly retryMs: number;
  private readonly hospitals = new Map<string, HospitalState>();
  private readonly keepAlive: TimerHandle;
  private count = 0;
  private droppedSinceLog = 0;
  private lastDropLogMs = -Infinity;
  private closed = false;
  private readonly fanOut: FanOut;

  constructor(
    private readonly deps: StreamHubDeps,
    options: StreamHubOptions = {},
  ) {
    this.maxStreams = options.maxStreams ?? 500;
    this.maxStreamsPerHospital = options.maxStreamsPerHospital ?? 100;
    this.revocation = new StreamRevocation(this.hospitals, deps);
    if (deps.validTokens) this.revalidate = deps.clock.setInterval(() => void this.endRevoked(), options.revalidateMs ?? 2_000).unref();
    this.maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024;
    this.coalesceMs = options.coalesceMs ?? 500;
    this.retryMs = options.retryMs ?? 3_000;
    this.fanOut = new FanOut((event, sent) => {
      if (event !== 'keep-alive') this.deps.metrics.streamEvents.inc({ event }, sent);
    }, options.fanOutSlice);
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
    if (tokenHash !== undefined) this.revocation.track(stream, tokenHash);
    // Registered before the snapshot is read, so a change committed meanwhile is queued.
    const state = this.add(stream, res);
    try {
      const { frame, missed } = joinSnapshot(this.deps, hospitalId, state);
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
      void snapshotFrame(this.deps, hospitalId).then(
        (frame) => this.sendTo(state, frame, 'snapshot'),
        (err: unknown) => this.deps.logger.warn({ err, hospitalId }, 'stream resync snapshot failed; clients keep the changes that follow'),
      );
    }
  }

  /** Ends every stream (shutdown: clients reconnect, to another instance). */
  close(): void {
    this.closed = true;
    this.fanOut.close();
    this.keepAlive.cancel();
    this.revalidate?.cancel();
    for (const state of this.hospitals.values()) {
      state.timer?.cancel();
      for (const s of state.streams) s.end();
    }
  }

  /** Closes the streams whose token no longer belongs to a reader that may read. */
  endRevoked(): Promise<number> {
    return this.revocation.endRevoked();
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
    // Written a slice of streams at a time (fan-out.ts), to the streams the hospital has now.
    this.fanOut.send([...state.streams], frame, event);
  }

  private sendAll(frame: string): void {
    const streams: SseStream[] = [];
    for (const state of this.hospitals.values()) for (const s of state.streams) streams.push(s);
    this.fanOut.send(streams, frame, 'keep-alive');
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
