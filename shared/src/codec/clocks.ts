/**
 * The clocks column (version 2): for every reading flagged CLOCK_SUSPECT, in canonical
 * order, what the device's own clock said. Such a reading's time is the gateway's receive
 * time; the device's time is the evidence of the fault and is kept with it.
 *   0                      the device gave no time (a reading stored before version 2)
 *   1, zz(deviceClock - t) the device's time, as an offset from the reading's time
 */
import { CodecInputError, CodecInvalidFieldError } from '../errors/codec.js';
import { QualityFlag, type Reading } from '../types.js';
import type { ByteReader, ByteWriter } from './bytes.js';
import type { StreamGroup } from './group.js';

const SUSPECT = QualityFlag.CLOCK_SUSPECT;
/** A device clock reads a time in years 1..9999: what a four-digit year can say, and what
 * every store downstream (PostgreSQL timestamptz, Parquet, ISO 8601 text) can hold. */
export const DEVICE_CLOCK_MIN_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z
export const DEVICE_CLOCK_MAX_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

function isClockTime(ms: number): boolean {
  return Number.isSafeInteger(ms) && ms >= DEVICE_CLOCK_MIN_MS && ms <= DEVICE_CLOCK_MAX_MS;
}

export function writeClocks(w: ByteWriter, readings: readonly Reading[], streams: readonly StreamGroup[]): void {
  for (const stream of streams) {
    for (const series of stream.series) {
      for (const row of series.rows) {
        const r = readings[row]!;
        const clock = r.deviceClockMs;
        if (!(r.flags & SUSPECT)) {
          if (clock !== undefined) throw new CodecInputError(`readings[${row}].deviceClockMs`, 'is only carried with the CLOCK_SUSPECT flag', clock);
          continue;
        }
        if (clock === undefined) {
          w.uvarint(0);
          continue;
        }
        if (!isClockTime(clock)) throw new CodecInputError(`readings[${row}].deviceClockMs`, 'must be an integer time in years 1..9999', clock);
        w.uvarint(1);
        w.svarint(clock - r.deviceTimeMs);
      }
    }
  }
}

/**
 * The device clocks of the CLOCK_SUSPECT readings (columns in canonical order), by
 * reading index; only readings whose device gave a time have one.
 */
export function readClocks(r: ByteReader, flags: Uint8Array, deviceTimes: Float64Array): Map<number, number> {
  const clocks = new Map<number, number>();
  for (let i = 0; i < flags.length; i++) {
    if (!(flags[i]! & SUSPECT)) continue;
    const tag = r.uvarint('clocks.tag');
    if (tag === 0) continue;
    if (tag !== 1) throw new CodecInvalidFieldError('clocks.tag', tag, 'must be 0 or 1');
    const clock = deviceTimes[i]! + r.svarint('clocks.offset');
    if (!isClockTime(clock)) throw new CodecInvalidFieldError('clocks.offset', clock, 'gives a device time outside years 1..9999');
    clocks.set(i, clock);
  }
  return clocks;
}
