/**
 * Version 3: a series whose times are some of an earlier series' times (the same
 * monitor's records, with this metric missing from a few of them) writes a bitmap of
 * which of them instead of its own time columns. On real ICU numerics, where metrics
 * come and go, that series would otherwise write every time again: the first in full
 * and a delta per record, on both time columns.
 *
 * Layout: the earlier series' index in the stream goes with the shared-times references
 * in the series column (in series order); the bitmap (one bit per reading of the earlier
 * series, least significant bit first, ceil(n / 8) bytes) goes in the times column where
 * the series' own times would be.
 */
import { CodecCorruptError, CodecInvalidFieldError } from '../errors/codec.js';
import type { Reading } from '../types.js';
import type { ByteReader, ByteWriter } from './bytes.js';
import type { StreamGroup } from './group.js';

export interface SubsetTimes {
  /** The earlier series' index in the stream. */
  ref: number;
  bitmap: Uint8Array;
}

/**
 * An earlier series of the stream holding more readings, whose (device time, receive
 * time) sequence contains this series' sequence in order; the longest such, first found.
 */
export function findSubsetTimes(readings: readonly Reading[], stream: StreamGroup, s: number): SubsetTimes | null {
  const rows = stream.series[s]!.rows;
  let best: SubsetTimes | null = null;
  let bestCount = rows.length;
  for (let c = 0; c < s; c++) {
    const other = stream.series[c]!.rows;
    if (other.length <= bestCount) continue;
    const bitmap = new Uint8Array((other.length + 7) >> 3);
    let k = 0;
    for (let j = 0; j < other.length && k < rows.length; j++) {
      const a = readings[rows[k]!]!;
      const b = readings[other[j]!]!;
      if (a.deviceTimeMs === b.deviceTimeMs && a.receivedAtMs === b.receivedAtMs) {
        bitmap[j >> 3]! |= 1 << (j & 7);
        k++;
      }
    }
    if (k === rows.length) {
      best = { ref: c, bitmap };
      bestCount = other.length;
    }
  }
  return best;
}

export function writeSubsetBitmap(times: ByteWriter, subset: SubsetTimes): void {
  times.bytes(subset.bitmap);
}

/**
 * Reads a subset bitmap over the `refCount` times at `refStart` and copies the chosen
 * ones to `start` in the same arrays. The bitmap must choose exactly `count` readings and
 * have no bit past the end.
 */
export function readSubsetTimes(
  times: ByteReader,
  refStart: number,
  refCount: number,
  count: number,
  deviceTimes: Float64Array,
  receivedTimes: Float64Array,
  start: number,
): void {
  if (count >= refCount) throw new CodecCorruptError('a series takes a subset of the times of a series no longer than itself');
  const bitmap = times.bytes((refCount + 7) >> 3);
  let k = 0;
  for (let j = 0; j < bitmap.length * 8; j++) {
    if (!(bitmap[j >> 3]! & (1 << (j & 7)))) continue;
    if (j >= refCount) throw new CodecInvalidFieldError('times.subset', j, 'a bit past the referenced series');
    if (k === count) throw new CodecCorruptError('a subset bitmap chooses more readings than the series holds');
    deviceTimes[start + k] = deviceTimes[refStart + j]!;
    receivedTimes[start + k] = receivedTimes[refStart + j]!;
    k++;
  }
  if (k !== count) throw new CodecCorruptError('a subset bitmap chooses fewer readings than the series holds');
}
