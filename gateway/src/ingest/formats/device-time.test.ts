import { QualityFlag } from '@wardlink/shared';
import { describe, expect, it } from 'vitest';
import { checkDeviceTime, DEFAULT_HORIZON_MS } from './device-time.js';

const now = Date.UTC(2026, 10, 29, 8, 0, 0);

describe('checkDeviceTime', () => {
  it('keeps a plausible device time, and uses the receive time when there is none', () => {
    expect(checkDeviceTime(now - 1500, now)).toEqual({ ok: true, timeMs: now - 1500, flags: 0 });
    expect(checkDeviceTime(now + 5 * 60_000, now)).toEqual({ ok: true, timeMs: now + 5 * 60_000, flags: 0 });
    expect(checkDeviceTime(null, now)).toEqual({ ok: true, timeMs: now, flags: 0 });
  });

  it('replaces a time more than 5 min ahead by the receive time, flagged CLOCK_SUSPECT', () => {
    expect(checkDeviceTime(now + 5 * 60_000 + 1, now)).toEqual({ ok: true, timeMs: now, flags: QualityFlag.CLOCK_SUSPECT });
    expect(checkDeviceTime(now + 30_000, now, { maxFutureMs: 10_000 })).toEqual({ ok: true, timeMs: now, flags: QualityFlag.CLOCK_SUSPECT });
  });

  it('refuses a future time with WL_INGEST_FUTURE_TIMESTAMP when the policy says so', () => {
    expect(checkDeviceTime(now + 3_600_000, now, { future: 'refuse' })).toMatchObject({ ok: false, reject: { code: 'WL_INGEST_FUTURE_TIMESTAMP' } });
  });

  it('refuses a time older than the horizon with WL_INGEST_TOO_OLD', () => {
    expect(checkDeviceTime(now - DEFAULT_HORIZON_MS, now)).toMatchObject({ ok: true });
    expect(checkDeviceTime(now - DEFAULT_HORIZON_MS - 1, now)).toMatchObject({ ok: false, reject: { code: 'WL_INGEST_TOO_OLD' } });
    expect(checkDeviceTime(now - 120_000, now, { horizonMs: 60_000 })).toMatchObject({ ok: false, reject: { code: 'WL_INGEST_TOO_OLD' } });
  });

  it('refuses a time that is not a finite number', () => {
    expect(checkDeviceTime(Number.NaN, now)).toMatchObject({ ok: false, reject: { code: 'WL_INGEST_BAD_TIMESTAMP' } });
  });
});
