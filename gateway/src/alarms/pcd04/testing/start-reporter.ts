/** A reporter on a real SQLite file, pointed at a stub, with test-sized timings. */
import type Database from 'better-sqlite3';
import { systemClock } from '@wardlink/shared';
import type { AlarmEngine } from '../../engine.js';
import type { ConnectionTarget } from '../connection.js';
import { Pcd04Reporter } from '../reporter.js';
import { ADDRESSING } from './phases.js';

export interface ReporterTimings {
  ackTimeoutMs?: number;
  keepAliveIntervalMs?: number;
  downAfterMs?: number;
  maxBackoffMs?: number;
}

export function startReporter(db: Database.Database, engine: Pick<AlarmEngine, 'events' | 'limitsFor' | 'onAlarmManagerState'>, port: number, t: ReporterTimings = {}, tls: ConnectionTarget['tls'] = null): Pcd04Reporter {
  const ackTimeoutMs = t.ackTimeoutMs ?? 5000;
  const reporter = new Pcd04Reporter({
    db,
    engine,
    settings: {
      target: { host: '127.0.0.1', port, tls, connectTimeoutMs: ackTimeoutMs },
      addressing: ADDRESSING,
      ackTimeoutMs,
      keepAliveIntervalMs: t.keepAliveIntervalMs ?? 30_000,
      downAfterMs: t.downAfterMs ?? 600_000,
      maxBackoffMs: t.maxBackoffMs ?? 1000,
    },
    place: (bedId) => ({ pointOfCare: 'ICU3A', bedLabel: bedId === '-' ? null : bedId }),
    clock: systemClock,
  });
  reporter.start();
  return reporter;
}

/** A free TCP port, closed again (the manager is down until a stub listens on it). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
