/**
 * Gateway-wide technical alarms, for hospital IT (bed "-", no device):
 * - `buffer-80` / `buffer-95`: the local buffer's fill fraction reached 80% / 95%; each
 *   ends 2 points below its threshold, so a buffer hovering at the line does not flap.
 * - `uplink-down`: the cloud uplink has been down for longer than `uplinkDownAfterMs`
 *   (nurses are not told: local alarms work without it).
 * - `buffer-disk-full`: the buffer's disk has no room for readings (a commit failed for
 *   lack of space, or the space kept for alarm events is being eaten): readings are
 *   refused, devices are cut off (no PUBACK or ACK, so they keep their data), alarm events
 *   are still stored in the space kept for them. For IT and the nurses (types.ts).
 * - `alarm-manager-down`: the alarm manager (nurse call, pagers: IHE PCD-04, alarms/pcd04)
 *   has not answered for `alarms.pcd04.downAfterMs`; its watchdog says so and says when it
 *   answers again. For IT and the nurses: their phones stay silent until then.
 */
import type { Clock, TimerHandle } from '@wardlink/shared';
import type { AlarmBook } from './alarm-book.js';
import { TechnicalAlarm, type TechnicalSpec } from './technical-condition.js';

const BUFFER_HYSTERESIS = 0.02;

export interface GatewaySpecs {
  'buffer-80': TechnicalSpec;
  'buffer-95': TechnicalSpec;
  'buffer-disk-full': TechnicalSpec;
  'uplink-down': TechnicalSpec;
  'alarm-manager-down': TechnicalSpec;
}

export class GatewayTechnical {
  private readonly buffer80: TechnicalAlarm;
  private readonly buffer95: TechnicalAlarm;
  private readonly uplink: TechnicalAlarm;
  private readonly diskFull: TechnicalAlarm;
  private readonly alarmManager: TechnicalAlarm;
  private uplinkTimer: TimerHandle | null = null;
  private uplinkDownSinceMs: number | null = null;

  constructor(
    private readonly clock: Clock,
    book: AlarmBook,
    specs: GatewaySpecs,
    private readonly uplinkDownAfterMs: number,
  ) {
    // The delay of uplink-down is the down time, measured from `sinceMs`; not a hold delay.
    this.buffer80 = new TechnicalAlarm('-|buffer-80', 'buffer-80', specs['buffer-80'], clock, book);
    this.buffer95 = new TechnicalAlarm('-|buffer-95', 'buffer-95', specs['buffer-95'], clock, book);
    this.uplink = new TechnicalAlarm('-|uplink-down', 'uplink-down', { ...specs['uplink-down'], delayMs: 0 }, clock, book);
    this.diskFull = new TechnicalAlarm('-|buffer-disk-full', 'buffer-disk-full', specs['buffer-disk-full'], clock, book);
    // The watchdog measures the silence itself: no hold delay on top of it.
    this.alarmManager = new TechnicalAlarm('-|alarm-manager-down', 'alarm-manager-down', { ...specs['alarm-manager-down'], delayMs: 0 }, clock, book);
  }

  /** Whether readings are being refused for lack of disk space now. */
  get diskIsFull(): boolean {
    return this.diskFull.isPresent;
  }

  /** The buffer's disk is full (`detail` says what is known), or has room again. */
  bufferDiskFull(full: boolean, detail: string, atMs = this.clock.now()): void {
    if (full) this.diskFull.hold(() => this.describe(`no disk space for readings: ${detail}. Readings are not stored and devices are cut off; alarms still sound. Free disk space on the gateway.`, null), atMs);
    else this.diskFull.release(atMs);
  }

  /** The alarm manager's watchdog: it has not taken an alarm or a keep-alive (`detail` says since when), or does again. */
  alarmManagerState(up: boolean, detail: string, atMs = this.clock.now()): void {
    if (up) this.alarmManager.release(atMs);
    else this.alarmManager.hold(() => this.describe(`alarm manager (nurse call, phones, pagers) not taking alarms: ${detail}. Alarms are queued and sent when it takes them again; until then watch the nurse station.`, null), atMs);
  }

  bufferUsage(fraction: number, atMs = this.clock.now()): void {
    if (!Number.isFinite(fraction)) return;
    this.level(this.buffer80, fraction, 0.8, atMs);
    this.level(this.buffer95, fraction, 0.95, atMs);
  }

  /** `sinceMs`: when the uplink went into this state (its last success, when down). */
  uplinkState(up: boolean, sinceMs: number, atMs = this.clock.now()): void {
    if (up) {
      this.uplinkDownSinceMs = null;
      this.uplinkTimer?.cancel();
      this.uplinkTimer = null;
      this.uplink.release(atMs);
      return;
    }
    if (this.uplinkDownSinceMs !== null) return;
    this.uplinkDownSinceMs = sinceMs;
    const raise = () => {
      this.uplinkTimer = null;
      const minutes = Math.round((this.clock.now() - sinceMs) / 60_000);
      this.uplink.hold(() => this.describe(`cloud uplink down for ${minutes} min; readings and alarms are kept in the local buffer`, null));
    };
    const due = sinceMs + this.uplinkDownAfterMs - atMs;
    if (due <= 0) raise();
    else this.uplinkTimer = this.clock.setTimeout(raise, due).unref();
  }

  stop(): void {
    this.uplinkTimer?.cancel();
    this.uplinkTimer = null;
    for (const a of [this.buffer80, this.buffer95, this.uplink, this.diskFull, this.alarmManager]) a.stop();
  }

  private level(alarm: TechnicalAlarm, fraction: number, threshold: number, atMs: number): void {
    const percent = Math.round(fraction * 100);
    if (fraction >= threshold) alarm.hold(() => this.describe(`local buffer ${percent}% full (threshold ${threshold * 100}%)`, percent), atMs);
    else if (fraction < threshold - BUFFER_HYSTERESIS) alarm.release(atMs);
  }

  private describe(message: string, value: number | null) {
    return { bedId: '-', patientId: null, deviceId: null, source: 'technical' as const, metric: null, value, message };
  }
}
