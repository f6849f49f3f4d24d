import { afterEach, describe, expect, it } from 'vitest';
import { wardReadings } from '../buffer/testing/fixtures.js';
import { startFakeCloud, type FakeCloud } from './testing/fake-cloud.js';
import { createUplinkHarness, type UplinkHarness } from './testing/harness.js';

let h: UplinkHarness | undefined;
let cloud: FakeCloud | undefined;
afterEach(async () => {
  await h?.close();
  await cloud?.close();
});

// Found in review: the 409 path returned without telling the breaker, so when it answered
// a half-open breaker's probe every later send was refused until a restart.
describe('409 WL_API_BATCH_SEQ_REUSED', () => {
  it('renumbers the batch above the cloud\'s highest seq and sends it, also when it answered a half-open probe', async () => {
    cloud = await startFakeCloud(() => h!.clock.now());
    h = createUplinkHarness({ url: cloud.url, maxBatchReadings: 1000, maxBatchAgeMs: 1000, concurrency: 1, breakerFailureThreshold: 3, breakerOpenMs: 1000, backoffBaseMs: 100, backoffMaxMs: 2000 });
    let n = 0;
    cloud.script = (d): { status: number; body: unknown; headers: Record<string, string> } | undefined => {
      n++;
      if (n <= 3) return { status: 503, body: { error: { code: 'WL_DB_UNAVAILABLE', message: 'down' } }, headers: { 'retry-after': '1' } };
      if (d.batch.seq === 1) return { status: 409, body: { error: { code: 'WL_API_BATCH_SEQ_REUSED', message: 'reused' } }, headers: { 'wardlink-highest-seq': '5' } };
      return undefined;
    };
    await h.append(wardReadings(0, 1000));
    h.uplink.start();
    await h.runUntil(() => cloud!.stored.size === 1, { stepMs: 250 });
    expect(cloud.deliveries.map((d) => `${d.batch.seq}:${d.status}`)).toEqual(['1:503', '1:503', '1:503', '1:409', '6:200']);
    expect(h.uplink.status()).toMatchObject({ breaker: 'closed', batchesQuarantined: 0 });
  }, 30_000);
});
