/**
 * Watches the read replica: every `intervalMs` it reads the primary's WAL position, then
 * the replica's replayed one, and keeps whether the replica answered and how far behind
 * it is (replica-lag.ts). The read routing decides from this state, so a request never
 * waits for a check. State changes are logged once, when they happen.
 */
import type pg from 'pg';
import type { Clock, TimerHandle } from '@wardlink/shared';
import type { Logger } from '../logger.js';
import { QueryTimeoutError, queryWithin } from './query-within.js';
import { LagEstimator, parseLsn } from './replica-lag.js';
import type { ReplicaMetrics } from './replica-metrics.js';

export interface ReplicaState {
  /** The replica answered its last check (assumed until the first one ends). */
  up: boolean;
  /** Replay lag; undefined while unknown (replica down, or the primary unreachable). */
  lagMs: number | undefined;
}

export interface ReplicaMonitorOptions {
  primary: pg.Pool;
  /** The checks' own pool on the replica (one connection), not the requests' pool: when
   * long reads hold every request connection, a check must not wait for one and take the
   * busy replica for a silent one. */
  replica: pg.Pool;
  clock: Clock;
  logger: Logger;
  metrics: ReplicaMetrics;
  intervalMs: number;
  /** A check that gets no answer within this counts as the replica (or primary) down. Default max(2 s, 2 x intervalMs). */
  checkTimeoutMs?: number;
}

export class ReplicaMonitor {
  private current: ReplicaState = { up: true, lagMs: undefined };
  private readonly lag = new LagEstimator();
  private timer: TimerHandle | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly unreachableListeners: (() => void)[] = [];

  constructor(private readonly o: ReplicaMonitorOptions) {
    o.metrics.up.set(1);
  }

  private get timeoutMs(): number {
    return this.o.checkTimeoutMs ?? Math.max(2_000, 2 * this.o.intervalMs);
  }

  get state(): ReplicaState {
    return this.current;
  }

  /** Calls `listener` each time a check gets no answer at all from the replica (its query
   * or its connection timed out): the routing then ends the replica queries still in
   * flight, which would otherwise wait on a dead socket for as long as TCP keeps it. A
   * replica that answers with an error (shutting down, refusing connections) closes its
   * connections itself, and its queries fail without help. */
  onUnreachable(listener: () => void): void {
    this.unreachableListeners.push(listener);
  }

  /** Checks now, then every intervalMs (the next check is timed from the end of the last). */
  start(): void {
    const loop = () => {
      this.running = this.check().then(() => undefined).finally(() => {
        if (!this.stopped) this.timer = this.o.clock.setTimeout(loop, this.o.intervalMs).unref();
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.running;
  }

  /** One check; public so tests and the routing can ask for a fresh state. */
  async check(): Promise<ReplicaState> {
    let primaryLsn: bigint | undefined;
    let atMs = this.o.clock.now();
    try {
      // The primary first: anything the replica has replayed by the time we ask it was
      // written before this position was read, so a caught-up replica shows no lag.
      const res = await queryWithin<{ lsn: string }>(this.o.primary, 'SELECT pg_current_wal_lsn()::text AS lsn', this.timeoutMs, this.o.clock);
      primaryLsn = parseLsn(res.rows[0]!.lsn);
      atMs = this.o.clock.now();
    } catch {
      // Primary unreachable: the lag cannot be dated; the replica may still serve reads.
    }
    try {
      // Bounded: a replica host that stops answering without closing the connection would
      // otherwise hold this check, and the state with it ("up"), for as long as TCP waits.
      const res = await queryWithin<{ replay: string | null }>(this.o.replica, 'SELECT pg_last_wal_replay_lsn()::text AS replay', this.timeoutMs, this.o.clock);
      const replay = res.rows[0]!.replay;
      // Not in recovery (no replay position): a server that is not a standby has no lag.
      const reading = replay === null ? { lagMs: 0, lagBytes: 0 } : primaryLsn === undefined ? undefined : this.lag.observe(atMs, primaryLsn, parseLsn(replay));
      this.update({ up: true, lagMs: reading?.lagMs });
      if (reading) {
        this.o.metrics.lagSeconds.set(reading.lagMs / 1000);
        this.o.metrics.lagBytes.set(reading.lagBytes);
      }
    } catch (err) {
      this.markDown(err);
      if (isSilence(err)) for (const listener of this.unreachableListeners) listener();
    }
    return this.current;
  }

  /** The replica failed (a check, or a request's connection): reads go to the primary
   * until a check succeeds again. */
  markDown(err: unknown): void {
    this.lag.reset();
    this.update({ up: false, lagMs: undefined }, err);
  }

  private update(next: ReplicaState, err?: unknown): void {
    const before = this.current;
    this.current = next;
    this.o.metrics.up.set(next.up ? 1 : 0);
    if (before.up && !next.up) {
      const e = err as { message?: string; code?: string } | undefined;
      this.o.logger.warn({ err: { message: String(e?.message ?? err), code: e?.code } }, 'the read replica is unreachable; reads go to the primary until it answers again');
    } else if (!before.up && next.up) {
      this.o.logger.info({ lagMs: next.lagMs }, 'the read replica answers again; reads return to it');
    }
  }
}

/** No answer at all: the check's query timed out, or its connection could not be opened in
 * time (pg-pool's and pg's connect timeouts carry no code). */
function isSilence(err: unknown): boolean {
  if (err instanceof QueryTimeoutError) return true;
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  return typeof code !== 'string' && typeof message === 'string' && /timeout|timed out/i.test(message);
}
