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
 * A clock that has STOPPED is judged apart from the window, because it fails differently:
 * every record carries the same time. A record at the very time of the device's previous
 * one is either a re-sent copy (a lost PUBACK or HL7 ACK: it repeats the values) or
 * another message of that instant (an NIBP beside the vitals: other metrics), and is judged
 * as above; but one that gives a metric already seen at that time a value never seen there
 * is a new measurement the device's time cannot tell apart: the clock stopped (or ticks
 * coarser than the device measures). It and every later record at that time are SUSPECT
 * (`stopped`) until the device's time moves on. Their readings must not be taken for
 * copies of each other (the buffer's duplicate window keys by device time, and would
 * drop all but the first: buffer/recent-records.ts), so the pipeline stores them without
 * that filter: a copy re-sent while the clock is stopped is stored twice, at two receive
 * times, rather than a new reading dropped. Until a value differs, a record identical in
 * time and every value to one before it cannot be told from a copy and is taken for one.
 *
 * A SUSPECT record is kept: its readings take the gateway's receive time (so it is filed
 * where it happened, and alarm evaluation, which runs on receive times, still alarms on a
 * desaturation), flagged CLOCK_SUSPECT, and keep the device's own time as the evidence
 * (`deviceClockMs`). The device-clock technical alarm tells the nurse and IT (technical-device.ts).
 * A device's suspect records are filed at strictly increasing times (`fileAtMs`: the
 * receive time, or 1 ms after the previous suspect record's when a burst arrives within one
 * millisecond): a reading's time is part of its key in the cloud (vital_data's primary
 * key), where two readings of one metric at one time would be one.
 *
 * Within a trusted record, an observation with its own time (HL7 OBX-14: an NIBP measured
 * minutes before the record) keeps it, unless that time alone is ahead of maxAheadMs or
 * past horizonMs.
 */

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
  | { trusted: true; backlog: boolean }
  /** skewMs: receive time − device time (positive: the device's clock is behind).
   * fileAtMs: the time to file the record's readings at (see above). */
  | { trusted: false; skewMs: number; reason: 'ahead' | 'behind' | 'jump' | 'stopped'; fileAtMs: number };

/** One value of a record, as compared to tell a re-sent copy from a stopped clock. */
export interface RecordValue {
  metric: string;
  value: number;
  /** A second channel of the metric (ParsedObservation.instance). */
  instance?: string;
}

/** The trusted verdicts, shared (frozen: a caller cannot change another's). */
const LIVE: ClockVerdict = Object.freeze({ trusted: true, backlog: false });
const BACKLOG: ClockVerdict = Object.freeze({ trusted: true, backlog: true });

interface DeviceClock {
  trusted: boolean;
  lastDeviceMs: number;
  lastSkewMs: number;
  /** The values of the records seen at lastDeviceMs (the newest few). */
  atLastTime: (readonly RecordValue[])[];
  /** The device's time has not moved since a record at it gave a new value. */
  stopped: boolean;
  /** The time the device's last suspect record was filed at. */
  lastFiledMs: number;
}

/** How many records at one device time are remembered to compare with (an instant's
 * vitals, its NIBP, a copy or two: a few). */
const RECORDS_AT_ONE_TIME = 8;
const NONE: readonly RecordValue[] = Object.freeze([]);

export class DeviceClocks {
  private readonly devices = new Map<string, DeviceClock>();

  constructor(private readonly window: ClockWindow = DEFAULT_CLOCK_WINDOW) {}

  /**
   * Judges one record's time and remembers it. `deviceTimeMs` null: nothing to judge.
   * `values`: the record's values, to tell a stopped clock from a re-sent copy.
   */
  judge(deviceId: string, deviceTimeMs: number | null, receivedAtMs: number, values: readonly RecordValue[] = NONE): ClockVerdict {
    if (deviceTimeMs === null) return LIVE;
    const skewMs = receivedAtMs - deviceTimeMs;
    const previous = this.devices.get(deviceId);
    if (previous === undefined) {
      const verdict = this.verdict(skewMs, deviceTimeMs, undefined, receivedAtMs);
      this.devices.set(deviceId, { trusted: verdict.trusted, lastDeviceMs: deviceTimeMs, lastSkewMs: skewMs, atLastTime: [values], stopped: false, lastFiledMs: verdict.trusted ? -Infinity : verdict.fileAtMs });
      return verdict;
    }
    const sameTime = deviceTimeMs === previous.lastDeviceMs;
    if (sameTime && (previous.stopped || newValueAmong(values, previous.atLastTime))) {
      previous.stopped = true;
      previous.trusted = false;
      previous.lastSkewMs = skewMs;
      return this.suspect('stopped', skewMs, previous, receivedAtMs);
    }
    const verdict = this.verdict(skewMs, deviceTimeMs, previous, receivedAtMs);
    // Updated in place: a device's entry lives as long as the process, and a new one per
    // record would be old-generation garbage at every record (issue 18).
    previous.trusted = verdict.trusted;
    previous.lastSkewMs = skewMs;
    if (sameTime) {
      if (previous.atLastTime.length < RECORDS_AT_ONE_TIME) previous.atLastTime.push(values);
    } else {
      previous.lastDeviceMs = deviceTimeMs;
      previous.atLastTime.length = 0;
      previous.atLastTime.push(values);
      previous.stopped = false;
    }
    return verdict;
  }

  /** Whether an observation's own time, inside a trusted record, is usable as it is. */
  observationTrusted(deviceTimeMs: number, receivedAtMs: number): boolean {
    const skewMs = receivedAtMs - deviceTimeMs;
    return skewMs >= -this.window.maxAheadMs && skewMs <= this.window.horizonMs;
  }

  forget(deviceId: string): void {
    this.devices.delete(deviceId);
  }

  /**
   * What the device's last stored record says (at start: the buffer survives a restart,
   * this memory does not). `trusted` false for a record that was CLOCK_SUSPECT.
   */
  remember(deviceId: string, last: { deviceClockMs: number; receivedAtMs: number; trusted: boolean; values: readonly RecordValue[] }): void {
    if (this.devices.has(deviceId)) return;
    this.devices.set(deviceId, {
      trusted: last.trusted,
      lastDeviceMs: last.deviceClockMs,
      lastSkewMs: last.receivedAtMs - last.deviceClockMs,
      atLastTime: [last.values],
      stopped: false,
      lastFiledMs: last.trusted ? -Infinity : last.receivedAtMs,
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

  private suspect(reason: 'ahead' | 'behind' | 'jump' | 'stopped', skewMs: number, device: DeviceClock | undefined, receivedAtMs: number): ClockVerdict {
    return { trusted: false, skewMs, reason, fileAtMs: this.fileAt(device, receivedAtMs) };
  }

  /** The receive time, or just after the device's previous suspect record (see above). */
  private fileAt(device: DeviceClock | undefined, receivedAtMs: number): number {
    if (device === undefined) return receivedAtMs;
    device.lastFiledMs = Math.max(receivedAtMs, device.lastFiledMs + 1);
    return device.lastFiledMs;
  }
}

/**
 * Whether `values` gives a metric seen in `seen` a value never seen with it there: a new
 * measurement at the same device time, which a re-sent copy (same values) or another
 * message of that instant (other metrics) does not.
 */
function newValueAmong(values: readonly RecordValue[], seen: readonly (readonly RecordValue[])[]): boolean {
  for (const v of values) {
    let metricSeen = false;
    let valueSeen = false;
    for (const record of seen) {
      for (const o of record) {
        if (o.metric !== v.metric || o.instance !== v.instance) continue;
        metricSeen = true;
        if (Object.is(o.value, v.value)) valueSeen = true;
      }
    }
    if (metricSeen && !valueSeen) return true;
  }
  return false;
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
