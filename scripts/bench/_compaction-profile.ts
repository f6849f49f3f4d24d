/**
 * A profiling harness for the compaction job (not a bench: no baseline, no live load).
 * `tsx scripts/bench/_compaction-profile.ts [devices] [hours]` (DATABASE_URL, default the
 * local test server) loads the bench's ward once into a template database that it keeps
 * (e_compaction_tpl_<devices>_<hours>; drop it when done), then runs the job alone on a
 * fresh copy, dropped afterwards, and prints one JSON line: wall time, this process's CPU
 * and the job backends' CPU per reading, time by unit step, the longest event loop gap
 * (with the CPU this process used in it: far less means it was not scheduled) and GC
 * pauses. For where Node's time goes, run it as
 * `node --cpu-prof --import tsx scripts/bench/_compaction-profile.ts`; E_CONCURRENCY sets
 * the job's concurrency.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { systemClock } from '@wardlink/shared';
import { createLifecycleContext, ensurePartitions, LocalFolderArchiveStore, migrate, runCompaction } from '@wardlink/cloud';
import { HOSPITAL, round } from './_compaction-common.js';
import { loadWard } from './_compaction-data.js';
import { backendsCpu, nodeCpuUs, watchLoopBlocks } from './_compaction-diagnostics.js';
import { quietLogger } from './_database.js';

const DAY_MS = 86_400_000;
const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const devices = Number(process.argv[2] ?? 20);
const hours = Number(process.argv[3] ?? 2);
const template = `e_compaction_tpl_${devices}_${hours}`;
const urlOf = (db: string) => Object.assign(new URL(base), { pathname: `/${db}` }).toString();
const admin = async (sql: string) => {
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
};
const log = (m: string) => console.error(m);

const day = Math.floor(Date.now() / DAY_MS) - 1;
const iso = (d: number) => new Date(d * DAY_MS).toISOString().slice(0, 10);
const exists = (await admin(`SELECT 1 FROM pg_database WHERE datname = '${template}'`)).rowCount === 1;
if (!exists) {
  await admin(`CREATE DATABASE ${template}`);
  const pool = new pg.Pool({ connectionString: urlOf(template), max: 4 });
  await migrate(pool, { logger: quietLogger });
  await pool.query("INSERT INTO hospitals (hospital_id, name) VALUES ($1, 'Bench General')", [HOSPITAL]);
  await ensurePartitions(pool, { fromDay: iso(day), toDay: iso(day + 2) });
  await loadWard(pool, { deviceCount: devices, hours, dayStart: new Date(day * DAY_MS), rowPartition: `vital_data_p${iso(day).replaceAll('-', '')}`, log });
  await pool.end();
}
const db = `e_compaction_run_${process.pid}`;
await admin(`CREATE DATABASE ${db} TEMPLATE ${template}`);
const pool = new pg.Pool({ connectionString: urlOf(db), max: 6, idleTimeoutMillis: 0 });
const pids = new Set<number>();
pool.on('connect', (c) => void c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid').then((r) => pids.add(r.rows[0]!.pid)));
const dir = mkdtempSync(join(tmpdir(), 'wl-compaction-profile-'));
try {
  const ctx = createLifecycleContext({ pool, logger: quietLogger, clock: systemClock, store: new LocalFolderArchiveStore(join(dir, 'a')), stagingDir: join(dir, 's') });
  await Promise.all([0, 1, 2, 3].map(() => pool.connect())).then((cs) => cs.forEach((c) => c.release()));
  await new Promise((r) => setTimeout(r, 100));
  const steps = new Map<string, number>();
  let last = performance.now();
  const gcPauses: number[] = [];
  const gc = new PerformanceObserver((list) => list.getEntries().forEach((e) => gcPauses.push(e.duration)));
  gc.observe({ entryTypes: ['gc'] });
  const blocks = watchLoopBlocks();
  let tickAt = performance.now();
  let tickCpu = process.cpuUsage();
  let worstTick = { ms: 0, cpuMs: 0 };
  const ticker = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage(tickCpu);
    if (now - tickAt > worstTick.ms) worstTick = { ms: now - tickAt, cpuMs: (cpu.user + cpu.system) / 1000 };
    tickAt = now;
    tickCpu = process.cpuUsage();
  }, 5);
  const pgCpu = backendsCpu(pids);
  const cpu0 = nodeCpuUs();
  const t0 = performance.now();
  const out = await runCompaction(ctx, {
    concurrency: Number(process.env.E_CONCURRENCY ?? 2),
    hook: (step) => {
      const now = performance.now();
      steps.set(step, (steps.get(step) ?? 0) + now - last);
      last = now;
    },
  });
  const ms = performance.now() - t0;
  const longest = blocks.stop();
  clearInterval(ticker);
  gc.disconnect();
  if (!out.ran) throw new Error('lock held');
  const r = out.value;
  const cpu = nodeCpuUs() - cpu0;
  const pgUs = pgCpu.since();
  console.log(
    JSON.stringify({
      readings: r.readings,
      units: r.units,
      failed: r.failedUnits,
      ms: round(ms),
      reclaim_ms: round(r.reclaimMs),
      per_s: round(r.readings / ((ms - r.reclaimMs) / 1000)),
      node_us: round(cpu / r.readings, 3),
      pg_us: pgUs === null ? null : round(pgUs / r.readings, 3),
      steps: Object.fromEntries([...steps].map(([k, v]) => [k, round(v)])),
      reclaimed: r.reclaimed,
      longest_loop_block_ms: round(longest.ms, 1),
      worst_tick: worstTick,
      gc_max_ms: round(Math.max(0, ...gcPauses), 1),
      gc_total_ms: round(gcPauses.reduce((a, b) => a + b, 0)),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  await pool.end();
  await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
}
