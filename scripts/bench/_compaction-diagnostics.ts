/**
 * The compaction bench's diagnostics (scripts/bench/compaction.ts): CPU of this process
 * and of PostgreSQL backends (from /proc), checkpoints, the sessions' activity sampled
 * from pg_stat_activity, the longest event loop block, and what the job was doing (its
 * time by unit step, the step and sessions behind a slow live batch).
 */
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { round, sleep } from './_compaction-common.js';

/** A unit step of the job as its hook (or progress) reported it, timed with performance.now(). */
export interface JobStep {
  at: number;
  step: string;
  patient: string;
}

/** A stretch of time, in performance.now() ms (a live batch). */
export interface Span {
  start: number;
  end: number;
}

/** CPU (user + system) of a process in µs, from /proc; undefined when unreadable. */
function procCpuUs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return undefined;
  }
}

export function nodeCpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Checkpoints so far (pg_stat_checkpointer from PostgreSQL 17, pg_stat_bgwriter before). */
export async function checkpoints(pool: pg.Pool): Promise<number> {
  const v17 = await pool.query("SELECT to_regclass('pg_catalog.pg_stat_checkpointer') IS NOT NULL AS yes");
  const sql = v17.rows[0].yes
    ? 'SELECT (num_timed + num_requested)::int AS n FROM pg_stat_checkpointer'
    : 'SELECT (checkpoints_timed + checkpoints_req)::int AS n FROM pg_stat_bgwriter';
  return (await pool.query(sql)).rows[0].n;
}

/** The WAL insert position in bytes (exact: what every session has written so far). */
export async function walInsertBytes(pool: pg.Pool): Promise<number> {
  const res = await pool.query<{ b: string }>("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint::text AS b");
  return Number(res.rows[0]!.b);
}

export interface ActivitySample {
  at: number;
  pid: number;
  wait: string;
  query: string;
}

/** Samples the bench database's sessions (what runs, what it waits on) every `everyMs`. */
export function sampleActivity(pool: pg.Pool, everyMs: number): { samples: ActivitySample[]; stop(): Promise<void> } {
  const samples: ActivitySample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = performance.now();
      const res = await pool.query<{ pid: number; wait: string | null; state: string; query: string }>(
        `SELECT pid, wait_event_type || ':' || wait_event AS wait, state, left(regexp_replace(query, '\\s+', ' ', 'g'), 40) AS query
         FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state <> 'idle'`,
      );
      for (const r of res.rows) samples.push({ at, pid: r.pid, wait: r.wait ?? 'CPU', query: r.state === 'active' ? r.query : `${r.state}, after: ${r.query}` });
      await sleep(Math.max(0, everyMs - (performance.now() - at)));
    }
  })();
  return {
    samples,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** "what (count), ..." of the samples, most frequent first. */
function tally(xs: string[]): string {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} (${n})`).join(', ') || 'no samples';
}

/** The CPU of the backends in `pids` from now on: since() is µs over all of them (null when one is unreadable). */
export function backendsCpu(pids: Set<number>): { since(): number | null } {
  const before = new Map([...pids].map((pid) => [pid, procCpuUs(pid)]));
  return {
    since: () => {
      let us: number | null = 0;
      for (const pid of pids) {
        const after = procCpuUs(pid);
        const beforePid = before.has(pid) ? before.get(pid) : 0;
        if (after === undefined || beforePid === undefined) us = null;
        else if (us !== null) us += after - beforePid;
      }
      return us;
    },
  };
}

/** Watches for the longest stretch the event loop was blocked, and when (a 5 ms ticker). */
export function watchLoopBlocks(): { stop(): { ms: number; at: number } } {
  let lastTick = performance.now();
  let longestBlock = { ms: 0, at: 0 };
  const ticker = setInterval(() => {
    const now = performance.now();
    if (now - lastTick > longestBlock.ms) longestBlock = { ms: now - lastTick, at: lastTick };
    lastTick = now;
  }, 5);
  return {
    stop: () => {
      clearInterval(ticker);
      return longestBlock;
    },
  };
}

/** Where the job's time went: each step from the previous event (of any unit) to its own, in % of the job. */
export function stepShares(steps: JobStep[], jobStart: number, jobEnd: number): string {
  const share = new Map<string, number>();
  steps.forEach((e, i) => share.set(e.step, (share.get(e.step) ?? 0) + e.at - (i === 0 ? jobStart : steps[i - 1]!.at)));
  share.set('after the last unit (reclaim)', jobEnd - (steps.at(-1)?.at ?? jobStart));
  return [...share].map(([k, ms]) => `${k === 'read' ? 'read (DELETE ... RETURNING, COPY out, since the previous unit)' : k === 'units-listed' ? 'listing units (SELECT DISTINCT)' : k} ${round((100 * ms) / (jobEnd - jobStart))}%`).join(', ');
}

/** The step in progress at the start of `b`, and the steps that ended during it. */
export function overlappedSteps(steps: JobStep[], b: Span): string {
  const next = steps.find((e) => e.at >= b.start);
  const inside = steps.filter((e) => e.at >= b.start && e.at <= b.end).map((e) => e.step);
  if (!next) return 'after the last unit (reclaim: VACUUM, REINDEX CONCURRENTLY)';
  const what = next.step === 'units-listed' ? 'listing units (SELECT DISTINCT over the partition)' : `${next.step} of ${next.patient}`;
  return `${what} in progress at its start; steps ended during it: ${inside.join(' ') || 'none'}`;
}

/** What the job's sessions ran and what the live session waited on, during `b`. */
export function sessionsDuring(samples: ActivitySample[], jobPids: Set<number>, livePid: number, b: Span): string {
  const within = samples.filter((a) => a.at >= b.start && a.at <= b.end);
  return `job ran: ${tally(within.filter((a) => jobPids.has(a.pid)).map((a) => `${a.query} [${a.wait}]`))}; live session: ${tally(within.filter((a) => a.pid === livePid).map((a) => `${a.query.replace(/^(.*after: )?(\S+ \S+).*$/, '$1$2')} [${a.wait}]`))}`;
}

/** The step in progress at `at`. */
export function stepAt(steps: JobStep[], at: number): string {
  const during = steps.find((e) => e.at >= at);
  return !during ? 'after the last unit' : during.step === 'units-listed' ? 'listing units' : `${during.step} of ${during.patient}`;
}
