/**
 * `pnpm bench catch-up [--quick]`: a gateway whose buffer holds 6 h of a 50-bed ward
 * (20 min with --quick) after an outage drains it to the real cloud (`wardlink-cloud
 * serve`, a child process) on real PostgreSQL (DATABASE_URL if set, else the embedded
 * test cluster of cloud/src/testing/pg.ts), while a 50-bed live feed keeps arriving.
 *
 * - The backlog is the simulator's ward, written straight into the SQLite buffer through
 *   the real BufferWriter (as ingest would have, only faster).
 * - The live feed appends each second's records of the same ward, stamped with their
 *   receive time at the gateway.
 * - The uplink is the real one (gateway/src/uplink), with its defaults unless
 *   BENCH_BATCH_READINGS / BENCH_CONCURRENCY say otherwise.
 *
 * Figures: readings_per_s (every reading acknowledged during the drain, backlog and
 * live, over drain_s), drain_s (uplink start to the last backlog reading acknowledged),
 * live_data_max_delay_s (largest time from a live reading's receipt at the gateway to the
 * cloud's 2xx for its batch, which comes after the COPY's commit). At the end PostgreSQL
 * must hold every reading exactly once.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Reading } from '@wardlink/shared';
import { BufferWriter, openBufferStore, UPLINK_DEFAULTS, Uplink } from '@wardlink/gateway';
import { createTestDatabase, registerGateway, spawnCloud } from '@wardlink/cloud/testing';
import { createWard } from '@wardlink/simulator';
import type { BenchFigures, BenchOptions } from './run.js';

const BEDS = 50;
const GW = 'gw-catch-up';
const CHUNK_MS = 60_000;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

/** CPU seconds of every postgres process (the cluster under test is the only busy one). */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') total += cpuSeconds(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`catch-up: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function run({ quick, log }: BenchOptions): Promise<BenchFigures> {
  const backlogMs = quick ? 20 * 60_000 : 6 * 3_600_000;
  const maxBatchReadings = Number(process.env.BENCH_BATCH_READINGS ?? UPLINK_DEFAULTS.maxBatchReadings);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? UPLINK_DEFAULTS.concurrency);
  const dir = mkdtempSync(join(tmpdir(), 'wl-bench-catch-up-'));
  const db = await createTestDatabase({ poolMax: 2 });
  log(`database ${db.name} (${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded test cluster'}); starting wardlink-cloud serve`);
  const cloud = await spawnCloud(db.connectionString);
  const store = openBufferStore({ path: join(dir, 'gateway.db'), gatewayId: GW, durability: 'normal' });
  const writer = new BufferWriter(store);
  let uplink: Uplink | undefined;
  let feed: ReturnType<typeof setInterval> | undefined;
  try {
    const token = await registerGateway(db.pool, GW);

    // The backlog: the ward's last `backlogMs`, as the buffer holds it after an outage.
    const fillStarted = performance.now();
    const nowMs = Date.now();
    const ward = createWard({ beds: BEDS, seed: 5, startMs: nowMs - backlogMs, gatewayId: GW });
    let backlog = 0;
    for (let t = nowMs - backlogMs; t < nowMs; t += CHUNK_MS) {
      const readings = ward.readingsBetween(t, Math.min(t + CHUNK_MS, nowMs));
      backlog += readings.length;
      await writer.append(readings);
    }
    await writer.flush();
    log(`buffer filled: ${backlog.toLocaleString('en-US')} readings (${backlogMs / 60_000} min of ${BEDS} beds) in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`);

    // The live feed: each second, the ward's records of that second, received now.
    const liveStartMs = Date.now();
    let liveWardMs = nowMs;
    let live = 0;
    feed = setInterval(() => {
      const to = Date.now();
      const received = Date.now();
      const readings: Reading[] = ward.readingsBetween(liveWardMs, to).map((r) => ({ ...r, receivedAtMs: received }));
      liveWardMs = to;
      live += readings.length;
      void writer.append(readings);
    }, 1000);

    // The drain.
    let backlogSent = 0;
    let liveSent = 0;
    let maxLiveDelayMs = 0;
    let duplicates = 0;
    let quarantined = 0;
    let drainEndMs: number | null = null;
    let sentAtDrainEnd = 0;
    const progress = { info: (o: object, m?: string) => (m?.startsWith('uplink: ') ? log(`${m} ${JSON.stringify(o)}`) : undefined), debug: () => undefined, warn: (o: object, m?: string) => log(`WARN ${m} ${JSON.stringify(o)}`), error: (o: object, m?: string) => log(`ERROR ${m} ${JSON.stringify(o)}`) };
    uplink = new Uplink({ url: cloud.url, token, maxBatchReadings, concurrency, progressLogIntervalMs: quick ? 2000 : 10_000 }, { store, logger: progress });
    uplink.on('sent', (batch, info) => {
      if (info.duplicate) duplicates += 1;
      for (const r of batch.readings) {
        if (r.receivedAtMs >= liveStartMs) {
          liveSent += 1;
          if (info.atMs - r.receivedAtMs > maxLiveDelayMs) maxLiveDelayMs = info.atMs - r.receivedAtMs;
        } else backlogSent += 1;
      }
      if (drainEndMs === null && backlogSent === backlog) {
        drainEndMs = performance.now();
        sentAtDrainEnd = backlogSent + liveSent;
      }
    });
    uplink.on('quarantined', (batch) => {
      quarantined += 1;
      backlogSent += batch.readings.filter((r) => r.receivedAtMs < liveStartMs).length; // settled, if not stored
    });
    const cpuAtStart = { gateway: cpuSeconds(process.pid), cloud: cpuSeconds(cloud.child.pid!), postgres: postgresCpuSeconds() };
    const drainStartMs = performance.now();
    uplink.start();
    await waitUntil(() => drainEndMs !== null || uplink!.status().activity === 'halted', quick ? 120_000 : 3_600_000, 'the backlog to drain');
    const halted = drainEndMs === null;
    const cpu = {
      gateway: cpuSeconds(process.pid) - cpuAtStart.gateway,
      cloud: cpuSeconds(cloud.child.pid!) - cpuAtStart.cloud,
      postgres: postgresCpuSeconds() - cpuAtStart.postgres,
    };
    if (quarantined > 0) log(`WARNING: ${quarantined} batch(es) quarantined (${uplink.status().lastError?.code}); their readings are not in the cloud`);
    // Live data keeps flowing for a few more seconds after the drain, then the feed stops
    // and its tail is sent.
    if (!halted) await new Promise((r) => setTimeout(r, 3000));
    clearInterval(feed);
    feed = undefined;
    await writer.flush();
    if (!halted) await waitUntil(() => uplink!.status().backlogReadings === 0 && uplink!.status().inFlight === 0, 30_000, 'the live tail');
    await uplink.stop();
    const drainS = ((drainEndMs ?? performance.now()) - drainStartMs) / 1000;

    const stored = await db.pool.query<{ n: number; batches: number; distinct_batches: number }>(
      `SELECT (SELECT count(*)::int FROM vital_data WHERE gateway_id = $1) AS n,
              (SELECT count(*)::int FROM batch_ledger WHERE gateway_id = $1) AS batches,
              (SELECT count(DISTINCT batch_seq)::int FROM batch_ledger WHERE gateway_id = $1) AS distinct_batches`,
      [GW],
    );
    const { n, batches: ledger, distinct_batches: distinct } = stored.rows[0]!;
    const exactlyOnce = n === backlog + live && ledger === distinct && liveSent === live && quarantined === 0;
    log(`stored ${n.toLocaleString('en-US')} of ${(backlog + live).toLocaleString('en-US')} readings, ${ledger} batches; exactly once: ${exactlyOnce}`);
    return {
      readings_per_s: Math.round(sentAtDrainEnd / drainS),
      drain_s: Number(drainS.toFixed(2)),
      live_data_max_delay_s: Number((maxLiveDelayMs / 1000).toFixed(3)),
      backlog_readings: backlog,
      live_readings: live,
      readings_stored: n,
      exactly_once: exactlyOnce,
      batches: ledger,
      duplicates_answered: duplicates,
      quarantined_batches: quarantined,
      max_batch_readings: maxBatchReadings,
      drain_cpu_s_gateway: Number(cpu.gateway.toFixed(1)),
      drain_cpu_s_cloud: Number(cpu.cloud.toFixed(1)),
      drain_cpu_s_postgres: Number(cpu.postgres.toFixed(1)),
      concurrency,
      beds: BEDS,
      backlog_min: backlogMs / 60_000,
      database: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded (fsync off)',
    };
  } finally {
    if (feed) clearInterval(feed);
    await uplink?.stop();
    await writer.close().catch(() => undefined);
    store.close();
    await cloud.stop();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
