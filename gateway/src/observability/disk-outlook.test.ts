import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diskFreeBytes, diskOutlook, formatDiskOutlook } from './disk-outlook.js';

describe('disk outlook', () => {
  it('divides the smaller of cap headroom and free disk by the daily volume at the current rate', () => {
    // 1 GB used for 10 M readings = 100 B/reading; 400 readings/s = 3.456 GB/day.
    const o = diskOutlook({ diskFreeBytes: 50e9, bufferUsedBytes: 1e9, bufferCapBytes: 8e9, storedReadings: 10_000_000, ingestReadingsPerS: 400 });
    expect(o.bytesPerReading).toBe(100);
    expect(o.outageDaysLeft).toBe(2); // 7 GB headroom / 3.456 GB per day
    const diskBound = diskOutlook({ diskFreeBytes: 3.456e9, bufferUsedBytes: 1e9, bufferCapBytes: 80e9, storedReadings: 10_000_000, ingestReadingsPerS: 400 });
    expect(diskBound.outageDaysLeft).toBe(1);
    expect(formatDiskOutlook(o)).toContain('2 days of outage');
  });

  it('says unknown while nothing flows, and reads the real free space', () => {
    expect(diskOutlook({ diskFreeBytes: 1e9, bufferUsedBytes: 0, bufferCapBytes: 1e9, storedReadings: 0, ingestReadingsPerS: null }).outageDaysLeft).toBeNull();
    expect(diskFreeBytes(join(tmpdir(), 'x.db'))).toBeGreaterThan(0);
  });
});
