/**
 * What the audit log does between a refused write and the next stored one: when to try
 * again (exponential backoff, capped) and what to log. A full disk can refuse every write
 * for hours; one error line per attempt would bury the log, so an episode logs its first
 * failure, then at most one line per `logEveryMs`, then the recovery.
 */
import type { Clock } from '@wardlink/shared';
import type { AlarmLogger } from './types.js';

export interface AuditRetryOptions {
  /** Wait before the first retry, ms; doubled after each further failure. Default 250. */
  retryBaseMs?: number;
  /** The longest wait between two attempts, ms. Default 5000: an alarm event waits in
   * memory at most that long after the disk has room again. */
  retryMaxMs?: number;
  /** At most one log line per this many ms while writes keep failing. Default 60,000. */
  logEveryMs?: number;
}

export const AUDIT_RETRY_DEFAULTS = { retryBaseMs: 250, retryMaxMs: 5000, logEveryMs: 60_000 } as const;

export class WriteFailures {
  private count = 0;
  private sinceMs = 0;
  private lastLogMs = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly logEveryMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly logger: AlarmLogger,
    opts: AuditRetryOptions = {},
  ) {
    this.baseMs = opts.retryBaseMs ?? AUDIT_RETRY_DEFAULTS.retryBaseMs;
    this.maxMs = Math.max(this.baseMs, opts.retryMaxMs ?? AUDIT_RETRY_DEFAULTS.retryMaxMs);
    this.logEveryMs = opts.logEveryMs ?? AUDIT_RETRY_DEFAULTS.logEveryMs;
  }

  /** Writes refused in a row since the last stored one. */
  get inARow(): number {
    return this.count;
  }

  /** Notes a refused write; returns how long to wait before the next attempt. */
  failed(err: unknown, queued: number): number {
    const now = this.clock.monotonicMs();
    this.count += 1;
    const retryInMs = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.count - 1, 30));
    const code = (err as { code?: unknown } | null)?.code;
    if (this.count === 1) {
      this.sinceMs = now;
      this.lastLogMs = now;
      this.logger.error({ err, code, queued, retryInMs }, 'alarm events not stored; kept in memory and retried');
    } else if (now - this.lastLogMs >= this.logEveryMs) {
      this.lastLogMs = now;
      this.logger.error({ err, code, failures: this.count, failingForMs: now - this.sinceMs, queued, retryInMs }, 'alarm events still not stored; kept in memory and retried');
    }
    return retryInMs;
  }

  /** A write was stored: ends the episode (logged if there was one). */
  stored(): void {
    if (this.count === 0) return;
    this.logger.warn({ failures: this.count, failedForMs: this.clock.monotonicMs() - this.sinceMs }, 'alarm events stored again after failed writes');
    this.count = 0;
  }
}
