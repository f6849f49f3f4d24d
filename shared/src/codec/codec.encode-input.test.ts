import { describe, expect, it } from 'vitest';
import { CodecInputError, CodecOptionError } from '../errors/codec.js';
import { QualityFlag, type AlarmEvent, type Batch, type Reading } from '../types.js';
import { TIME_MAX_MS, TIME_MIN_MS } from './format.js';
import { encodeBatch } from './index.js';
import { T0 } from './testing/frames.js';
import { wardBatch } from './testing/ward-batch.js';

const good = wardBatch(2, 2);
const withReading = (over: Partial<Reading>): Batch => ({ ...good, readings: [...good.readings, { ...good.readings[0]!, ...over }] });
const withAlarm = (over: Partial<AlarmEvent>): Batch => ({ ...good, alarms: [{ ...good.alarms[0]!, ...over }] });
const field = (batch: Batch) => {
  try {
    encodeBatch(batch);
  } catch (err) {
    expect(err).toBeInstanceOf(CodecInputError);
    return (err as CodecInputError).detail.field;
  }
  throw new Error('encodeBatch accepted a batch it cannot carry');
};

describe('encodeBatch refuses batches the format cannot carry', () => {
  it('names the offending reading field', () => {
    const last = `readings[${good.readings.length}]`;
    expect(field(withReading({ metric: 'GLUCOSE' as never }))).toBe(`${last}.metric`);
    expect(field(withReading({ gatewayId: 'gw-other' }))).toBe(`${last}.gatewayId`);
    expect(field(withReading({ deviceTimeMs: TIME_MIN_MS - 1, deviceId: 'new' }))).toBe(`${last}.deviceTimeMs`);
    expect(field(withReading({ receivedAtMs: TIME_MAX_MS, deviceId: 'new' }))).toBe(`${last}.receivedAtMs`);
    expect(field(withReading({ deviceTimeMs: T0 + 0.5, deviceId: 'new' }))).toBe(`${last}.deviceTimeMs`);
    expect(field(withReading({ value: Number.NaN }))).toBe(`${last}.value`);
    expect(field(withReading({ value: 2 ** 49 }))).toBe(`${last}.value`);
    expect(field(withReading({ flags: 32 }))).toBe(`${last}.flags`);
    // A catalog metric's own code is carried as its id, never as digits.
    expect(field(withReading({ metric: '147842' as never }))).toBe(`${last}.metric`);
    expect(field(withReading({ metric: '0' as never }))).toBe(`${last}.metric`);
    expect(field(withReading({ metric: '4294967296' as never }))).toBe(`${last}.metric`);
    expect(field(withReading({ unit: 'Cel' }))).toBe(`${last}.unit`);
    expect(field(withReading({ deviceClockMs: T0 - 86_400_000 }))).toBe(`${last}.deviceClockMs`);
    expect(field(withReading({ flags: QualityFlag.CLOCK_SUSPECT, deviceClockMs: 0.5 }))).toBe(`${last}.deviceClockMs`);
    expect(field(withReading({ metric: '150047', unit: 7 as never }))).toBe(`${last}.unit`);
    expect(field(withReading({ flags: 1.5 }))).toBe(`${last}.flags`);
    expect(field(withReading({ flags: -1 }))).toBe(`${last}.flags`);
    expect(field(withReading({ deviceId: 'mon-\ud800' }))).toBe('reading.deviceId');
    expect(field(withReading({ bedId: 7 as never }))).toBe('reading.bedId');
  });

  it('names the offending alarm or header field', () => {
    expect(field(withAlarm({ priority: 'urgent' as never }))).toBe('alarms[0].priority');
    expect(field(withAlarm({ priority: 'toString' as never }))).toBe('alarms[0].priority');
    expect(field(withAlarm({ phase: 'silenced' as never }))).toBe('alarms[0].phase');
    expect(field(withAlarm({ source: 'patient' as never }))).toBe('alarms[0].source');
    expect(field(withAlarm({ metric: 'X' as never }))).toBe('alarms[0].metric');
    expect(field(withAlarm({ timeMs: TIME_MAX_MS }))).toBe('alarms[0].timeMs');
    expect(field(withAlarm({ value: '84' as never }))).toBe('alarms[0].value');
    expect(field(withAlarm({ message: undefined as never }))).toBe('alarms[0].message');
    expect(field({ ...good, seq: -1 })).toBe('seq');
    expect(field({ ...good, seq: 2 ** 53 })).toBe('seq');
    expect(field({ ...good, createdAtMs: Date.UTC(1999, 11, 31) })).toBe('createdAtMs');
    expect(field({ ...good, gatewayId: '\udc00' })).toBe('gatewayId');
    expect(field({ ...good, readings: undefined as never })).toBe('readings');
    expect(field({ ...good, alarms: {} as never })).toBe('alarms');
    expect(field({ ...good, readings: [null as never] })).toBe('readings[0]');
    expect(field({ ...good, alarms: [7 as never] })).toBe('alarms[0]');
  });

  it('rejects unknown compressions and out-of-range levels', () => {
    expect(() => encodeBatch(good, { compression: 'zstd' as never })).toThrow(CodecOptionError);
    expect(() => encodeBatch(good, { compression: 'brotli', level: 12 })).toThrow(CodecOptionError);
    expect(() => encodeBatch(good, { compression: 'deflate', level: 10 })).toThrow(/0..9/);
    expect(encodeBatch(good, { compression: 'deflate', level: 0 }).length).toBeGreaterThan(0);
  });
});
