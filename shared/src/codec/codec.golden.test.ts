import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { MetricId } from '../catalog/metrics.js';
import { QualityFlag, type Batch, type Reading } from '../types.js';
import { canonicalizeBatch, decodeBatch, encodeBatch, peekBatchHeader, SeriesDictionary } from './index.js';
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
// Format version 2, uncompressed, as gateways before version 3 wrote it: still decoded.
const GOLDEN_V2_HEX =
  '574c4202000967772d776172642d31079c9083d5c3320e01d301d301b17532444b0d22080e08110713060c066d6f6e2d3031066d6f6e2d3032066d6f6e2d3033066265642d3031066265642d3032066265642d3033055030303031066d6d5b48675d026531026131036c6f770853704f32206c6f77030002020602020e0d0e04010106828309b89709dc96099f9409b09709b897090303030103010001010002020700000104010301040118b130b20f46ea2e9f2eaa0f46a02e320202383202023800fe2367f37d812f956304009aaa28800003f2020101cd0f080903070100b897090a0000971101ae01000b01efae979305';

/** The version 2 golden batch plus what version 3 added: a series missing from some of its
 * stream's records (PR in records 0 and 2 of HR's 0, 1, 2) takes a subset of HR's times. */
const GOLDEN_V3: Batch = {
  ...GOLDEN_V2,
  readings: [...GOLDEN_V2.readings, r('mon-01', 'bed-01', 'PR', 0, 3, 71), r('mon-01', 'bed-01', 'PR', 2, 8, 74)],
};
// Format version 3, uncompressed, as gateways before version 4 wrote it: still decoded.
const GOLDEN_V3_HEX =
  '574c4203000967772d776172642d31079c9083d5c3321001dc01dc016fd1ad524b0d28080f08130713060c066d6f6e2d3031066d6f6e2d3032066d6f6e2d3033066265642d3031066265642d3032066265642d3033055030303031066d6d5b48675d026531026131036c6f770853704f32206c6f77030002020602020e0d0e05010107828309b89709dc96099f94099a9009b09709b897090303030102030100010100040202070000000104010301040118b130b20f46ea2e059f2eaa0f46a02e320202383202023800fe2367f37d812f9562f70ebdc009aa9f840003f2020101cd0f080903070100b897090a0000971101ae01000b01efae979305';

/** Version 4: the version 3 golden batch against a series dictionary, where the receiver
 * holds entries 0..3 and the others travel inline. */
const GOLDEN_V4_DICTIONARY = (() => {
  const d = new SeriesDictionary(0x5eed_1234);
  d.addReadings(GOLDEN_V3.readings);
  return d;
})();
const GOLDEN_V4_HELD = 4;
// Format version 4, uncompressed. If this changes, the wire format changed: bump
// FORMAT_VERSION (readers must keep decoding the older versions) and update this pin on purpose.
const GOLDEN_V4_HEX =
  '574c4204000967772d776172642d31079c9083d5c3321001b4a4b4f70503cf01cf01c7b9fb403d0419080f0813071306180a026531026131066265642d3031055030303031066d6f6e2d3031036c6f770853704f32206c6f77066d6f6e2d3033066265642d3033066d6d5b48675d03050101070002020404050403030301020301000101000402020000000104010301040118b130b20f46ea2e059f2eaa0f46a02e320202383202023800fe2367f37d812f9562f70ebdc009aa9f840003f2020101cd0f000102040500b89709050000971101ae01000601efae9793050a0202080605040c0b0800009f9409b897099a90090a0000';

describe('batch wire format', () => {
  it('decodes version 1 bytes to the golden batch', () => {
    expect(decodeBatch(Buffer.from(GOLDEN_V1_HEX, 'hex'))).toEqual(canonicalizeBatch(GOLDEN));
  });

  it('decodes version 2 bytes to the version 2 golden batch', () => {
    const bytes = Buffer.from(GOLDEN_V2_HEX, 'hex');
    expect(decodeBatch(bytes)).toEqual(canonicalizeBatch(GOLDEN_V2));
    expect(decodeBatch(bytes).readings.find((x) => x.metric === '150047')).toMatchObject({ value: 18.5, unit: 'mm[Hg]' });
    expect(decodeBatch(bytes).readings.find((x) => x.deviceId === 'mon-03')).toMatchObject({ deviceClockMs: T - 8 * 86_400_000, flags: 0b11000 });
  });

  it('encodes the version 4 golden batch to the pinned bytes, and decodes them back', () => {
    const dictionary = GOLDEN_V4_DICTIONARY;
    const bytes = encodeBatch(GOLDEN_V3, { compression: 'none', dictionary: { dictionary, inline: (n) => n >= GOLDEN_V4_HELD } });
    expect(bytes.toString('hex')).toBe(GOLDEN_V4_HEX);
    const held = new SeriesDictionary(dictionary.id);
    for (let n = 0; n < GOLDEN_V4_HELD; n++) held.set(n, dictionary.at(n)!);
    expect(decodeBatch(bytes, undefined, { dictionaries: (id) => (id === dictionary.id ? held : undefined) })).toEqual(canonicalizeBatch(GOLDEN_V3, dictionary));
  });

  it('decodes version 3 bytes to the version 3 golden batch', () => {
    const bytes = Buffer.from(GOLDEN_V3_HEX, 'hex');
    expect(decodeBatch(bytes)).toEqual(canonicalizeBatch(GOLDEN_V3));
    expect(decodeBatch(bytes).readings.filter((x) => x.metric === 'PR').map((x) => x.deviceTimeMs)).toEqual([T + 3, T + 2_008]);
    // PR's mode byte is SUBSET_TIMES (4): its times are a bitmap over HR's, not its own.
    expect(bytes.toString('hex')).toContain('0303030102030100010100040202');
  });

  it('a compressed frame carries the same payload', () => {
    const pinned = encodeBatch(GOLDEN_V3, { compression: 'none' });
    const brotli = encodeBatch(GOLDEN_V3);
    expect(decodeBatch(pinned)).toEqual(decodeBatch(brotli));
    expect(brotli.subarray(0, 5).toString('hex')).toBe('574c420402'); // "WLB", version 4, brotli
    const { bodyBytes } = peekBatchHeader(brotli);
    const payload = zlib.brotliDecompressSync(brotli.subarray(brotli.length - bodyBytes));
    expect(payload.equals(payloadOf(pinned))).toBe(true);
  });
});
