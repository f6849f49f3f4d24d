/**
 * How long the gateway can ride out an uplink outage: the room left for unsent readings
 * (the smaller of the byte cap's headroom and the disk's free space) divided by what the
 * ward writes per day at the current rate, at the database's measured bytes per reading.
 */
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';

export interface DiskOutlook {
  diskFreeBytes: number;
  bufferUsedBytes: number;
  bufferCapBytes: number;
  /** Database bytes per stored reading (pages in use over rows), null before any reading. */
  bytesPerReading: number | null;
  ingestReadingsPerS: number | null;
  /** Days of outage the room left can hold at the current rate; null when idle or unknown. */
  outageDaysLeft: number | null;
}

export function diskFreeBytes(databasePath: string): number {
  const s = statfsSync(dirname(databasePath));
  return s.bavail * s.bsize;
}

export function diskOutlook(input: { diskFreeBytes: number; bufferUsedBytes: number; bufferCapBytes: number; storedReadings: number; ingestReadingsPerS: number | null }): DiskOutlook {
  const bytesPerReading = input.storedReadings > 0 ? input.bufferUsedBytes / input.storedReadings : null;
  const room = Math.max(0, Math.min(input.bufferCapBytes - input.bufferUsedBytes, input.diskFreeBytes));
  const perDay = bytesPerReading !== null && input.ingestReadingsPerS ? bytesPerReading * input.ingestReadingsPerS * 86_400 : null;
  return {
    diskFreeBytes: input.diskFreeBytes,
    bufferUsedBytes: input.bufferUsedBytes,
    bufferCapBytes: input.bufferCapBytes,
    bytesPerReading: bytesPerReading === null ? null : Math.round(bytesPerReading * 10) / 10,
    ingestReadingsPerS: input.ingestReadingsPerS,
    outageDaysLeft: perDay ? Math.round((room / perDay) * 10) / 10 : null,
  };
}

export function formatDiskOutlook(o: DiskOutlook): string {
  const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
  const days = o.outageDaysLeft === null ? 'unknown until readings flow' : `${o.outageDaysLeft} days of outage at the current rate`;
  return `disk: ${gb(o.diskFreeBytes)} free, buffer ${gb(o.bufferUsedBytes)} of its ${gb(o.bufferCapBytes)} cap` +
    (o.bytesPerReading === null ? '' : ` (${o.bytesPerReading} B/reading)`) + `; room for ${days}`;
}
