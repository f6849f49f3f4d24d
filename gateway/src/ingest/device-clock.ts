/**
 * Whose clock to trust for a record: the device's, or the gateway's. A monitor with a flat
 * clock battery, a wrong time zone or a clock that jumps is common, and its data must
 * neither be dropped nor filed at the wrong time. The rule, per device record:
 *
 *  - no device time at all (`ascii-kv`): the receive time, nothing to judge;
 *  - within [receive − maxLagMs, receive + maxAheadMs]: the device's time is used (clocks
 *    jitter and drift by seconds; a record waits for its ACK, its PUBACK or a retry);
 *  - ahead by more than maxAheadMs, or older than horizonMs: SUSPECT;
 *  - older than maxLagMs but within horizonMs: a BACKLOG only when it continues the
 *    device's own trusted timeline: the device's previous record was trusted, this one
 *    is later on the device's clock, and the device is catching up (each record is less
 *    far behind than the one before; the first one after live data may be as far behind
 *    as the device was silent). That is what a monitor's store-and-forward queue or an
 *    MQTT session replays after a network outage. Anything else old is SUSPECT: a clock
 *    that is steadily behind never catches up, and a clock that jumps back while the
 *    device talks goes backwards on its own timeline.
 *
 * A record at a time the device already used is judged apart from the window, by its values
 * (recent-device-times.ts remembers the last 32 distinct times of each device). The same
 * values, or other metrics (an NIBP beside the vitals), make it a re-sent copy (a lost
 * PUBACK or HL7 ACK) or another message of that instant: it takes the verdict of the first
 * record at that time and changes nothing of what is known of the device (a copy that
 * arrives after an outage does not make the device's clock suspect, nor its replayed
 * queue). A value never seen with a metric at that time makes it a new measurement the
 * device's time does not tell apart, which the buffer's duplicate window (it keys by device
 * time: buffer/recent-records.ts) would drop; such a record is `sharedTime`, stored without
 * that filter, at a time of its own:
 *
 *  - at the device's latest time, within STILL_AFTER_MS of the first record at it, after a
 *    trusted one: a clock stamped to the second with two records in one second. Trusted,
 *    filed at that time plus the receive-time distance from the first (under a second, and
 *    1 ms past the previous such record at the least);
 *  - at the device's latest time otherwise: the clock has STOPPED. Suspect (`stopped`), and
 *    so is every later record at that time, even one that repeats every value (a steady
 *    patient), until the device's time moves on: a copy re-sent while the clock stands
 *    still is stored twice rather than a new reading dropped;
 *  - at an earlier time: the clock stepped back onto times it used. Suspect (`jump`).
 *
 * Until a value differs, a record identical in time and every value to one before it
 * cannot be told from a copy and is taken for one. After a restart the memory is seeded
 * from the device's last stored records (buffer/last-record.ts: the last and up to 8
 * before it), and a clock is taken to have stopped when the last was suspect and one of
 * those before it has the same device time. A clock stamped to the second whose second
 * record of a second comes more than 2 s after the first (a reconnect) is taken for a
 * stopped one: kept, suspect, with a device-clock alarm raised and cleared. A step back further than 32 distinct
 * times is not recognised here (no technical alarm); the buffer's 10-minute duplicate window
 * then compares values too (buffer/recent-records.ts): a record at a stored time with another
 * value is kept, filed at its receive time and CLOCK_SUSPECT, and counted
 * (wardlink_gateway_retimed_readings_total).
 *
 * A SUSPECT record is kept: its readings take the gateway's receive time (so it is filed
 * where it happened, and alarm evaluation, which runs on receive times, still alarms on a
 * desaturation), flagged CLOCK_SUSPECT, and keep the device's own time as the evidence
 * (`deviceClockMs`). The device-clock technical alarm tells the nurse and IT (technical-device.ts).
 * A device's suspect records, and a clockless device's, are filed at strictly increasing
 * times (`fileAtMs`: the receive time, or 1 ms after the previous one's when a burst arrives
 * within one millisecond): a reading's time is part of its key in the cloud (vital_data's
 * primary key), where two readings of one metric at one time would be one. (Such a time can
 * still meet a trusted record's own device time to the millisecond; nothing prevents that.)
 *
 * Within a trusted record, an observation with its own time (HL7 OBX-14: an NIBP measured
 * minutes before the record) keeps it, unless that time alone is ahead of maxAheadMs or
 * past horizonMs.
 */
import { RecentDeviceTimes, type RecordValue } from './recent-device-times.js';

export interface ClockWindow {
  /** How far ahead of the gateway clock a device time may be. */
  maxAheadMs: number;
  /** How far behind a live record may be. */
  maxLagMs: number;
  /** The oldest a replayed backlog may be. */
  horizonMs: number;
}

export const DEFAULT_CLOCK_WINDOW: Readonly<ClockWindow> = { maxAheadMs: 5 * 60_000, maxLagMs: 5 * 60_000, horizonMs: 24 * 60 * 60_000 };

export type ClockVerdict =
  /** fileAtMs (a coarse tick, see above): the time to file the record's readings at. */
  | { trusted: true; backlog: boolean; fileAtMs?: number; sharedTime?: true }
  /** skewMs: receive time − device time (positive: the device's clock is behind).
   * fileAtMs: the time to file the record's readings at (see above). sharedTime: the
   * record shares its device time with another of other values (see above). */
  | { trusted: false; skewMs: number; reason: 'ahead' | 'behind' | 'jump' | 'stopped'; fileAtMs: number; sharedTime?: true };

export type { RecordValue };

/** A clock stamped to the second gives two records within one second one time; one that
 * gives a new value at its latest time for longer than this has stopped. */
export const STILL_AFTER_MS = 2000;
/** A coarse tick's records are filed within it. */
const TICK_MS = 1000;

/** The trusted verdicts, shared (frozen: a caller cannot change another's). */
const LIVE: ClockVerdict = Object.freeze({ trusted: true, backlog: false });
const BACKLOG: ClockVerdict = Object.freeze({ trusted: true, backlog: true });

interface DeviceClock {
  trusted: boolean;
  lastDeviceMs: number;
  lastSkewMs: number;
  /** Its last distinct times and their values. */
  recent: RecentDeviceTimes;
  /** The device's time has not moved since a record at it gave a new value for too long. */
  stopped: boolean;
  /** The time the device's last suspect record was filed at. */
  lastFiledMs: number;
}

const NONE: readonly RecordValue[] = Object.freeze([]);

/** A stored record the memory is seeded with after a restart (buffer/last-record.ts). */
export interface SeededRecord {
  deviceClockMs: number;
  receivedAtMs: number;
  trusted: boolean;
  values: readonly RecordValue[];
}

export class DeviceClocks {
  private readonly devices = new Map<string, DeviceClock>();
  /** A clockless device's last filing time (see above). */
  private readonly clocklessFiledMs = new Map<string, number>();

  constructor(private readonly window: ClockWindow = DEFAULT_CLOCK_WINDOW) {}

  /**
   * Judges one record's time and remembers it. `deviceTimeMs` null: nothing to judge.
   * `values`: the record's values, to tell a copy from a new measurement at a used time.
   */
  judge(deviceId: string, deviceTimeMs: number | null, receivedAtMs: number, values: readonly RecordValue[] = NONE): ClockVerdict {
    if (deviceTimeMs === null) return LIVE;
    const skewMs = receivedAtMs - deviceTimeMs;
    const device = this.devices.get(deviceId);
    if (device === undefined) {
      const verdict = this.verdict(skewMs, deviceTimeMs, undefined, receivedAtMs);
      const recent = new RecentDeviceTimes();
      recent.add(deviceTimeMs, receivedAtMs, verdict.trusted, values);
      this.devices.set(deviceId, { trusted: verdict.trusted, lastDeviceMs: deviceTimeMs, lastSkewMs: skewMs, recent, stopped: false, lastFiledMs: verdict.trusted ? -Infinity : verdict.fileAtMs });
      return verdict;
    }
    const slot = device.recent.find(deviceTimeMs);
    if (slot >= 0) return this.atUsedTime(device, slot, deviceTimeMs, skewMs, receivedAtMs, values);
    const verdict = this.verdict(skewMs, deviceTimeMs, device, receivedAtMs);
    // Updated in place: a device's entry lives as long as the process, and a new one per
    // record would be old-generation garbage at every record (issue 18).
    device.trusted = verdict.trusted;
    device.lastSkewMs = skewMs;
    device.lastDeviceMs = deviceTimeMs;
    device.stopped = false;
    device.recent.add(deviceTimeMs, receivedAtMs, verdict.trusted, values);
    return verdict;
  }

  /** The time to file a clockless device's record at (see above). */
  fileClockless(deviceId: string, receivedAtMs: number): number {
    const at = Math.max(receivedAtMs, (this.clocklessFiledMs.get(deviceId) ?? -Infinity) + 1);
    this.clocklessFiledMs.set(deviceId, at);
    return at;
  }

  /** A record at a time the device already used (see above). */
  private atUsedTime(device: DeviceClock, slot: number, deviceTimeMs: number, skewMs: number, receivedAtMs: number, values: readonly RecordValue[]): ClockVerdict {
    const { recent } = device;
    const latest = deviceTimeMs === device.lastDeviceMs;
    if (!(latest && device.stopped) && !recent.novel(slot, values)) {
      // A copy, or another message of that instant: the first record's verdict, nothing learned.
      recent.remember(slot, values);
      return recent.trusted[slot] === 1 ? LIVE : this.suspect('behind', skewMs, device, receivedAtMs);
    }
    recent.remember(slot, values);
    if (latest && !device.stopped && recent.trusted[slot] === 1) {
      const sinceFirstMs = receivedAtMs - recent.firstAtMs[slot]!;
      const offsetMs = Math.max(Math.min(sinceFirstMs, TICK_MS - 1), recent.lastOffsetMs[slot]! + 1);
      if (sinceFirstMs <= STILL_AFTER_MS && offsetMs < TICK_MS) {
        recent.lastOffsetMs[slot] = offsetMs;
        return { trusted: true, backlog: false, fileAtMs: deviceTimeMs + offsetMs, sharedTime: true };
      }
    }
    device.stopped ||= latest;
    device.trusted = false;
    device.lastSkewMs = skewMs;
    const verdict = this.suspect(latest ? 'stopped' : 'jump', skewMs, device, receivedAtMs);
    verdict.sharedTime = true;
    return verdict;
  }

  /** Whether an observation's own time, inside a trusted record, is usable as it is. */
  observationTrusted(deviceTimeMs: number, receivedAtMs: number): boolean {
    const skewMs = receivedAtMs - deviceTimeMs;
    return skewMs >= -this.window.maxAheadMs && skewMs <= this.window.horizonMs;
  }

  forget(deviceId: string): void {
    this.devices.delete(deviceId);
    this.clocklessFiledMs.delete(deviceId);
  }

  /**
   * What the device's last stored records say (at start: the buffer survives a restart,
   * this memory does not): the last one, and the few before it (`earlier`, oldest first).
   * `trusted` false for a record that was CLOCK_SUSPECT.
   */
  remember(deviceId: string, last: SeededRecord & { filedAtMs: number; earlier?: readonly SeededRecord[]; clockStopped?: boolean }): void {
    if (this.devices.has(deviceId)) return;
    // A clockless device's records (its rows are filed at their receive times) resume after it.
    this.clocklessFiledMs.set(deviceId, last.filedAtMs);
    const recent = new RecentDeviceTimes();
    for (const e of last.earlier ?? []) if (recent.find(e.deviceClockMs) < 0) recent.add(e.deviceClockMs, e.receivedAtMs, e.trusted, e.values);
    const slot = recent.find(last.deviceClockMs);
    if (slot < 0) recent.add(last.deviceClockMs, last.receivedAtMs, last.trusted, last.values);
    else recent.remember(slot, last.values);
    this.devices.set(deviceId, {
      trusted: last.trusted,
      lastDeviceMs: last.deviceClockMs,
      lastSkewMs: last.receivedAtMs - last.deviceClockMs,
      recent,
      stopped: last.clockStopped === true,
      // Its suspect records were filed at strictly increasing times: the next after this one's.
      lastFiledMs: last.trusted ? -Infinity : last.filedAtMs,
    });
  }

  private verdict(skewMs: number, deviceTimeMs: number, previous: DeviceClock | undefined, receivedAtMs: number): ClockVerdict {
    const { maxAheadMs, maxLagMs, horizonMs } = this.window;
    if (skewMs < -maxAheadMs) return this.suspect('ahead', skewMs, previous, receivedAtMs);
    if (skewMs > horizonMs) return this.suspect('behind', skewMs, previous, receivedAtMs);
    if (skewMs <= maxLagMs) return LIVE;
    const continues = previous !== undefined && previous.trusted && deviceTimeMs > previous.lastDeviceMs;
    const catchingUp = previous !== undefined && (previous.lastSkewMs <= maxLagMs || skewMs < previous.lastSkewMs);
    if (continues && catchingUp) return BACKLOG;
    return this.suspect(previous !== undefined && previous.trusted && deviceTimeMs <= previous.lastDeviceMs ? 'jump' : 'behind', skewMs, previous, receivedAtMs);
  }

  private suspect(reason: 'ahead' | 'behind' | 'jump' | 'stopped', skewMs: number, device: DeviceClock | undefined, receivedAtMs: number): Extract<ClockVerdict, { trusted: false }> {
    return { trusted: false, skewMs, reason, fileAtMs: this.fileAt(device, receivedAtMs) };
  }

  /** The receive time, or just after the device's previous suspect record (see above). */
  private fileAt(device: DeviceClock | undefined, receivedAtMs: number): number {
    if (device === undefined) return receivedAtMs;
    device.lastFiledMs = Math.max(receivedAtMs, device.lastFiledMs + 1);
    return device.lastFiledMs;
  }
}

/** "8 d 2 h behind", "1 h ahead", "42 s behind": a skew as a nurse and IT read it. */
export function describeSkew(skewMs: number): string {
  const abs = Math.abs(skewMs);
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  const parts: string[] = [];
  let rest = abs;
  for (const [size, name] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)} ${name}`);
      rest %= size;
    } else if (parts.length > 0) break;
  }
  return `${parts.length > 0 ? parts.join(' ') : `${abs} ms`} ${skewMs >= 0 ? 'behind' : 'ahead'}`;
}
