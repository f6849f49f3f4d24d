/**
 * The time columns. Device times: a series' first time as a zigzag delta from the
 * previous series' first time (the batch's createdAtMs for the first series), the
 * second as a delta, then delta-of-delta, all zigzag varints (1 Hz records with tens of
 * ms of jitter give one or two bytes each). Receive times: as offsets from the device
 * time, the first absolute, then deltas of the offset. A series whose times equal an
 * earlier series of its stream (the other metrics of the same device records) writes
 * nothing here and points at that series instead.
 */
import { CodecInputError, CodecInvalidFieldError } from '../errors/codec.js';
import type { Reading } from '../types.js';
import type { ByteReader, ByteWriter } from './bytes.js';
import { isTimeInRange, SERIES_SHARES_TIMES, TIME_MAX_MS, TIME_MIN_MS } from './format.js';
import type { StreamGroup } from './group.js';

/**
 * Most metrics of one device record share both times. Returns 1 + the index (in the
 * stream) of an earlier series with identical times and its own time columns, or 0 when
 * this series needs its own.
 */
export function findSharedTimes(readings: readonly Reading[], stream: StreamGroup, s: number, modes: readonly number[], globalIndex: number): number {
  const rows = stream.series[s]!.rows;
  candidates: for (let c = 0; c < s; c++) {
    if (modes[globalIndex - (s - c)]! & SERIES_SHARES_TIMES) continue;
    const other = stream.series[c]!.rows;
    if (other.length !== rows.length) continue;
    for (let k = 0; k < rows.length; k++) {
      const a = readings[rows[k]!]!;
      const b = readings[other[k]!]!;
      if (a.deviceTimeMs !== b.deviceTimeMs || a.receivedAtMs !== b.receivedAtMs) continue candidates;
    }
    return c + 1;
  }
  return 0;
}

/** Throws for a time the format cannot carry (the subset path writes none, yet must refuse them too). */
export function checkTimes(readings: readonly Reading[], rows: readonly number[]): void {
  for (const row of rows) {
    const r = readings[row]!;
    if (!isTimeInRange(r.deviceTimeMs)) throw new CodecInputError(`readings[${row}].deviceTimeMs`, 'must be an integer time in 2000..2100', r.deviceTimeMs);
    if (!isTimeInRange(r.receivedAtMs)) throw new CodecInputError(`readings[${row}].receivedAtMs`, 'must be an integer time in 2000..2100', r.receivedAtMs);
  }
}

/** Writes one series' times; returns its first device time. */
export function writeTimes(times: ByteWriter, offsets: ByteWriter, readings: readonly Reading[], rows: readonly number[], prevFirst: number): number {
  let prevTime = 0;
  let prevDelta = 0;
  let prevOffset = 0;
  let first = 0;
  for (let k = 0; k < rows.length; k++) {
    const r = readings[rows[k]!]!;
    const t = r.deviceTimeMs;
    const received = r.receivedAtMs;
    if (!isTimeInRange(t)) throw new CodecInputError(`readings[${rows[k]}].deviceTimeMs`, 'must be an integer time in 2000..2100', t);
    if (!isTimeInRange(received)) throw new CodecInputError(`readings[${rows[k]}].receivedAtMs`, 'must be an integer time in 2000..2100', received);
    const offset = received - t;
    if (k === 0) {
      first = t;
      times.svarint(t - prevFirst);
      offsets.svarint(offset);
    } else {
      const delta = t - prevTime;
      times.svarint(k === 1 ? delta : delta - prevDelta);
      offsets.svarint(offset - prevOffset);
      prevDelta = delta;
    }
    prevTime = t;
    prevOffset = offset;
  }
  return first;
}

/** Reads one series' times into the arrays at `start`; returns its first device time. */
export function readTimes(
  times: ByteReader,
  offsets: ByteReader,
  deviceTimes: Float64Array,
  receivedTimes: Float64Array,
  start: number,
  count: number,
  prevFirst: number,
): number {
  let t = prevFirst + times.svarint('times.first');
  let offset = offsets.svarint('offsets.first');
  let delta = 0;
  const first = t;
  for (let k = start; ; ) {
    const received = t + offset;
    if (!(t >= TIME_MIN_MS && t < TIME_MAX_MS)) throw new CodecInvalidFieldError('reading.deviceTimeMs', t, 'outside 2000..2100');
    if (!(received >= TIME_MIN_MS && received < TIME_MAX_MS)) throw new CodecInvalidFieldError('reading.receivedAtMs', received, 'outside 2000..2100');
    deviceTimes[k] = t;
    receivedTimes[k] = received;
    if (++k === start + count) break;
    delta = k === start + 1 ? times.svarint('times.delta') : delta + times.svarint('times.deltaOfDelta');
    t += delta;
    offset += offsets.svarint('offsets.delta');
  }
  return first;
}
