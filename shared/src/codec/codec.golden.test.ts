import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { MetricId } from '../catalog/metrics.js';
import { QualityFlag, type Batch, type Reading } from '../types.js';
import { decodeBatch, encodeBatch, peekBatchHeader } from './index.js';
import { payloadOf } from './testing/frames.js';

const T = Date.UTC(2025, 0, 6, 8, 0, 0);
const r = (deviceId: string, bed: string, metric: MetricId, tick: number, jitter: number, value: number, flags = 0): Reading => ({
  gatewayId: 'gw-ward-1',
  deviceId,
  bedId: bed,
  patientId: bed === 'bed-02' ? null : 'P0001',
  metric,
  deviceTimeMs: T + tick * 1000 + jitter,
  receivedAtMs: T + tick * 1000 + jitter + 25 + tick,
  value,
  flags,
});

/** Two monitors, three 1 Hz records, an invalid marker, a sensor-off, one alarm. */
const GOLDEN: Batch = {
  gatewayId: 'gw-ward-1',
  seq: 7,
  createdAtMs: T + 3_100,
  alarms: [
    {
      eventId: 'e1', alarmId: 'a1', bedId: 'bed-01', patientId: 'P0001', deviceId: 'mon-01', source: 'physiological',
      metric: 'SPO2', condition: 'low', priority: 'high', phase: 'raised', timeMs: T + 2_000, value: 87, actor: null, message: 'SpO2 low',
    },
  ],
  readings: [0, 1, 2].flatMap((tick) => [
    r('mon-01', 'bed-01', 'HR', tick, [3, -12, 8][tick]!, 72 + tick),
    r('mon-01', 'bed-01', 'SPO2', tick, [3, -12, 8][tick]!, [97, 96, 87][tick]!),
    r('mon-01', 'bed-01', 'TEMP', tick, [3, -12, 8][tick]!, 36.6),
    r('mon-02', 'bed-02', 'PI', tick, [40, 21, 37][tick]!, tick === 1 ? -999 : 3.14, tick === 1 ? QualityFlag.INVALID | QualityFlag.SENSOR_OFF : QualityFlag.DEMO),
  ]),
};

// Format version 1, uncompressed. If this changes, the wire format changed: bump
// FORMAT_VERSION (readers must keep decoding version 1) and update this pin on purpose.
const GOLDEN_HEX =
  '574c4201000967772d776172642d31079c9083d5c3320c019a019a013e09f28936091706090610031309066d6f6e2d3031066d6f6e2d3032066265642d3031066265642d3032055030303031026531026131036c6f770853704f32206c6f7702000204020a09030104828309b89709dc9609b0970903030303000101020000010401030104b130b20f464aaa0f4632020232020200fe2367f37d812f956304001500000001cd0f050602050100b89709070000971101ae010008';

describe('batch wire format v1', () => {
  it('encodes the golden batch to the pinned bytes', () => {
    expect(encodeBatch(GOLDEN, { compression: 'none' }).toString('hex')).toBe(GOLDEN_HEX);
  });

  it('decodes the pinned bytes, and a compressed frame carries the same payload', () => {
    const pinned = Buffer.from(GOLDEN_HEX, 'hex');
    const brotli = encodeBatch(GOLDEN);
    expect(decodeBatch(pinned)).toEqual(decodeBatch(brotli));
    expect(brotli.subarray(0, 5).toString('hex')).toBe('574c420102'); // "WLB", version 1, brotli
    const { bodyBytes } = peekBatchHeader(brotli);
    const payload = zlib.brotliDecompressSync(brotli.subarray(brotli.length - bodyBytes));
    expect(payload.equals(payloadOf(pinned))).toBe(true);
  });
});
