/**
 * The buffer's disk: room left, and how many days of cloud outage that room holds. The
 * same arithmetic as `status` (observability/disk-outlook.ts): the smaller of the byte
 * cap's headroom and the disk's free space (less the reserve kept for alarm events),
 * over what the ward writes per day.
 *
 * The ingest rate is the running daemon's measured one. When the daemon does not run (a
 * new box) or nothing flows yet, it is an ESTIMATE from the registered devices at
 * ESTIMATE_READINGS_PER_S_PER_DEVICE, and the line says so.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GatewayConfig } from '../config/schema.js';
import type { LiveStatus } from '../http/routes.js';
import { diskFreeBytes } from '../observability/disk-outlook.js';
import { fail, ok, warn, type CheckResult } from './types.js';

/** A bedside monitor: 6 vitals at 1 Hz plus NIBP every 15 min (docs/scaling.md). */
export const ESTIMATE_READINGS_PER_S_PER_DEVICE = 6;
/** Database bytes per reading before any are stored: 29.5 B measured with the real writer
 * on 8-metric records (400k readings); monitors that send fewer metrics per record share
 * each row's overhead among fewer readings, so the estimate rounds up. */
export const ESTIMATE_BYTES_PER_READING = 40;
/** Below this a stored sample says little about bytes per reading (page granularity). */
const MIN_SAMPLE_READINGS = 10_000;
/** The cloud's alert fires below 1 day (docs/alerts.yml); a long weekend is 3. */
const FAIL_BELOW_DAYS = 1;
const WARN_BELOW_DAYS = 3;

export interface BufferFacts {
  /** Bytes of database pages in use, as the byte cap counts them. */
  usedBytes: number;
  storedReadings: number;
  /** Enabled devices of every kind: what the ward will send once they are connected. */
  registeredDevices: number;
}

export function checkDisk(config: GatewayConfig, facts: BufferFacts, live: LiveStatus | null): CheckResult {
  const dir = dirname(config.databasePath);
  if (!existsSync(dir)) {
    return fail('buffer.disk', `the data folder ${dir} does not exist`, `create it for the service user (install -d -o wardlink -g wardlink ${dir}) or fix dataDir`);
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    return fail('buffer.disk', `the data folder ${dir} is not writable by this user`, `chown it to the service user (chown -R wardlink: ${dir})`);
  }
  if (live?.buffer.diskFull) {
    return fail('buffer.disk', `the daemon refuses readings: disk full (${live.buffer.diskFullDetail ?? 'full'})`, `free space on the filesystem of ${dir} (logs, old files), or move dataDir to a larger disk`);
  }
  const free = diskFreeBytes(config.databasePath);
  const measured = live !== null && live.ingestReadingsPerS > 0;
  const rate = measured ? live.ingestReadingsPerS : facts.registeredDevices * ESTIMATE_READINGS_PER_S_PER_DEVICE;
  const sampled = facts.storedReadings >= MIN_SAMPLE_READINGS;
  const bytesPerReading = sampled ? Math.round((facts.usedBytes / facts.storedReadings) * 10) / 10 : ESTIMATE_BYTES_PER_READING;
  // The reserve is for alarm events: readings stop before they reach it.
  const room = Math.max(0, Math.min(config.buffer.maxBytes - facts.usedBytes, free - config.buffer.diskReserveBytes));
  const days = rate > 0 ? Math.round((room / (rate * bytesPerReading * 86_400)) * 10) / 10 : null;
  const how = measured ? `at the measured ${rate} readings/s` : `at ${rate} readings/s, ESTIMATED (${ESTIMATE_READINGS_PER_S_PER_DEVICE}/s per device until readings flow)`;
  const data = { freeBytes: free, roomBytes: room, bufferUsedBytes: facts.usedBytes, bufferCapBytes: config.buffer.maxBytes, ingestReadingsPerS: rate, rateEstimated: !measured, bytesPerReading, bytesPerReadingEstimated: !sampled, outageDays: days };
  const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
  const head = `${gb(free)} free, room for ${gb(room)} of readings`;
  if (room <= 0) {
    return fail('buffer.disk', `${head}: no room for readings`, `free space on the filesystem of ${dir}, or raise buffer.maxBytes if it is the cap`, { data });
  }
  if (days === null) return ok('buffer.disk', `${head}; no devices registered, so no outage estimate yet`, { data });
  const line = `${head}: ${days} days of outage ${how}`;
  if (days < FAIL_BELOW_DAYS) return fail('buffer.disk', line, `give the buffer a larger disk, free space on it, or raise buffer.maxBytes: less than ${FAIL_BELOW_DAYS} day of outage loses readings`, { data });
  if (days < WARN_BELOW_DAYS) return warn('buffer.disk', line, `${WARN_BELOW_DAYS} days (a long weekend) is the advice: free space or raise buffer.maxBytes`, { data });
  return ok('buffer.disk', line, { data });
}
