import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { MetricId } from '../catalog/metrics.js';
import { QualityFlag, type Batch, type Reading } from '../types.js';
import { canonicalizeBatch, decodeBatch, encodeBatch, peekBatchHeader } from './index.js';
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

// Format version 1, uncompressed, as gateways before version 2 wrote it. Readers must keep
// decoding it: a gateway in the field upgrades on its own schedule.
const GOLDEN_V1_HEX =
  '574c4201000967772d776172642d31079c9083d5c3320c019a019a013e09f28936091706090610031309066d6f6e2d3031066d6f6e2d3032066265642d3031066265642d3032055030303031026531026131036c6f770853704f32206c6f7702000204020a09030104828309b89709dc9609b0970903030303000101020000010401030104b130b20f464aaa0f4632020232020200fe2367f37d812f956304001500000001cd0f050602050100b89709070000971101ae010008';

/** The golden batch plus what version 2 added: an uncatalogued term with its unit (PAP
 * mean, 150047), a reading with a suspect clock and its device time, a patient mismatch. */
const GOLDEN_V2: Batch = {
  ...GOLDEN,
  readings: [
    ...GOLDEN.readings,
    { ...r('mon-01', 'bed-01', 'HR', 3, 0, 75), metric: '150047', value: 18.5, unit: 'mm[Hg]' },
    { ...r('mon-03', 'bed-03', 'SPO2', 3, 0, 88, QualityFlag.CLOCK_SUSPECT | QualityFlag.PATIENT_MISMATCH), deviceClockMs: T - 8 * 86_400_000 },
  ],
};
// Format version 2, uncompressed. If this changes, the wire format changed: bump
// FORMAT_VERSION (readers must keep decoding the older versions) and update this pin on purpose.
const GOLDEN_V2_HEX =
  '574c4202000967772d776172642d31079c9083d5c3320e01d301d301b17532444b0d22080e08110713060c066d6f6e2d3031066d6f6e2d3032066d6f6e2d3033066265642d3031066265642d3032066265642d3033055030303031066d6d5b48675d026531026131036c6f770853704f32206c6f77030002020602020e0d0e04010106828309b89709dc96099f9409b09709b897090303030103010001010002020700000104010301040118b130b20f46ea2e9f2eaa0f46a02e320202383202023800fe2367f37d812f956304009aaa28800003f2020101cd0f080903070100b897090a0000971101ae01000b01efae979305';

describe('batch wire format', () => {
  it('decodes version 1 bytes to the golden batch', () => {
    expect(decodeBatch(Buffer.from(GOLDEN_V1_HEX, 'hex'))).toEqual(canonicalizeBatch(GOLDEN));
  });

  it('encodes the version 2 golden batch to the pinned bytes, and decodes them back', () => {
    const bytes = encodeBatch(GOLDEN_V2, { compression: 'none' });
    expect(bytes.toString('hex')).toBe(GOLDEN_V2_HEX);
    expect(decodeBatch(bytes)).toEqual(canonicalizeBatch(GOLDEN_V2));
    expect(decodeBatch(bytes).readings.find((x) => x.metric === '150047')).toMatchObject({ value: 18.5, unit: 'mm[Hg]' });
    expect(decodeBatch(bytes).readings.find((x) => x.deviceId === 'mon-03')).toMatchObject({ deviceClockMs: T - 8 * 86_400_000, flags: 0b11000 });
  });

  it('a compressed frame carries the same payload', () => {
    const pinned = encodeBatch(GOLDEN_V2, { compression: 'none' });
    const brotli = encodeBatch(GOLDEN_V2);
    expect(decodeBatch(pinned)).toEqual(decodeBatch(brotli));
    expect(brotli.subarray(0, 5).toString('hex')).toBe('574c420202'); // "WLB", version 2, brotli
    const { bodyBytes } = peekBatchHeader(brotli);
    const payload = zlib.brotliDecompressSync(brotli.subarray(brotli.length - bodyBytes));
    expect(payload.equals(payloadOf(pinned))).toBe(true);
  });
});
