/**
 * CPU time of the two sides of `pnpm bench cloud-ingest`, from the kernel's counters, so
 * the service and the bare-COPY ceiling are compared by work done rather than by wall
 * time on 2 cores shared with everything else:
 * - the client side: the service process (or, for the bare COPY, this bench process);
 * - PostgreSQL: on the embedded cluster every process of it (postmaster, backends, WAL
 *   writer, checkpointer: WAL flushing is part of what an ingest costs); on DATABASE_URL,
 *   shared with other users, only the backends connected to the bench's own database
 *   (pg_stat_activity), diffed over the phase.
 */
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { clusterCpu, cpuMs } from './_cloud-ingest-proc.js';

/** CPU ms per process at one instant. */
type Snapshot = Map<number, number>;

export interface DbCpuProbe {
  /** What is counted: 'cluster' (every process of the embedded cluster) or 'backends'. */
  readonly source: 'cluster' | 'backends';
  snapshot(): Promise<Snapshot>;
  /** CPU ms spent since `before` (sessions that ended in between are lost). */
  since(before: Snapshot): Promise<number>;
}

export function dbCpuProbe(pool: pg.Pool, pgDir: string | undefined): DbCpuProbe {
  const snapshot = async (): Promise<Snapshot> => {
    if (pgDir) return clusterCpu(pgDir)!;
    const res = await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
    return new Map(res.rows.map((r) => [r.pid, cpuMs(r.pid)]));
  };
  return {
    source: pgDir ? 'cluster' : 'backends',
    snapshot,
    async since(before) {
      const after = await snapshot();
      let sum = 0;
      for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
      return sum;
    },
  };
}

/** This process's CPU ms (user + system, every thread), from /proc/self/stat. */
export function selfCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** CPU ms per reading scaled to seconds per million readings. */
export function sPerMillion(cpuMsSpent: number, readings: number): number {
  return Number(((cpuMsSpent / readings) * 1000).toFixed(3));
}
