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
  /** The observation code refused (OBX-3, ASCII label, MQTT key), when it is about one. */
  rawCode?: string;
}

/** One refused kind of value of one device, for `status` and /metrics. */
export interface RefusedValue {
  deviceId: string;
  code: string;
  /** The observation code, or null for a refusal of a whole message. */
  term: string | null;
  count: number;
}

/** Distinct observation codes tracked per device; more are counted under "(other)". */
const MAX_TERMS_PER_DEVICE = 64;

/** A commit failure (or any error) as a reject to count: its stable code, else a generic one. */
export function toRejectInfo(err: unknown, message: string): RejectInfo {
  const code = (err as { code?: unknown } | null)?.code;
  return { code: typeof code === 'string' ? code : 'WL_BUFFER_WRITE_FAILED', message: `${message}: ${err instanceof Error ? err.message : String(err)}` };
}

export class RejectLog {
  private readonly lastLogged = new Map<string, { atMs: number; suppressed: number }>();
  private readonly totals = new Map<string, number>();
  /** device → "code\0term" → count (bounded: terms are device input). */
  private readonly refused = new Map<string, Map<string, number>>();

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  record(deviceId: string | null, err: RejectInfo, context: Record<string, unknown> = {}): void {
    const device = deviceId ?? 'unknown';
    this.metrics.rejects.inc({ device, code: err.code });
    this.countTerm(device, err);
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

  /** What was refused, per device, code and observation code, most frequent first. */
  refusedValues(limit = 100): RefusedValue[] {
    const out: RefusedValue[] = [];
    for (const [deviceId, byKey] of this.refused) {
      for (const [key, count] of byKey) {
        const [code, term] = key.split('\u0000') as [string, string];
        out.push({ deviceId, code, term: term === '' ? null : term, count });
      }
    }
    return out.sort((a, b) => b.count - a.count).slice(0, limit);
  }

  private countTerm(device: string, err: RejectInfo): void {
    const detailCode = err.detail?.metricCode;
    const raw = err.rawCode ?? (typeof detailCode === 'string' ? detailCode : '');
    let byKey = this.refused.get(device);
    if (!byKey) {
      if (this.refused.size >= 1000) return; // devices are registered ones, or "unknown"
      this.refused.set(device, (byKey = new Map()));
    }
    let key = `${err.code}\u0000${raw.slice(0, 64)}`;
    if (!byKey.has(key) && byKey.size >= MAX_TERMS_PER_DEVICE) key = `${err.code}\u0000(other)`;
    byKey.set(key, (byKey.get(key) ?? 0) + 1);
    this.metrics.refusedValues.inc({ device, code: err.code, term: key.slice(err.code.length + 1) });
  }
}
