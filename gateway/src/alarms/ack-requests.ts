/**
 * Acknowledgements from another process. The CLI cannot reach the daemon's memory, so it
 * writes a row in `alarm_ack_requests` and waits; the daemon (woken by `PRAGMA
 * data_version`) acknowledges in its engine and writes the outcome back on the row. A
 * request nobody takes in time is withdrawn by the CLI (so a daemon started later does
 * not act on a stale request), and the daemon refuses requests older than `maxAgeMs`.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AlarmAckTimeoutError, sleep, systemClock, WardlinkError, type Clock } from '@wardlink/shared';

export type AckStatus = 'pending' | 'done' | 'rejected';

export interface AckRequest {
  requestId: string;
  alarmId: string;
  actor: string;
  requestedAtMs: number;
  status: AckStatus;
  resultCode: string | null;
  resultMessage: string | null;
  handledAtMs: number | null;
}

interface Row {
  request_id: string;
  alarm_id: string;
  actor: string;
  requested_at_ms: number;
  status: string;
  result_code: string | null;
  result_message: string | null;
  handled_at_ms: number | null;
}

const toRequest = (r: Row): AckRequest => ({
  requestId: r.request_id,
  alarmId: r.alarm_id,
  actor: r.actor,
  requestedAtMs: r.requested_at_ms,
  status: r.status as AckStatus,
  resultCode: r.result_code,
  resultMessage: r.result_message,
  handledAtMs: r.handled_at_ms,
});

/** The daemon refuses requests older than this (the CLI gave up on them). */
export const ACK_REQUEST_MAX_AGE_MS = 30_000;

export class AckRequests {
  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock = systemClock,
  ) {}

  // ---- the CLI side
  request(alarmId: string, actor: string): AckRequest {
    const req: AckRequest = { requestId: randomUUID(), alarmId, actor, requestedAtMs: this.clock.now(), status: 'pending', resultCode: null, resultMessage: null, handledAtMs: null };
    this.db.prepare('INSERT INTO alarm_ack_requests (request_id, alarm_id, actor, requested_at_ms) VALUES (?, ?, ?, ?)').run(req.requestId, alarmId, actor, req.requestedAtMs);
    return req;
  }

  get(requestId: string): AckRequest | undefined {
    const row = this.db.prepare('SELECT * FROM alarm_ack_requests WHERE request_id = ?').get(requestId) as Row | undefined;
    return row && toRequest(row);
  }

  /** Waits for the daemon's answer: resolves when done, throws the daemon's error when
   * rejected, and withdraws the request and throws `AlarmAckTimeoutError` after `timeoutMs`. */
  async await(req: AckRequest, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<AckRequest> {
    const timeoutMs = opts.timeoutMs ?? 3000;
    const deadline = this.clock.monotonicMs() + timeoutMs;
    for (;;) {
      const now = this.get(req.requestId)!;
      if (now.status === 'done') return now;
      if (now.status === 'rejected') throw new WardlinkError(now.resultCode ?? 'WL_ALARM_ACK_REJECTED', now.resultMessage ?? 'the gateway refused the acknowledgement', { alarmId: req.alarmId });
      if (this.clock.monotonicMs() >= deadline) {
        const withdrawn = this.settle(req.requestId, 'rejected', 'WL_ALARM_ACK_TIMEOUT', 'withdrawn: no running gateway took it in time');
        if (withdrawn) throw new AlarmAckTimeoutError(req.alarmId, timeoutMs);
        continue; // the daemon answered at the last moment: read its answer
      }
      await sleep(opts.pollMs ?? 50, this.clock);
    }
  }

  // ---- the daemon side
  pending(): AckRequest[] {
    return (this.db.prepare("SELECT * FROM alarm_ack_requests WHERE status = 'pending' ORDER BY requested_at_ms").all() as Row[]).map(toRequest);
  }

  /** Marks a pending request; false if it was no longer pending (withdrawn or taken). */
  settle(requestId: string, status: 'done' | 'rejected', code: string | null, message: string | null): boolean {
    const res = this.db
      .prepare("UPDATE alarm_ack_requests SET status = ?, result_code = ?, result_message = ?, handled_at_ms = ? WHERE request_id = ? AND status = 'pending'")
      .run(status, code, message, this.clock.now(), requestId);
    return res.changes === 1;
  }

  /** Serves every pending request with `ack`, which throws a WardlinkError to refuse. */
  serve(ack: (alarmId: string, actor: string) => void, maxAgeMs = ACK_REQUEST_MAX_AGE_MS): number {
    let served = 0;
    for (const req of this.pending()) {
      if (this.clock.now() - req.requestedAtMs > maxAgeMs) {
        this.settle(req.requestId, 'rejected', 'WL_ALARM_ACK_TIMEOUT', 'expired before the gateway took it');
        continue;
      }
      // Under the write lock, so the CLI cannot withdraw the request between our check
      // and the acknowledgement: either we act on it, or it was withdrawn first.
      const taken = this.db.transaction(() => {
        const status = this.db.prepare('SELECT status FROM alarm_ack_requests WHERE request_id = ?').pluck().get(req.requestId);
        if (status !== 'pending') return false;
        try {
          ack(req.alarmId, req.actor);
          this.settle(req.requestId, 'done', null, null);
        } catch (err) {
          const code = err instanceof WardlinkError ? err.code : 'WL_INTERNAL';
          this.settle(req.requestId, 'rejected', code, (err as Error).message);
        }
        return true;
      }).immediate();
      if (!taken) continue;
      served += 1;
    }
    return served;
  }
}
