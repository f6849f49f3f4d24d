import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, type Reading } from '@wardlink/shared';
import { naiveEncode } from './_codec-naive.js';
import { UplinkBatcher } from './_codec-uplink-batches.js';

const T0 = Date.UTC(2025, 0, 6, 8);

function reading(deviceId: string, receivedAtMs: number, value = 80): Reading {
  return { gatewayId: 'gw', deviceId, bedId: `b-${deviceId}`, patientId: null, metric: 'HR', deviceTimeMs: receivedAtMs - 20, receivedAtMs, value, flags: 0 };
}

describe('the codec benchmark batches as the uplink does', () => {
  it('builds a batch at the first poll where the oldest unsent reading is maxBatchAgeMs old, with everything received by then', () => {
    const seq = { next: 1 };
    const b = new UplinkBatcher({ maxBatchAgeMs: 1000, maxBatchReadings: 100, pollIntervalMs: 200 }, 'gw', T0, seq);
    const rs = [reading('a', T0 + 50), reading('b', T0 + 900), reading('c', T0 + 1100), reading('d', T0 + 1300)];
    // Out of order on purpose: the outbox holds them by arrival.
    const batches = b.advance([rs[3]!, rs[0]!, rs[2]!, rs[1]!], T0 + 2000);
    // Poll at +1200 is the first with the +50 reading 1 s old: it takes a, b and c (d arrives at +1300).
    expect(batches.map((x) => [x.seq, x.createdAtMs, x.readings.map((r) => r.deviceId)])).toEqual([[1, T0 + 1200, ['a', 'b', 'c']]]);
    // d waits for its own second, in a later call.
    expect(b.advance([], T0 + 2400)).toEqual([]);
    expect(b.advance([], T0 + 2600).map((x) => [x.createdAtMs, x.readings.map((r) => r.deviceId)])).toEqual([[T0 + 2400, ['d']]]);
  });

  it('does not wait when maxBatchReadings are already there', () => {
    const b = new UplinkBatcher({ maxBatchAgeMs: 1000, maxBatchReadings: 2, pollIntervalMs: 200 }, 'gw', T0, { next: 1 });
    const batches = b.advance([reading('a', T0 + 10), reading('b', T0 + 20), reading('c', T0 + 30)], T0 + 201);
    expect(batches.map((x) => x.readings.length)).toEqual([2]);
  });

  it('has a naive baseline that is a real encoding (smaller than the raw JSON, larger than nothing)', () => {
    const readings = Array.from({ length: 50 }, (_, i) => reading(`d${i % 5}`, T0 + i * 100, 60 + (i % 7)));
    const batch = { gatewayId: 'gw', seq: 1, createdAtMs: T0 + 6000, alarms: [], readings };
    const naive = naiveEncode(batch);
    expect(naive.length).toBeGreaterThan(50);
    expect(naive.length).toBeLessThan(JSON.stringify(readings).length / 4);
    expect(decodeBatch(encodeBatch(batch)).readings).toHaveLength(50);
  });
});
