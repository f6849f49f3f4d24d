import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CodecBadMagicError,
  CodecCorruptError,
  CodecInvalidFieldError,
  CodecLimitExceededError,
  CodecOptionError,
  CodecTruncatedError,
  CodecUnsupportedVersionError,
} from '../errors/codec.js';
import { QualityFlag, type Batch } from '../types.js';
import { ByteWriter } from './bytes.js';
import { COLUMN, FORMAT_VERSION, TIME_MIN_MS } from './format.js';
import { decodeBatch, encodeBatch } from './index.js';
import { craftFrame, payloadOf, recomputeCrc, T0, withColumn } from './testing/frames.js';
import { wardBatch } from './testing/ward-batch.js';

const ward = wardBatch(10, 4);
const wardFrame = encodeBatch(ward, { compression: 'none' });
const tiny: Batch = {
  gatewayId: 'gw-1',
  seq: 1,
  createdAtMs: T0,
  alarms: [{ ...ward.alarms[0]!, patientId: null, deviceId: null, metric: null }],
  readings: [{ gatewayId: 'gw-1', deviceId: 'd', bedId: 'b', patientId: null, metric: 'HR', deviceTimeMs: T0, receivedAtMs: T0, value: -999, flags: QualityFlag.INVALID }],
};
const tinyFrame = encodeBatch(tiny, { compression: 'none' });

function bytesOf(...parts: (number | number[])[]): Uint8Array {
  return Uint8Array.from(parts.flat());
}

describe('batch codec rejects bad input with typed errors', () => {
  it('rejects wrong magic, unknown versions and unknown compression ids', () => {
    expect(() => decodeBatch(Buffer.from('{"readings":[]}'))).toThrow(CodecBadMagicError);
    const next = Buffer.from(wardFrame);
    next[3] = FORMAT_VERSION + 1;
    expect(() => decodeBatch(next)).toThrow(CodecUnsupportedVersionError);
    const zstd = Buffer.from(wardFrame);
    zstd[4] = 3;
    expect(() => decodeBatch(zstd)).toThrow(expect.objectContaining({ code: 'WL_CODEC_INVALID_FIELD', detail: expect.objectContaining({ field: 'header.compression' }) }));
  });

  it('rejects trailing bytes after the batch', () => {
    expect(() => decodeBatch(Buffer.concat([wardFrame, Buffer.from([0])]))).toThrow(CodecCorruptError);
  });

  it('enforces the configured limits from the header, before decompressing', () => {
    const brotli = encodeBatch(ward);
    expect(() => decodeBatch(brotli, { maxReadings: ward.readings.length - 1 })).toThrow(CodecLimitExceededError);
    expect(() => decodeBatch(brotli, { maxAlarms: 1 })).toThrow(expect.objectContaining({ detail: expect.objectContaining({ limit: 'maxAlarms' }) }));
    expect(() => decodeBatch(brotli, { maxDecompressedBytes: 100 })).toThrow(expect.objectContaining({ detail: expect.objectContaining({ limit: 'maxDecompressedBytes' }) }));
    expect(() => decodeBatch(brotli, { maxStringLength: 8 })).toThrow(CodecLimitExceededError); // "gw-ward-3" is 9 bytes
    expect(() => decodeBatch(brotli, { maxStringLength: 20 })).toThrow(CodecLimitExceededError); // the alarm message is longer
    expect(decodeBatch(brotli, { maxReadings: ward.readings.length, maxAlarms: 2, maxStringLength: 64 })).toEqual(decodeBatch(brotli));
    expect(() => decodeBatch(brotli, { maxReadings: 0 })).toThrow(CodecOptionError);
    expect(() => decodeBatch(brotli, { maxReading: 5 } as never)).toThrow(CodecOptionError);
  });

  it('stops a decompression bomb without allocating its output', () => {
    const bomb = zlib.brotliCompressSync(Buffer.alloc(64 * 1024 * 1024), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } });
    const frame = craftFrame(new Uint8Array(1000), { payloadBytes: 1000 }, bomb);
    const before = process.memoryUsage().arrayBuffers;
    expect(() => decodeBatch(frame)).toThrow(expect.objectContaining({ code: 'WL_CODEC_CORRUPT', detail: { expectedBytes: 1000 } }));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
    // Declaring the real size is refused by the limit before any decompression starts.
    const honest = craftFrame(new Uint8Array(1000), { payloadBytes: 64 * 1024 * 1024 + 1 }, bomb);
    expect(() => decodeBatch(honest, { maxDecompressedBytes: 64 * 1024 * 1024 })).toThrow(CodecLimitExceededError);
  });

  it('rejects counts the payload could not hold and bodies that inflate to another size', () => {
    const payload = payloadOf(wardFrame);
    expect(() => decodeBatch(craftFrame(payload, { readingCount: payload.length + 1 }))).toThrow(CodecCorruptError);
    const short = craftFrame(payload, { payloadBytes: payload.length + 5 }, zlib.brotliCompressSync(payload));
    expect(() => decodeBatch(short)).toThrow(expect.objectContaining({ code: 'WL_CODEC_CORRUPT', detail: expect.objectContaining({ actualBytes: payload.length }) }));
    expect(() => decodeBatch(craftFrame(payload, {}, Buffer.from('not brotli at all')))).toThrow(CodecCorruptError);
  });

  it('rejects overflowing and overlong varints', () => {
    const magic = [0x57, 0x4c, 0x42, 1, 0, 0];
    expect(() => decodeBatch(bytesOf(magic, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow(CodecInvalidFieldError);
    expect(() => decodeBatch(bytesOf(magic, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]))).toThrow(/safe integer/);
    expect(() => decodeBatch(bytesOf(magic, [0x81, 0x00]))).toThrow(/overlong/);
    expect(() => decodeBatch(bytesOf(magic, [0x81]))).toThrow(CodecTruncatedError);
  });

  it('rejects times outside 2000..2100', () => {
    expect(() => decodeBatch(craftFrame(payloadOf(wardFrame), { createdAtMs: TIME_MIN_MS - 1 }))).toThrow(/header.createdAtMs/);
    // Reading times are coded relative to createdAtMs: moving it moves them out of range.
    const early = { ...ward, createdAtMs: TIME_MIN_MS + 20_000, readings: ward.readings.map((r) => ({ ...r, deviceTimeMs: r.deviceTimeMs - T0 + TIME_MIN_MS + 5000, receivedAtMs: r.receivedAtMs - T0 + TIME_MIN_MS + 5000 })) };
    const payload = payloadOf(encodeBatch(early, { compression: 'none' }));
    const frame = craftFrame(payload, { createdAtMs: TIME_MIN_MS + 10_000, gatewayId: ward.gatewayId, readingCount: ward.readings.length, alarmCount: 2 });
    expect(() => decodeBatch(frame)).toThrow(expect.objectContaining({ detail: expect.objectContaining({ field: 'reading.deviceTimeMs' }) }));
  });

  it('rejects unknown metric codes, flag bits and series modes', () => {
    const series = (code: number, mode: number, ...units: number[]) => {
      const w = new ByteWriter();
      for (const v of [1, code, 1]) w.uvarint(v);
      w.u8(mode);
      for (const u of units) w.uvarint(u);
      return w.view().slice();
    };
    expect(() => decodeBatch(withColumn(tinyFrame, COLUMN.series, () => series(147842, 2)))).not.toThrow();
    // Version 2: any other MDC code is an uncatalogued term, with its unit (a string ref).
    const uncatalogued = decodeBatch(withColumn(tinyFrame, COLUMN.series, () => series(150047, 2, 0)));
    expect(uncatalogued.readings[0]).toMatchObject({ metric: '150047', value: -999, unit: 'd' });
    expect(() => decodeBatch(withColumn(tinyFrame, COLUMN.series, () => series(150047, 2)))).toThrow(/series column ends early/);
    expect(() => decodeBatch(withColumn(tinyFrame, COLUMN.series, () => series(150047, 2, 99)))).toThrow(/string index out of range/);
    expect(() => decodeBatch(withColumn(tinyFrame, COLUMN.series, () => series(0, 2)))).toThrow(/not an MDC code/);
    expect(() => decodeBatch(withColumn(tinyFrame, COLUMN.series, () => series(2 ** 32, 2)))).toThrow(/not an MDC code/);
    expect(() => decodeBatch(withColumn(tinyFrame, COLUMN.series, () => series(147842, 10)))).toThrow(/series.mode/);
    // Sharing an earlier series' times and taking a subset of them exclude each other.
    expect(() => decodeBatch(withColumn(tinyFrame, COLUMN.series, () => series(147842, 5)))).toThrow(/series.mode/);
    expect(() => decodeBatch(withColumn(tinyFrame, COLUMN.flags, () => bytesOf(1, 33)))).toThrow(/unknown QualityFlag bits/);
    expect(() => decodeBatch(withColumn(tinyFrame, COLUMN.flags, () => bytesOf(2, 1)))).toThrow(/flags.run/);
  });

  it('rejects a bad clocks column and a non-canonical decimal', () => {
    const suspect: Batch = { ...tiny, alarms: [], readings: [{ ...tiny.readings[0]!, value: 72, flags: QualityFlag.CLOCK_SUSPECT, deviceClockMs: T0 - 86_400_000 }] };
    const frame = encodeBatch(suspect, { compression: 'none' });
    expect(decodeBatch(frame).readings[0]!.deviceClockMs).toBe(T0 - 86_400_000);
    expect(() => decodeBatch(withColumn(frame, COLUMN.clocks, () => bytesOf(2)))).toThrow(/clocks.tag/);
    expect(() => decodeBatch(withColumn(frame, COLUMN.clocks, () => bytesOf(1)))).toThrow(/clocks column ends early/);
    expect(() => decodeBatch(withColumn(frame, COLUMN.clocks, () => bytesOf(0, 0)))).toThrow(/clocks column has 1 unread byte/);
    // 36.6 is written as mantissa 366 with 1 decimal; 3660 with 2 decimals is not canonical.
    const decimal: Batch = { ...tiny, alarms: [], readings: [{ ...tiny.readings[0]!, value: 36.6 }] };
    const raw = withColumn(encodeBatch(decimal, { compression: 'none' }), COLUMN.raw, (col) => {
      expect([...col]).toEqual([3, 0xdc, 0x05, 1]);
      return bytesOf(3, 0x98, 0x39, 2);
    });
    expect(() => decodeBatch(raw)).toThrow(/shortest decimal/);
  });

  it('rejects bad alarm enums and metric codes', () => {
    // tiny's alarm row: 5 string refs, source u8, metric varint 0, condition ref, priority u8, phase u8, ...
    const patch = (at: number, value: number) => withColumn(tinyFrame, COLUMN.alarms, (col) => ((col[at] = value), col));
    expect(() => decodeBatch(patch(5, 2))).toThrow(/alarm.source/);
    expect(() => decodeBatch(patch(6, 9))).toThrow(/alarm.metric/);
    expect(() => decodeBatch(patch(8, 3))).toThrow(/alarm.priority/);
    expect(() => decodeBatch(patch(9, 5))).toThrow(/alarm.phase/);
    expect(() => decodeBatch(patch(0, 120))).toThrow(/string index out of range/);
  });

  it('rejects invalid UTF-8 in the string table and the gateway id', () => {
    // strings column: count, then the first string's length and bytes.
    expect(() => decodeBatch(withColumn(tinyFrame, COLUMN.strings, (col) => ((col[2] = 0xff), col)))).toThrow(/not valid UTF-8/);
    const badId = Buffer.from(tinyFrame);
    badId[6] = 0xc3; // "gw-1" -> a lead byte followed by "w"
    expect(() => decodeBatch(recomputeCrc(badId))).toThrow(expect.objectContaining({ detail: expect.objectContaining({ field: 'header.gatewayId' }) }));
  });

  it('rejects a stream or a metric that appears twice', () => {
    const twice: Batch = { ...tiny, alarms: [], readings: [tiny.readings[0]!, { ...tiny.readings[0]!, metric: 'PR' }] };
    const frame = encodeBatch(twice, { compression: 'none' });
    const asHr = withColumn(frame, COLUMN.series, (col) => col.set(col.subarray(1, 4), 4) ?? col);
    expect(() => decodeBatch(asHr)).toThrow(/a metric appears twice/);
  });
});
