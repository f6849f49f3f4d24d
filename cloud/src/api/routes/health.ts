/**
 * GET /healthz: the process is up and serving (liveness; no dependency is checked, so a
 * database outage never gets healthy instances restarted).
 * GET /readyz: this instance can take batches: PostgreSQL answers and its schema is the
 * version this build expects. The check is cached for a second, so a fleet of probes
 * costs PostgreSQL one query a second per instance.
 */
import type pg from 'pg';
import { systemClock, type Clock } from '@wardlink/shared';
import { currentVersion, latestVersion } from '../../storage/migrator.js';
import { transientReason } from '../../storage/db-errors.js';
import type { RequestContext } from '../context.js';

export interface ReadinessReport {
  ready: boolean;
  database: 'ok' | 'unreachable';
  schemaVersion: number | null;
  expectedSchemaVersion: number;
  reason?: string;
}

export type ReadinessCheck = () => Promise<ReadinessReport>;

export function createReadinessCheck(pool: pg.Pool, options: { cacheMs?: number; clock?: Clock } = {}): ReadinessCheck {
  const clock = options.clock ?? systemClock;
  const cacheMs = options.cacheMs ?? 1_000;
  const expected = latestVersion();
  let cached: { at: number; report: Promise<ReadinessReport> } | undefined;
  const check = async (): Promise<ReadinessReport> => {
    try {
      const version = await currentVersion(pool);
      if (version === expected) return { ready: true, database: 'ok', schemaVersion: version, expectedSchemaVersion: expected };
      const reason = version < expected ? 'migrations pending: run "wardlink-cloud migrate"' : 'the schema is newer than this build';
      return { ready: false, database: 'ok', schemaVersion: version, expectedSchemaVersion: expected, reason };
    } catch (err) {
      const why = transientReason(err) ?? (err as Error).message;
      return { ready: false, database: 'unreachable', schemaVersion: null, expectedSchemaVersion: expected, reason: String(why) };
    }
  };
  return () => {
    const now = clock.monotonicMs();
    if (!cached || now - cached.at >= cacheMs) cached = { at: now, report: check() };
    return cached.report;
  };
}

export function handleHealth(ctx: RequestContext): void {
  ctx.sendJson(200, { status: 'ok' });
}

export async function handleReady(ctx: RequestContext, readiness: ReadinessCheck, shuttingDown: boolean): Promise<void> {
  if (shuttingDown) {
    ctx.sendJson(503, { ready: false, reason: 'shutting down' }, { 'retry-after': '5' });
    return;
  }
  const report = await readiness();
  ctx.sendJson(report.ready ? 200 : 503, report, report.ready ? {} : { 'retry-after': '5' });
}
