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
 * A SUSPECT record is kept: its readings take the gateway's receive time (so it is filed
 * where it happened, and alarm evaluation, which runs on receive times, still alarms on a
 * desaturation), flagged CLOCK_SUSPECT, and keep the device's own time as the evidence
 * (`deviceClockMs`). The device-clock technical alarm tells the nurse and IT (technical-device.ts).
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
  /** skewMs: receive time − device time (positive: the device's clock is behind). */
  | { trusted: false; skewMs: number; reason: 'ahead' | 'behind' | 'jump' };

/** The trusted verdicts, shared (frozen: a caller cannot change another's). */
const LIVE: ClockVerdict = Object.freeze({ trusted: true, backlog: false });
const BACKLOG: ClockVerdict = Object.freeze({ trusted: true, backlog: true });

interface DeviceClock {
  trusted: boolean;
  lastDeviceMs: number;
  lastSkewMs: number;
}

export class DeviceClocks {
  private readonly devices = new Map<string, DeviceClock>();

  constructor(private readonly window: ClockWindow = DEFAULT_CLOCK_WINDOW) {}

  /** Judges one record's time and remembers it. `deviceTimeMs` null: nothing to judge. */
  judge(deviceId: string, deviceTimeMs: number | null, receivedAtMs: number): ClockVerdict {
    if (deviceTimeMs === null) return LIVE;
    const skewMs = receivedAtMs - deviceTimeMs;
    const previous = this.devices.get(deviceId);
    const verdict = this.verdict(skewMs, deviceTimeMs, previous);
    // Updated in place: a device's entry lives as long as the process, and a new one per
    // record would be old-generation garbage at every record (issue 18).
    if (previous === undefined) this.devices.set(deviceId, { trusted: verdict.trusted, lastDeviceMs: deviceTimeMs, lastSkewMs: skewMs });
    else {
      previous.trusted = verdict.trusted;
      previous.lastDeviceMs = deviceTimeMs;
      previous.lastSkewMs = skewMs;
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
  remember(deviceId: string, last: { deviceTimeMs: number; receivedAtMs: number; trusted: boolean }): void {
    if (this.devices.has(deviceId)) return;
    this.devices.set(deviceId, { trusted: last.trusted, lastDeviceMs: last.deviceTimeMs, lastSkewMs: last.receivedAtMs - last.deviceTimeMs });
  }

  private verdict(skewMs: number, deviceTimeMs: number, previous: DeviceClock | undefined): ClockVerdict {
    const { maxAheadMs, maxLagMs, horizonMs } = this.window;
    if (skewMs < -maxAheadMs) return { trusted: false, skewMs, reason: 'ahead' };
    if (skewMs > horizonMs) return { trusted: false, skewMs, reason: 'behind' };
    if (skewMs <= maxLagMs) return LIVE;
    const continues = previous !== undefined && previous.trusted && deviceTimeMs > previous.lastDeviceMs;
    const catchingUp = previous !== undefined && (previous.lastSkewMs <= maxLagMs || skewMs < previous.lastSkewMs);
    if (continues && catchingUp) return BACKLOG;
    return { trusted: false, skewMs, reason: previous !== undefined && previous.trusted && deviceTimeMs <= previous.lastDeviceMs ? 'jump' : 'behind' };
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
