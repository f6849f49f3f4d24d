/**
 * Bad input is counted every time but logged at most once per (device, code) per interval,
 * with the number suppressed since, so a flooding device cannot fill the disk with logs.
 */
import type { Logger } from 'pino';
import type { GatewayMetrics } from '../observability/metrics.js';

/** A WardlinkError, or a format's per-observation reject: anything with a stable code. */
export interface RejectInfo {
  code: string;
  message: string;
  detail?: Record<string, unknown>;
}

/** A commit failure (or any error) as a reject to count: its stable code, else a generic one. */
export function toRejectInfo(err: unknown, message: string): RejectInfo {
  const code = (err as { code?: unknown } | null)?.code;
  return { code: typeof code === 'string' ? code : 'WL_BUFFER_WRITE_FAILED', message: `${message}: ${err instanceof Error ? err.message : String(err)}` };
}

export class RejectLog {
  private readonly lastLogged = new Map<string, { atMs: number; suppressed: number }>();
  private readonly totals = new Map<string, number>();

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  record(deviceId: string | null, err: RejectInfo, context: Record<string, unknown> = {}): void {
    const device = deviceId ?? 'unknown';
    this.metrics.rejects.inc({ device, code: err.code });
    const key = `${device}\u0000${err.code}`;
    this.totals.set(err.code, (this.totals.get(err.code) ?? 0) + 1);
    const entry = this.lastLogged.get(key);
    const now = this.now();
    if (entry && now - entry.atMs < this.intervalMs) {
      entry.suppressed += 1;
      return;
    }
    this.lastLogged.set(key, { atMs: now, suppressed: 0 });
    if (this.lastLogged.size > 10_000) this.lastLogged.clear();
    this.logger.warn(
      { device, code: err.code, detail: err.detail, suppressedSinceLast: entry?.suppressed ?? 0, ...context },
      err.message,
    );
  }

  /** Totals by error code since start, for `status`. */
  countsByCode(): Record<string, number> {
    return Object.fromEntries(this.totals);
  }
}
