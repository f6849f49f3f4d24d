/**
 * `pnpm bench gateway-footprint [--quick] [options]` (`options` below; `--help` lists them):
 * what a ward costs the gateway as it ships (gateway/dist, rebuilt when stale unless
 * --reuse-build says to run the build there is, however old), for a
 * fanless box with 1-2 GB of RAM and flash storage.
 *
 * The ward: 60 admitted beds (--beds) of the seeded simulator in real time (1 Hz records, NIBP every
 * 15 min), 2 serial HL7 monitors over socat ptys and the rest (58) over real MQTT; the
 * alarm engine on its defaults; the uplink to the real cloud (`wardlink-cloud serve` on
 * DATABASE_URL or embedded PostgreSQL) through a relay the bench cuts for the outage.
 * Phases: warm-up, steady (10 min; --quick 10 s), outage (5 min; 4 s), drain (until the
 * backlog is 0), disconnect (9 s: the comm-loss alarms raised, stored, sent), settle (full runs
 * only: until housekeeping has pruned what the run sent and the trend index has caught up
 * with it, ~2.5 min), idle (no devices connected: 30 s, one housekeeping period; --quick
 * 3 s, right after the disconnect, so it may hold that work). Then the daemon stops, the
 * buffer gets hours of unsent readings (24 h; --quick 10 min), and a restart is timed
 * from the spawn to /healthz 200 (the relay cut, so no drain competes).
 *
 * Before the gateway starts, a baseline (_footprint-baseline.ts): bare aedes takes the same
 * MQTT monitors' records for up to a minute (--quick: the steady phase's length);
 * aedes_cpu_us_per_reading is the transport's own cost, cpu_x_bare_aedes the gateway's
 * steady CPU per reading over it.
 * Sampled every second from /proc/<pid>: VmRSS, utime + stime, io write_bytes.
 * Per-reading figures divide a counter's growth from the steady phase's start to the
 * drain's end by the readings committed meanwhile (wardlink_gateway_readings_in_total).
 * stored_bytes_per_reading: the growth of the SQLite file's pages in use (WAL checkpointed
 * by the clean stop; free pages left by the prune not counted) over the readings it holds; buffer_page_size_bytes: the buffer file's SQLite page
 * size (a new file's, gateway/src/buffer/store.ts), which sets how much a commit rewrites.
 * --quick does not fit in 30 s: on a shared 2-core machine (load ~15) it takes ~100 s,
 * most of it the setup (the cloud started through tsx, a PostgreSQL database, 58 scrypt
 * hashes, 2 socat pairs: 35-60 s) and the two timed starts; its phases are ~25 s. A stale
 * dist adds the tsc build (~45-65 s there). Its write figures run low: within seconds the
 * kernel has not yet written back and re-dirtied the WAL's pages; trust the full run's.
 * --flush-interval-ms sets the gateway's buffer.flushIntervalMs (default: the writer's
 * own), to see what the group commit's interval does to the writes per reading;
 * --durability-normal runs the buffer with buffer.durability normal (the daemon's default
 * is full): what surviving a power cut costs in CPU, writes and acknowledgement latency.
 * --max-commit-delay-ms sets buffer.maxCommitDelayMs (the longest wait for a page's worth
 * of readings; = the flush interval turns it off) for the same comparison.
 * --local-retention-s sets buffer.localRetentionMs (default 60 s here: sent readings are
 * pruned a minute after their upload, as every day after a gateway's first prunes what it
 * sent 24 h before; 86400 measures a first day, when nothing is pruned yet).
 * --max-batch-age-ms sets cloud.maxBatchAgeMs (how long the uplink lets a batch fill; each
 * batch costs an outbox transaction, its upload and its settle whatever its size).
 * The daemon runs with the node flags of the package's launcher (a 2 MB young generation);
 * FOOTPRINT_NODE_ARGS adds more (--cpu-prof to profile it, --max-semi-space-size=16 for
 * V8's default), FOOTPRINT_GATEWAY_MAIN runs another build (an A/B in the same conditions).
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { TREND_INDEX_INTERVAL_MS } from '@wardlink/gateway';
import { createTestDatabase, registerGateway, spawnCloud, type CloudProcess } from '@wardlink/cloud/testing';
import type { BenchOptions } from './run.js';
import { startUplinkProxy } from '../demo/uplink-proxy.js';
import { bareAedesCost } from './_footprint-baseline.js';
import { ensureGatewayDist, SHIPPED_NODE_FLAGS, startupMs, type RunningGateway } from './_footprint-daemon.js';
import { startFootprintFeed } from './_footprint-feed.js';
import { idleCpuPercent, loadFigures, targetsMet, type FootprintFigures, type Mark } from './_footprint-figures.js';
import { memoryBreakdown, readingsCommitted, waitForDrain } from './_footprint-observe.js';
import { prefillBuffer } from './_footprint-prefill.js';
import { ProcSampler } from './_footprint-proc.js';
import { freePort, GATEWAY_ID, setUpFootprintWard, SERIAL_BEDS, WARD_BEDS, type FootprintWard } from './_footprint-ward.js';

/** The options `run` reads (scripts/bench/run.ts refuses any other). */
export const options = {
  minutes: 'minutes of steady ward load (default 10; --quick 10 s)',
  'outage-minutes': 'minutes of uplink outage (default 5; --quick 4 s)',
  'buffer-hours': 'hours of unsent buffer on disk for the start-up figure (default 24; --quick 10 min)',
  'local-retention-s': 'sent readings pruned this long after upload (default 60: a day-2 gateway; 86400: a first day)',
  'flush-interval-ms': "the writer's flush interval (default: the daemon's)",
  'max-commit-delay-ms': "the writer's longest commit delay (default: the daemon's)",
  'max-batch-age-ms': "the uplink's cloud.maxBatchAgeMs (default: the daemon's)",
  beds: `admitted beds, one monitor each, ${SERIAL_BEDS} of them serial HL7 (default ${WARD_BEDS}: the largest ward designed for)`,
  'durability-normal': "buffer.durability normal (no fsync at commit: a power cut can lose acknowledged readings); default: the daemon's, full",
  'reuse-build': 'use the gateway dist/ as built, do not rebuild',
} as const;

function option(name: keyof typeof options, fallback: number): number {
  const args = process.argv.slice(2);
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const value = Number(args[i]!.includes('=') ? args[i]!.split('=')[1] : args[i + 1]);
  if (!(value > 0)) throw new Error(`--${name} must be a positive number`);
  return value;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fileSize = (path: string) => { try { return statSync(path).size; } catch { return 0; } };

export async function run({ quick, log }: BenchOptions): Promise<FootprintFigures> {
  const steadyMs = option('minutes', quick ? 10 / 60 : 10) * 60_000;
  const outageMs = option('outage-minutes', quick ? 4 / 60 : 5) * 60_000;
  const bufferHours = option('buffer-hours', quick ? 1 / 6 : 24);
  const beds = Math.round(option('beds', WARD_BEDS));
  if (beds <= SERIAL_BEDS) throw new Error(`--beds must be more than the ${SERIAL_BEDS} serial beds`);
  const warmupMs = quick ? 2_000 : 60_000;
  /** From the devices' disconnection to idle: the comm-loss delay (5 s) and its alarms' commit and upload. */
  const DISCONNECT_SETTLE_MS = 9_000;
  const flushIntervalMs = option('flush-interval-ms', 0);
  const maxCommitDelayMs = option('max-commit-delay-ms', 0);
  const maxBatchAgeMs = option('max-batch-age-ms', 0);
  // A gateway spends every day after its first pruning what it sent a retention ago while
  // it stores: that is its steady state for years, and the prune writes too. A short
  // retention puts the run in it (--local-retention-s 86400: a first day's, no prune).
  const localRetentionS = option('local-retention-s', 60);
  const durability = process.argv.includes('--durability-normal') ? 'normal' : 'full';
  const bufferSettings = { localRetentionMs: localRetentionS * 1000, durability, ...(flushIntervalMs ? { flushIntervalMs } : {}), ...(maxCommitDelayMs ? { maxCommitDelayMs } : {}) };
  const build = ensureGatewayDist(log, process.argv.includes('--reuse-build'));

  const db = await createTestDatabase({ poolMax: 2 });
  const cloudPort = await freePort();
  const proxy = await startUplinkProxy(`http://127.0.0.1:${cloudPort}`);
  log(`database ${db.name} (${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded'}); starting the cloud and the ward`);
  const token = await registerGateway(db.pool, GATEWAY_ID);
  let cloud: CloudProcess | undefined;
  let wardToClean: FootprintWard | undefined;
  let gateway: RunningGateway | undefined;
  let feed: Awaited<ReturnType<typeof startFootprintFeed>> | undefined;
  try {
    const setupStarted = performance.now();
    const [cloudProcess, ward] = await Promise.all([spawnCloud(db.connectionString, cloudPort), setUpFootprintWard({ beds, cloudUrl: proxy.url, cloudToken: token, buffer: bufferSettings, ...(maxBatchAgeMs ? { maxBatchAgeMs } : {}) })]);
    cloud = cloudProcess;
    wardToClean = ward;
    // Idle: one housekeeping period (its cycle is what an idle gateway still does). Before
    // it, the run's last readings are still pruned (a retention after their upload) and
    // trend indexed (within a catch-up period): work the run left, not what a gateway with
    // no devices does for hours, so a full run waits it out first.
    const housekeepingMs = ward.config.buffer.checkpointIntervalMs;
    const idleMs = quick ? 3_000 : housekeepingMs;
    const settleMs = quick ? 0 : Math.max(TREND_INDEX_INTERVAL_MS, localRetentionS <= 600 ? localRetentionS * 1000 + housekeepingMs : 0) + 10_000;
    log(`cloud and ward ready in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`);
    // The transport's floor first, on the same machine, before the gateway runs.
    const baselineMs = Math.min(steadyMs, 60_000);
    log(`baseline: bare aedes under the ward's MQTT monitors, ${baselineMs / 1000} s`);
    const bare = await bareAedesCost({ beds, passwords: ward.mqttPasswords, warmupMs: quick ? 2_000 : 10_000, windowMs: baselineMs, log });
    log(`bare aedes: ${bare.cpuUsPerReading.toFixed(1)} µs CPU per reading (${bare.readings} readings)`);
    const sizeBefore = fileSize(ward.databasePath);
    log('starting the gateway');
    const first = await startupMs(ward.configPath, ward.httpPort, 60_000);
    gateway = first.gateway;
    const running = gateway;
    running.child.once('exit', (code, signal) => running.stopping || log(`the gateway exited (${code ?? signal}): ${running.stderrTail()}`));
    const sampler = new ProcSampler(gateway.child.pid!);
    sampler.start();
    const mark = async (phase: string): Promise<Mark> => ({ readings: await readingsCommitted(ward), proc: sampler.enter(phase)! });
    sampler.enter('warm-up');
    log('connecting the monitors');
    feed = await startFootprintFeed({ beds, mqttPort: gateway.ports.mqtt, passwords: ward.mqttPasswords, serialMonitors: ward.serialMonitors, seed: 7, onError: (m) => log(`feed: ${m}`) });
    await sleep(warmupMs);
    log(`steady: ${steadyMs / 1000} s`);
    const steady = await mark('steady');
    feed.ackMs.length = 0;
    await sleep(steadyMs);
    const ackMs = [...feed.ackMs].sort((a, b) => a - b);
    log(`outage: ${outageMs / 1000} s`);
    const outage = await mark('outage');
    proxy.cut();
    await sleep(outageMs);
    const drain = await mark('drain');
    proxy.heal();
    const drainMs = await waitForDrain(ward, quick ? 60_000 : 3_600_000, log);
    const drained = await mark('drained');
    const memory = await memoryBreakdown(ward);
    log(`drained in ${(drainMs / 1000).toFixed(1)} s; idle: devices disconnected`);
    await feed.stop();
    feed = undefined;
    await waitForDrain(ward, 60_000, log); // the feed's last seconds
    // The disconnections first: after the default 5 s of silence each bed's comm-loss
    // alarm is raised, stored and sent. That is work, not idling: measured apart.
    const disconnectFrom = sampler.enter('disconnect')!;
    await sleep(DISCONNECT_SETTLE_MS);
    // What the run stored, before the settle prunes it (a reader beside the live daemon
    // sees its last commit; the WAL is not checkpointed yet, page_count counts it anyway).
    const sqlite = new Database(ward.databasePath, { readonly: true });
    const stored = (sqlite.prepare('SELECT coalesce(sum(n), 0) AS n FROM reading_records').get() as { n: number }).n;
    // A buffer keeps the page size it was created with (gateway/src/buffer/store.ts); the writes depend on it.
    const pageSizeBytes = sqlite.pragma('page_size', { simple: true }) as number;
    // The pages in use, not the file: pruned rows leave free pages (kept up to a reserve)
    // that the readings still stored do not take.
    const usedBytes = ((sqlite.pragma('page_count', { simple: true }) as number) - (sqlite.pragma('freelist_count', { simple: true }) as number)) * pageSizeBytes;
    sqlite.close();
    const storedBytesPerReading = (usedBytes - sizeBefore) / stored;
    const settleFrom = sampler.enter('settle')!;
    if (settleMs > 0) log(`settle: ${Math.round(settleMs / 1000)} s for the prune and trend index of the run's last readings`);
    await sleep(settleMs);
    const idleFrom = sampler.enter('idle')!;
    await sleep(idleMs);
    const idleTo = sampler.take()!;
    sampler.stop();
    await gateway.stop();
    gateway = undefined;

    const load = loadFigures({ steady, outage, drain, drained }, sampler);

    log(`restart with ${bufferHours} h of unsent buffer`);
    const prefilled = await prefillBuffer(ward.databasePath, bufferHours, beds, log);
    proxy.cut();
    const bufferBytes = fileSize(ward.databasePath) + fileSize(`${ward.databasePath}-wal`);
    const restart = await startupMs(ward.configPath, ward.httpPort, 60_000);
    gateway = restart.gateway;
    await sleep(2_000);
    const restartRssMb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${gateway.child.pid!}/status`, 'utf8'))?.[1] ?? 0) / 1024;

    const figures: FootprintFigures = {
      ...load,
      write_amplification: typeof load.disk_write_bytes_per_reading === 'number' ? Number((load.disk_write_bytes_per_reading / storedBytesPerReading).toFixed(2)) : null,
      stored_bytes_per_reading: Number(storedBytesPerReading.toFixed(2)),
      // The same ward's MQTT records into bare aedes (_footprint-baseline.ts): the transport's floor.
      aedes_cpu_us_per_reading: Number(bare.cpuUsPerReading.toFixed(2)),
      aedes_sys_us_per_reading: Number(bare.sysUsPerReading.toFixed(2)),
      cpu_x_bare_aedes: typeof load.cpu_us_per_reading_steady === 'number' ? Number((load.cpu_us_per_reading_steady / bare.cpuUsPerReading).toFixed(2)) : null,
      startup_ms: Math.round(restart.ms),
      startup_ms_empty_buffer: Math.round(first.ms),
      idle_cpu_percent: Number(idleCpuPercent(idleFrom, idleTo).toFixed(3)),
      disconnect_cpu_percent: Number(idleCpuPercent(disconnectFrom, settleFrom).toFixed(3)),
      settle_cpu_percent: settleMs > 0 ? Number(idleCpuPercent(settleFrom, idleFrom).toFixed(3)) : null,
      idle_window_s: idleMs / 1000,
      ...memory,
      restart_rss_mb: Math.round(restartRssMb),
      restart_buffer_hours: Number(bufferHours.toFixed(3)),
      restart_buffer_readings: prefilled,
      restart_buffer_mb: Math.round(bufferBytes / 1048576),
      readings_stored_total: stored,
      buffer_page_size_bytes: pageSizeBytes,
      drain_s: Number((drainMs / 1000).toFixed(1)),
      steady_s: steadyMs / 1000,
      outage_s: outageMs / 1000,
      beds,
      serial_beds: SERIAL_BEDS,
      gateway_build: build,
      // The launcher's flags (packaging/gateway/wardlink-gateway) plus FOOTPRINT_NODE_ARGS.
      node_flags: [...SHIPPED_NODE_FLAGS, process.env.FOOTPRINT_NODE_ARGS ?? ''].join(' ').trim(),
      // PUBACK latency of the MQTT monitors in the steady phase: what the group commit's wait costs.
      puback_ms_p50: Number((ackMs[Math.floor(ackMs.length * 0.5)] ?? NaN).toFixed(1)),
      puback_ms_p99: Number((ackMs[Math.floor(ackMs.length * 0.99)] ?? NaN).toFixed(1)),
      local_retention_s: localRetentionS,
      durability,
      flush_interval_ms: flushIntervalMs || 'default',
      max_commit_delay_ms: maxCommitDelayMs || 'default',
      max_batch_age_ms: maxBatchAgeMs || 'default',
      database: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded',
    };
    figures.targets_met = targetsMet(figures);
    figures.notes = [
      'gateway from gateway/dist (node, no tsx); /proc sampled every 1 s; CPU and writes per reading from steady start to drain end',
      'write_bytes counts pages dirtied for the disk (a page rewritten while still dirty counts once)',
      'startup_ms: spawn to /healthz 200 with the buffer above unsent and the uplink cut',
      'figures are provisional on a shared machine (load_average_1m); disconnect_cpu_percent: the 9 s after the devices disconnect (their comm-loss alarms raised, stored and sent); settle_cpu_percent (full runs): the prune and trend index of the run\'s last readings after it; idle_cpu_percent: then no devices connected for one housekeeping period (--quick: 3 s right after the disconnect)',
    ].join('; ');
    figures.load_average_1m = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
    return figures;
  } finally {
    await feed?.stop().catch(() => undefined);
    await gateway?.stop();
    await cloud?.stop();
    await proxy.close();
    for (const pty of wardToClean?.ptys ?? []) await pty.stop();
    await db.drop();
    if (wardToClean) rmSync(wardToClean.dir, { recursive: true, force: true });
  }
}
