/**
 * `pnpm bench gateway-ingest [--quick]`: 50 simulated beds publish 8-metric records over
 * MQTT QoS 1 as fast as they can, through the real gateway (a child process) into SQLite.
 * Baselines in the same run: a bare aedes broker (no auth, no handler) under the same
 * load, and raw batched better-sqlite3 inserts of the same readings (the storage ceiling).
 * The gateway runs as it ships: gateway/dist (rebuilt when a source is newer, as
 * gateway-footprint does) under the launcher's node flags (packaging/gateway/wardlink-gateway:
 * a 2 MB young generation). WARDLINK_GATEWAY_SOURCE=1 runs the source through tsx instead
 * (about 35 MB more RSS, and V8's default young generation).
 * gateway_cpu_us_per_reading and aedes_cpu_us_per_reading: CPU time (user + sys from
 * /proc/<pid>/stat) of the gateway process and of the bare aedes process in the counted
 * window of the same load, per reading acknowledged, so the comparison does not depend on
 * how the machine's cores were shared between the broker and the load generator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { localFetch } from '@wardlink/gateway';
import { createTestGateway, spawnDaemon, type TestGateway } from '@wardlink/gateway/testing';
import type { BenchOptions, BenchFigures } from './run.js';
import { BENCH_BEDS, BENCH_METRICS, payloadsPerDevice } from './_ward-payloads.js';
import { runMqttLoad, type LoadDevice } from './_mqtt-load.js';
import { readProc } from './_footprint-proc.js';
import { ensureGatewayDist, SHIPPED_NODE_FLAGS, spawnDistGateway } from './_footprint-daemon.js';

const BEDS = BENCH_BEDS;
const METRICS = BENCH_METRICS;

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** Where the gateway's memory is, from its own /metrics, to explain rss_mb. */
async function memoryBreakdown(gw: TestGateway, httpPort: number): Promise<Record<string, number>> {
  const text = await (await localFetch(gw.config, '/metrics', { port: httpPort })).text();
  const read = (name: string) => Math.round(Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? 0) / 1048576);
  return {
    heap_used_mb: read('wardlink_gateway_nodejs_heap_size_used_bytes'),
    heap_total_mb: read('wardlink_gateway_nodejs_heap_size_total_bytes'),
    external_mb: read('wardlink_gateway_nodejs_external_memory_bytes'),
  };
}

/**
 * Runs a load while sampling `pid`'s CPU every 50 ms, and returns the CPU it used in the
 * load's counted window: the `acked / perS` seconds before the load returned (after the
 * window its lanes only settle, in milliseconds, and its clients disconnect).
 */
async function withCpuOfWindow(pid: number, load: () => Promise<{ acked: number; perS: number }>): Promise<{ acked: number; perS: number; cpuUs: number }> {
  const samples: Array<{ atMs: number; cpuUs: number }> = [];
  const sample = () => {
    const p = readProc(pid);
    if (p) samples.push({ atMs: performance.now(), cpuUs: p.cpuUs });
  };
  const timer = setInterval(sample, 50);
  try {
    const result = await load();
    sample();
    const end = samples.at(-1)!;
    const windowStartMs = end.atMs - (result.acked / result.perS) * 1000;
    const start = samples.find((s) => s.atMs >= windowStartMs) ?? samples[0]!;
    return { ...result, cpuUs: end.cpuUs - start.cpuUs };
  } finally {
    clearInterval(timer);
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

function sqliteCeiling(dir: string, readings: number): number {
  const db = new Database(join(dir, 'ceiling.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE readings (id INTEGER PRIMARY KEY, device_id TEXT NOT NULL, bed_id TEXT NOT NULL, patient_id TEXT,
    metric TEXT NOT NULL, device_time_ms INTEGER NOT NULL, received_at_ms INTEGER NOT NULL, value REAL NOT NULL, flags INTEGER NOT NULL)`);
  const insert = db.prepare('INSERT INTO readings (device_id, bed_id, patient_id, metric, device_time_ms, received_at_ms, value, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const tx = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) insert.run(`bench-bed-${i % BEDS}`, `bed-${i % BEDS}`, 'P0001', METRICS[i % 8]!, 1_764_000_000_000 + i, 1_764_000_000_000 + i, 72, 0);
  });
  const started = performance.now();
  for (let i = 0; i < readings; i += 10_000) tx(i, Math.min(readings, i + 10_000));
  const perS = (readings * 1000) / (performance.now() - started);
  db.close();
  return perS;
}

/** The options `run` reads (scripts/bench/run.ts refuses any other). */
export const options = { 'reuse-build': 'use the gateway dist/ as built, do not rebuild' } as const;

export async function run({ quick, log }: BenchOptions): Promise<BenchFigures> {
  const durationMs = quick ? 5_000 : 20_000;
  const window = Number(process.env.BENCH_WINDOW ?? 32);
  log(`preparing ${BEDS} devices and payloads`);
  const payloads = payloadsPerDevice(quick ? 120 : 600);
  const gw = await createTestGateway({
    beds: Array.from({ length: BEDS }, (_, i) => `bed-${String(i + 1).padStart(2, '0')}`),
    devices: [...payloads.keys()].map((deviceId) => ({ deviceId, kind: 'mqtt' as const, bedId: deviceId.replace('bench-', ''), format: 'mqtt-json' })),
  });
  // Built before the baseline, so the two loads run back to back (a tsc in between would
  // put minutes and a different machine state between them).
  const fromSource = process.env.WARDLINK_GATEWAY_SOURCE === '1';
  const build = fromSource ? 'source (tsx)' : ensureGatewayDist(log, process.argv.includes('--reuse-build'));
  let child: ChildProcess | undefined;
  try {
    log('baseline: bare aedes');
    const bareScript = fileURLToPath(new URL('./_aedes-bare.ts', import.meta.url));
    const bare = spawn(process.execPath, ['--import', 'tsx', bareScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    const barePort = await new Promise<number>((resolve) => bare.stdout!.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()).ports.mqtt)));
    const bareDevices: LoadDevice[] = [...payloads].map(([deviceId, p]) => ({ deviceId, payloads: p }));
    const bareLoad = await withCpuOfWindow(bare.pid!, () => runMqttLoad({ port: barePort, devices: bareDevices, window, durationMs }));
    await stopChild(bare);
    log(`bare aedes: ${Math.round(bareLoad.perS)} msgs/s`);

    log('the gateway');
    const spawned = fromSource ? await spawnDaemon(gw) : await spawnDistGateway(gw.configPath);
    child = spawned.child;
    const { ports } = spawned;
    const devices: LoadDevice[] = [...payloads].map(([deviceId, p]) => ({ deviceId, password: gw.passwords.get(deviceId)!, payloads: p }));
    const load = await withCpuOfWindow(child.pid!, () => runMqttLoad({ port: ports.mqtt, devices, window, durationMs }));
    const rss = peakRssMb(child.pid!);
    const memory = await memoryBreakdown(gw, ports.http);
    await stopChild(child);
    child = undefined;
    log(`gateway: ${Math.round(load.perS)} msgs/s, peak RSS ${rss} MB`);

    const db = new Database(gw.config.databasePath, { readonly: true });
    const stored = (db.prepare('SELECT count(*) AS n FROM readings').get() as { n: number }).n;
    db.close();

    log('ceiling: raw batched better-sqlite3 inserts');
    const ceiling = sqliteCeiling(gw.dir, quick ? 500_000 : 2_000_000);
    return {
      msgs_per_s: Math.round(load.perS),
      readings_per_s: Math.round(load.perS * METRICS.length),
      baseline_aedes_msgs_per_s: Math.round(bareLoad.perS),
      ratio_vs_aedes: Number((load.perS / bareLoad.perS).toFixed(3)),
      gateway_cpu_us_per_reading: Number((load.cpuUs / (load.acked * METRICS.length)).toFixed(2)),
      aedes_cpu_us_per_reading: Number((bareLoad.cpuUs / (bareLoad.acked * METRICS.length)).toFixed(2)),
      cpu_per_reading_ratio_vs_aedes: Number((load.cpuUs / load.acked / (bareLoad.cpuUs / bareLoad.acked)).toFixed(2)),
      sqlite_ceiling_readings_per_s: Math.round(ceiling),
      rss_mb: rss,
      ...memory,
      readings_stored_total: stored,
      beds: BEDS,
      metrics_per_msg: METRICS.length,
      qos: 1,
      window_per_device: window,
      duration_s: durationMs / 1000,
      gateway_build: build,
      node_flags: fromSource ? 'tsx' : SHIPPED_NODE_FLAGS.join(' '),
    };
  } finally {
    if (child) await stopChild(child); // a load that threw leaves no daemon behind
    gw.cleanup();
  }
}
