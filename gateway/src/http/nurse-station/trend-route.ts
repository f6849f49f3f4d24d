/**
 * `GET /api/trend?bed=bed-01&hours=1|24[&metric=HR]` (role view): one bed's trends from the
 * gateway's own buffer, for the page's sparklines (1 h) and bed view (24 h), so they work
 * with the cloud unreachable. Answers `{bedId, fromMs, toMs, bucketMs, series, marks}`
 * (trend-query.ts), at most TREND_BUCKETS min/max buckets per metric.
 *
 * Bad input is 400 WL_TREND_BAD_QUERY (detail.param names the parameter), an unknown bed
 * 404 WL_BED_NOT_FOUND; refusals are counted by code and logged at most once a minute.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Database from 'better-sqlite3';
import { isMetricId, systemClock, type Clock } from '@wardlink/shared';
import type { AlarmLogger } from '../../alarms/types.js';
import { sendJson, type HttpServer } from '../server.js';
import { BadTrendQueryError, TrendBedNotFoundError, type NurseStationError } from './errors.js';
import { TrendQuery } from './trend-query.js';

/** Points per metric on the page: about the pixel width of the bed view's chart. */
export const TREND_BUCKETS = 300;
const HOURS = new Set([1, 24]);
const BED_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const LOG_EVERY_MS = 60_000;

export interface TrendRouteDeps {
  db: Database.Database;
  /** The ward's beds (the registry). */
  bedIds: () => readonly string[];
  clock?: Clock;
  logger?: Pick<AlarmLogger, 'warn'>;
}

export function parseTrendQuery(url: URL): { bedId: string; hours: number; metric: string | null } {
  const bedId = url.searchParams.get('bed') ?? '';
  if (!BED_ID.test(bedId)) throw new BadTrendQueryError('bed', 'must be a bed id (1-64 letters, digits, ".", "_", ":" or "-")');
  const hours = Number(url.searchParams.get('hours') ?? '1');
  if (!HOURS.has(hours)) throw new BadTrendQueryError('hours', 'must be 1 or 24');
  const metric = url.searchParams.get('metric');
  if (metric !== null && !isMetricId(metric)) throw new BadTrendQueryError('metric', 'must be a metric id of the catalog (HR, SPO2, ...)');
  return { bedId, hours, metric };
}

export class TrendRoute {
  /** Refused requests by error code (for /metrics and tests). */
  readonly refused = new Map<string, number>();
  private readonly query: TrendQuery;
  private readonly clock: Clock;
  private lastLogMs = -Infinity;

  constructor(private readonly deps: TrendRouteDeps) {
    this.query = new TrendQuery(deps.db);
    this.clock = deps.clock ?? systemClock;
  }

  register(http: HttpServer): void {
    http.route('GET', '/api/trend', (req, res, url) => this.handle(req, res, url), { access: 'view' });
  }

  private async handle(_req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      const { bedId, hours, metric } = parseTrendQuery(url);
      if (!this.deps.bedIds().includes(bedId)) throw new TrendBedNotFoundError(bedId);
      const toMs = this.clock.now();
      sendJson(res, 200, await this.query.bedTrend({ bedId, fromMs: toMs - hours * 3_600_000, toMs, buckets: TREND_BUCKETS, metric }));
    } catch (err) {
      if (err instanceof BadTrendQueryError || err instanceof TrendBedNotFoundError) this.count(err);
      throw err;
    }
  }

  private count(err: NurseStationError): void {
    this.refused.set(err.code, (this.refused.get(err.code) ?? 0) + 1);
    const now = this.clock.now();
    if (now - this.lastLogMs < LOG_EVERY_MS) return;
    this.lastLogMs = now;
    this.deps.logger?.warn({ code: err.code, refused: Object.fromEntries(this.refused) }, 'trend requests refused (counts since start)');
  }
}
