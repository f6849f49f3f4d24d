/**
 * The one rule for implausible device clocks, used by every ingest path (serial, TCP,
 * MQTT) after a format has parsed a record:
 *  - no device time at all: the gateway's receive time is used, unflagged (the format
 *    simply has no clock, as `ascii-kv`);
 *  - more than `maxFutureMs` ahead: by default the reading is kept with the gateway's
 *    receive time and flagged CLOCK_SUSPECT (a monitor with a wrong clock still
 *    alarms), or refused with WL_INGEST_FUTURE_TIMESTAMP when `future: 'refuse'`;
 *  - older than `horizonMs`: refused with WL_INGEST_TOO_OLD (it would be evicted or
 *    mis-ordered, and a replayed backlog must not re-raise old alarms).
 */
import { QualityFlag, type IngestErrorCode } from '@wardlink/shared';
import type { FormatReject } from './format.js';

export const DEFAULT_MAX_FUTURE_MS = 5 * 60_000;
export const DEFAULT_HORIZON_MS = 24 * 60 * 60_000;

export interface DeviceTimeOptions {
  /** How far ahead of the gateway clock a device time may be. Default 5 min. */
  maxFutureMs?: number;
  /** How old a device time may be. Default 24 h; set it to the buffer's horizon. */
  horizonMs?: number;
  /** What to do with a time too far ahead. Default 'correct'. */
  future?: 'correct' | 'refuse';
}

export type DeviceTimeCheck = { ok: true; timeMs: number; flags: number } | { ok: false; reject: FormatReject };

function refuse(code: IngestErrorCode, message: string): DeviceTimeCheck {
  return { ok: false, reject: { code, message } };
}

export function checkDeviceTime(tsMs: number | null, nowMs: number, options: DeviceTimeOptions = {}): DeviceTimeCheck {
  const maxFutureMs = options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS;
  const horizonMs = options.horizonMs ?? DEFAULT_HORIZON_MS;
  if (tsMs === null) return { ok: true, timeMs: nowMs, flags: 0 };
  if (!Number.isFinite(tsMs)) return refuse('WL_INGEST_BAD_TIMESTAMP', 'device time is not a finite number');
  if (tsMs - nowMs > maxFutureMs) {
    if (options.future === 'refuse') {
      return refuse('WL_INGEST_FUTURE_TIMESTAMP', `device time is ${Math.round((tsMs - nowMs) / 1000)} s ahead of the gateway clock`);
    }
    return { ok: true, timeMs: nowMs, flags: QualityFlag.CLOCK_SUSPECT };
  }
  if (nowMs - tsMs > horizonMs) {
    return refuse('WL_INGEST_TOO_OLD', `device time is ${Math.round((nowMs - tsMs) / 1000)} s old, past the ${Math.round(horizonMs / 1000)} s horizon`);
  }
  return { ok: true, timeMs: tsMs, flags: 0 };
}
