/**
 * The uplink told of the buffer's commits (the daemon's writer calls notifyCommitted): an
 * alarm event goes out at once, young readings still go at maxBatchAgeMs, and an empty
 * outbox is not polled. Real SQLite buffer and HTTP cloud, manual clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { alarmEvent, wardReadings } from '../buffer/testing/fixtures.js';
import { startFakeCloud, type FakeCloud } from './testing/fake-cloud.js';
import { createUplinkHarness, type UplinkHarness } from './testing/harness.js';

let h: UplinkHarness | undefined;
let cloud: FakeCloud | undefined;
afterEach(async () => {
  await h?.close();
  await cloud?.close();
  h = cloud = undefined;
});

/** Counts the uplink's looks at the outbox (each one a few SQLite queries). */
function countLooks(harness: UplinkHarness): { n: number } {
  const looks = { n: 0 };
  const outbox = (harness.uplink as unknown as { outbox: { nextBatch: (...a: unknown[]) => unknown } }).outbox;
  const original = outbox.nextBatch.bind(outbox);
  outbox.nextBatch = (...a: unknown[]) => {
    looks.n++;
    return original(...a);
  };
  return looks;
}

async function setup(notifyCommits: boolean) {
  cloud = await startFakeCloud(() => h!.clock.now());
  h = createUplinkHarness({ url: cloud.url, maxBatchReadings: 1000, maxBatchAgeMs: 1000, pollIntervalMs: 200, concurrency: 2 }, { notifyCommits });
  return { h, cloud, looks: countLooks(h) };
}

describe('an uplink told of commits', () => {
  it('sends a lone young batch at maxBatchAgeMs, then reads an empty outbox every 5 s instead of every poll, and sends an alarm at once', async () => {
    const { h, cloud, looks } = await setup(true);
    h.uplink.start();
    const appendedAt = h.clock.now();
    await h.append(wardReadings(0, 8).map((r) => ({ ...r, receivedAtMs: h.clock.now() })));
    await h.runUntil(() => cloud.deliveries.length === 1, { stepMs: 50 });
    const waited = cloud.deliveries[0]!.atMs - appendedAt;
    expect(waited).toBeGreaterThanOrEqual(1000);
    expect(waited).toBeLessThanOrEqual(1000 + 200 + 50);
    await h.runUntil(() => h.uplink.status().inFlight === 0, { stepMs: 50 });

    looks.n = 0;
    const idleFrom = h.clock.now();
    await h.runUntil(() => h.clock.now() >= idleFrom + 20_000, { stepMs: 100 });
    expect(looks.n).toBeGreaterThanOrEqual(3); // still looks now and then (another process's resend)
    expect(looks.n).toBeLessThanOrEqual(5); // not 100 looks, one per pollIntervalMs

    await h.appendAlarm(alarmEvent(7));
    const alarmAt = h.clock.now();
    await h.runUntil(() => cloud.deliveries.length === 2, { stepMs: 10 });
    expect(cloud.deliveries[1]!.batch.alarms.map((a) => a.eventId)).toEqual(['evt-7']);
    expect(cloud.deliveries[1]!.atMs - alarmAt).toBeLessThanOrEqual(20);
  });

  it('without notifications it keeps polling every pollIntervalMs (an uplink over a store others write)', async () => {
    const { h, looks } = await setup(false);
    h.uplink.start();
    const from = h.clock.now();
    await h.runUntil(() => h.clock.now() >= from + 4_000, { stepMs: 100 });
    expect(looks.n).toBeGreaterThanOrEqual(15);
  });
});
