/**
 * The uploader against a scripted HTTP cloud (real sockets, real codec, real SQLite
 * buffer) on a manual clock: ordering, exactly-once, and every failure path.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { alarmEvent, wardReadings } from '../buffer/testing/fixtures.js';
import { keptOpenSync, type FileSync } from '../buffer/wal-sync.js';
import { startFakeCloud, readingKey, type FakeCloud } from './testing/fake-cloud.js';
import { createUplinkHarness, HARNESS_START_MS, type UplinkHarness } from './testing/harness.js';

let h: UplinkHarness | undefined;
let cloud: FakeCloud | undefined;
afterEach(async () => {
  await h?.close();
  await cloud?.close();
  h = undefined;
  cloud = undefined;
});

async function setup(settings: Parameters<typeof createUplinkHarness>[0] extends infer S ? Partial<S> : never = {}) {
  cloud = await startFakeCloud(() => h!.clock.now());
  h = createUplinkHarness({ url: cloud.url, maxBatchReadings: 1000, maxBatchAgeMs: 1000, concurrency: 3, ...settings });
  return { h, cloud };
}

function expectExactlyOnce(c: FakeCloud, n: number): void {
  const counts = c.readingCounts();
  const expected = wardReadings(0, n).map(readingKey);
  expect(counts.size).toBe(n);
  for (const k of expected) expect(counts.get(k), k).toBe(1);
}
const metric = async (h: UplinkHarness, name: string) => (await h.metrics.text()).split('\n').filter((l) => l.startsWith(name));

describe('Uplink', () => {
  it('sends every reading exactly once, alarm events in the first batch, with one idempotency key and trace per batch', async () => {
    const { h, cloud } = await setup();
    await h.append(wardReadings(0, 10_000));
    for (const n of [3, 1, 2]) await h.appendAlarm(alarmEvent(n));
    h.uplink.start();
    await h.runUntil(() => h.uplink.status().backlogReadings === 0 && h.uplink.status().inFlight === 0 && cloud.stored.size === 10);
    expectExactlyOnce(cloud, 10_000);
    const first = cloud.deliveries[0]!;
    expect(first.batch.alarms.map((a) => a.eventId)).toEqual(['evt-1', 'evt-2', 'evt-3']);
    expect(cloud.deliveries.slice(1).every((d) => d.batch.alarms.length === 0)).toBe(true);
    for (const d of cloud.deliveries) expect(d.key).toBe(`gw-test:${d.batch.seq}`);
    expect(new Set(cloud.deliveries.map((d) => d.traceparent)).size).toBe(cloud.deliveries.length);
    expect(h.uplink.status()).toMatchObject({ up: true, breaker: 'closed', batchesSent: 10, readingsSent: 10_000, lastError: null, etaS: 0 });
    expect(await metric(h, 'wardlink_gateway_uplink_readings_sent_total')).toEqual(['wardlink_gateway_uplink_readings_sent_total 10000']);
    expect(h.logger.lines.filter((l) => l.msg === 'uplink: batch sent')).toHaveLength(10);
    expect(h.logger.lines.find((l) => l.msg === 'uplink: batch sent')!.obj).toHaveProperty('traceId');
  });

  it('sends a batch only once its transaction is synced to disk; after a failed fsync nothing leaves, a reload included', async () => {
    cloud = await startFakeCloud(() => h!.clock.now());
    const syncs: Array<{ release: () => void; fail: (e: Error) => void }> = [];
    const held = (walPath: string): FileSync => {
      const file = keptOpenSync(walPath);
      return {
        sync: () => new Promise<void>((resolve, reject) => syncs.push({ release: resolve, fail: reject })).then(() => file.sync()),
        close: () => file.close(),
      };
    };
    h = createUplinkHarness({ url: cloud.url, maxBatchReadings: 1000, maxBatchAgeMs: 1000, concurrency: 1 }, { walFile: held });
    const c = cloud;
    await h.append(wardReadings(0, 500));
    h.uplink.start();
    await h.runUntil(() => syncs.length === 1);
    await h.runUntil(() => h!.clock.now() >= HARNESS_START_MS + 3_000, { stepMs: 100 });
    expect(c.deliveries).toHaveLength(0); // built, held behind its fsync
    syncs[0]!.release();
    await h.runUntil(() => c.deliveries.length === 1 && h!.uplink.status().inFlight === 0);

    await h.append(wardReadings(500, 1000));
    await h.runUntil(() => syncs.length === 2);
    syncs[1]!.fail(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    await h.runUntil(() => h!.uplink.status().up === false);
    expect(h.uplink.status().lastError).toMatchObject({ code: 'WL_BUFFER_FSYNC_FAILED' });
    // What reached the disk is unknown: no later fsync is trusted, nothing is sent...
    await h.runUntil(() => h!.clock.now() >= HARNESS_START_MS + 120_000, { stepMs: 1_000 });
    // ...not after a reload either (a new uplink in the same process, the same open file).
    await h.restartUplink();
    h.uplink.start();
    await h.runUntil(() => h!.clock.now() >= HARNESS_START_MS + 240_000, { stepMs: 1_000 });
    expect(syncs).toHaveLength(2);
    expect(c.deliveries).toHaveLength(1);
    expect(h.uplink.status().up).toBe(false);
    expect(h.store.walSync.failed?.code).toBe('WL_BUFFER_FSYNC_FAILED');
  });

  it('keeps the event loop turning when recording a failed attempt fails too (a full or locked disk)', async () => {
    cloud = await startFakeCloud(() => h!.clock.now());
    const syncs: Array<(e: Error) => void> = [];
    h = createUplinkHarness({ url: cloud.url, maxBatchReadings: 1000, maxBatchAgeMs: 1000, concurrency: 1 }, {
      walFile: () => ({ sync: () => new Promise<void>((_, reject) => syncs.push(reject)), close: () => undefined }),
    });
    await h.append(wardReadings(0, 100));
    h.uplink.start();
    await h.runUntil(() => syncs.length === 1); // the batch is built and waits for its fsync
    // Now another connection holds the write lock: recording the attempt fails at once.
    const other = new Database(h.dir.file('gw.db'));
    other.prepare('BEGIN IMMEDIATE').run();
    h.store.db.pragma('busy_timeout = 0');
    try {
      syncs[0]!(Object.assign(new Error('ENOSPC: no space left on device, fsync'), { code: 'ENOSPC' }));
      let timerTurns = 0;
      const ticker = setInterval(() => timerTurns++, 5);
      await h.runUntil(() => h!.uplink.status().up === false && timerTurns >= 5, { stepMs: 200 });
      clearInterval(ticker);
      expect(h.uplink.status().lastError).toMatchObject({ code: 'WL_BUFFER_FSYNC_FAILED' });
      expect(h.logger.lines.some((l) => /recording the failed attempt failed/.test(l.msg))).toBe(true);
      expect(cloud.deliveries).toHaveLength(0);
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
  });

  it('keeps a small batch until it is maxBatchAgeMs old, but sends an alarm at once', async () => {
    const { h, cloud } = await setup({ pollIntervalMs: 100 });
    h.uplink.start();
    await h.append(wardReadings(0, 10).map((r) => ({ ...r, receivedAtMs: h.clock.now() })));
    await h.runUntil(() => h.clock.now() >= HARNESS_START_MS + 900, { stepMs: 100 });
    expect(cloud.deliveries).toHaveLength(0);
    await h.runUntil(() => cloud.deliveries.length === 1, { stepMs: 100 });
    await h.appendAlarm(alarmEvent(9));
    const at = h.clock.now();
    await h.runUntil(() => cloud.deliveries.length === 2, { stepMs: 20 });
    expect(cloud.deliveries[1]!.batch.alarms).toHaveLength(1);
    // At once, against the readings' 1 s: a few 20 ms steps of the manual clock, each of
    // which may pass before the loopback send lands on a loaded machine.
    expect(cloud.deliveries[1]!.atMs - at).toBeLessThanOrEqual(200);
  });

  it('sends live data ahead of the backfill: a new reading rides in the next batch, not after the backlog', async () => {
    const { h, cloud } = await setup({ concurrency: 2 });
    await h.append(wardReadings(0, 40_000)); // 40 batches of backlog
    h.uplink.start();
    await h.runUntil(() => cloud.deliveries.length >= 6);
    const live = wardReadings(40_000, 40_050).map((r) => ({ ...r, receivedAtMs: h.clock.now() }));
    await h.append(live);
    // Counted once the live readings are committed: batches sent meanwhile could not hold them.
    const liveAt = cloud.deliveries.length;
    await h.runUntil(() => h.uplink.status().backlogReadings === 0 && h.uplink.status().inFlight === 0);
    const carriedBy = cloud.deliveries.findIndex((d) => d.batch.readings.some((r) => readingKey(r) === readingKey(live[0]!)));
    expect(carriedBy).toBeGreaterThanOrEqual(liveAt);
    expect(carriedBy).toBeLessThanOrEqual(liveAt + 2);
    expect(cloud.deliveries.length).toBeGreaterThan(35);
    // Both ends were worked on at once: one lane from the newest readings, one from the oldest.
    const firstTwo = cloud.deliveries.slice(0, 2).map((d) => Math.min(...d.batch.readings.map((r) => r.receivedAtMs)));
    expect(Math.max(...firstTwo) - Math.min(...firstTwo)).toBeGreaterThan(30_000);
    expectExactlyOnce(cloud, 40_050);
  });

  it('honours 503 + Retry-After, resends the same seq, and opens the breaker after repeated failures', async () => {
    const { h, cloud } = await setup({ concurrency: 1, breakerFailureThreshold: 3, breakerOpenMs: 1000, backoffBaseMs: 100, backoffMaxMs: 2000 });
    let refusals = 4;
    cloud.script = () => (refusals-- > 0 ? { status: 503, body: { error: { code: 'WL_DB_UNAVAILABLE', message: 'db restarting' } }, headers: { 'retry-after': '30' } } : undefined);
    await h.append(wardReadings(0, 3000));
    h.uplink.start();
    await h.runUntil(() => cloud!.stored.size === 3 && h!.uplink.status().backlogReadings === 0, { stepMs: 250 });
    const attempts = cloud.deliveries.filter((d) => d.batch.seq === 1);
    expect(attempts.map((d) => d.status)).toEqual([503, 503, 503, 503, 200]);
    for (let i = 1; i < attempts.length; i++) expect(attempts[i]!.atMs - attempts[i - 1]!.atMs).toBeGreaterThanOrEqual(30_000);
    expectExactlyOnce(cloud, 3000);
    const breaker = h.logger.lines.filter((l) => l.msg.startsWith('uplink circuit breaker')).map((l) => (l.obj as { to: string }).to);
    expect(breaker.slice(0, 2)).toEqual(['open', 'half-open']);
    expect(breaker.at(-1)).toBe('closed');
    expect(h.states.map((s) => s.up)).toEqual([false, true]);
    expect(h.uplink.status().lastError).toMatchObject({ code: 'WL_DB_UNAVAILABLE', status: 503, seq: 1, kind: 'retry' });
    expect(await metric(h, 'wardlink_gateway_uplink_batches_total{result="retry",status="503"}')).toEqual(['wardlink_gateway_uplink_batches_total{result="retry",status="503"} 4']);
  });

  it('waits out a 429 without calling the uplink down', async () => {
    const { h, cloud } = await setup({ concurrency: 1 });
    let refusals = 2;
    cloud.script = () => (refusals-- > 0 ? { status: 429, body: { error: { code: 'WL_API_RATE_LIMITED' } }, headers: { 'retry-after': '7' } } : undefined);
    await h.append(wardReadings(0, 1000));
    h.uplink.start();
    await h.runUntil(() => cloud!.stored.size === 1, { stepMs: 250 });
    const times = cloud.deliveries.map((d) => d.atMs);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(7000);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(7000);
    expect(h.states).toEqual([]);
    expect(h.uplink.status().breaker).toBe('closed');
  });

  it('quarantines a batch the cloud can never accept, keeps going, and counts it', async () => {
    const { h, cloud } = await setup({ concurrency: 1 });
    cloud.script = (d) => (d.batch.seq === 2 ? { status: 400, body: { error: { code: 'WL_CODEC_CHECKSUM', message: 'crc mismatch' } } } : undefined);
    await h.append(wardReadings(0, 4000));
    const quarantined: number[] = [];
    h.uplink.on('quarantined', (b) => quarantined.push(b.seq));
    h.uplink.start();
    await h.runUntil(() => h!.uplink.status().backlogReadings === 0 && h!.uplink.status().inFlight === 0, { stepMs: 250 });
    // The bytes decode here, so the 400 may be damage on the way: two more tries, then quarantine.
    expect(cloud.deliveries.filter((d) => d.batch.seq === 2).map((d) => d.status)).toEqual([400, 400, 400]);
    expect(quarantined).toEqual([2]);
    expect(cloud.stored.size).toBe(3);
    expect(h.uplink.status()).toMatchObject({ batchesQuarantined: 1, up: true, lastError: { code: 'WL_CODEC_CHECKSUM', kind: 'reject' } });
    const stored = (await import('../buffer/outbox.js')).Outbox;
    expect(new stored(h.store).quarantinedBatches()).toMatchObject([{ seq: 2, readings: 1000, reason: expect.stringContaining('WL_CODEC_CHECKSUM') }]);
    expect(h.logger.lines.some((l) => l.level === 'error' && (l.obj as { seq?: number }).seq === 2)).toBe(true);
    expect(await metric(h, 'wardlink_gateway_uplink_batches_total{result="quarantined"')).toHaveLength(1);
  });

  it('quarantines a 413 at once and makes new batches smaller', async () => {
    const { h, cloud } = await setup({ concurrency: 1, maxBatchReadings: 2000 });
    cloud.script = (d) => (d.batch.readings.length > 1000 ? { status: 413, body: { error: { code: 'WL_API_BODY_TOO_LARGE' } } } : undefined);
    await h.append(wardReadings(0, 5000));
    h.uplink.start();
    await h.runUntil(() => h!.uplink.status().backlogReadings === 0 && h!.uplink.status().inFlight === 0, { stepMs: 250 });
    expect(cloud.deliveries.filter((d) => d.status === 413)).toHaveLength(1);
    expect(h.uplink.status()).toMatchObject({ batchesQuarantined: 1, maxBatchReadings: 1000 });
    expect([...cloud.stored.values()].reduce((n, b) => n + b.readings.length, 0)).toBe(3000);
  });

  it('stops on 401, keeps every reading, reports the uplink down, and resumes when the cloud accepts the token again', async () => {
    const { h, cloud } = await setup({ concurrency: 2, haltedRetryMs: 60_000 });
    let refuse = true;
    cloud.script = () => (refuse ? { status: 401, body: { error: { code: 'WL_API_UNAUTHORIZED', message: 'the token belongs to no gateway' } } } : undefined);
    await h.append(wardReadings(0, 3000));
    h.uplink.start();
    await h.runUntil(() => h!.uplink.status().activity === 'halted');
    await h.runUntil(() => h!.clock.now() > HARNESS_START_MS + 50_000, { stepMs: 1000 });
    expect(cloud.deliveries.length).toBeLessThanOrEqual(2); // nothing more while halted
    expect(h.uplink.status()).toMatchObject({ up: false, backlogReadings: 3000, lastError: { code: 'WL_API_UNAUTHORIZED', kind: 'halt', status: 401 } });
    expect(h.states[0]).toMatchObject({ up: false });
    expect(h.logger.lines.filter((l) => l.level === 'error')).toHaveLength(1);
    expect(await metric(h, 'wardlink_gateway_uplink_halted')).toContain('wardlink_gateway_uplink_halted 1');
    refuse = false;
    await h.runUntil(() => h!.uplink.status().backlogReadings === 0 && h!.uplink.status().inFlight === 0, { stepMs: 1000 });
    expectExactlyOnce(cloud, 3000);
    expect(h.uplink.status()).toMatchObject({ up: true, activity: 'idle' });
    expect(h.states.at(-1)).toMatchObject({ up: true });
  });
});
