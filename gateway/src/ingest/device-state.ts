/**
 * Each device's link state, for `status`, /metrics and the technical alarms:
 *  - `connected`: a message arrived within `silentAfterMs`;
 *  - `silent`: the link is up (or the device is MQTT/TCP) but nothing arrived lately;
 *  - `gone`: the serial port disappeared (unplugged) or never opened;
 *  - `unknown`: registered, nothing heard since start.
 */
import { EventEmitter } from 'node:events';
import { systemClock, type Clock, type TimerHandle } from '@wardlink/shared';

export type DeviceLinkState = 'unknown' | 'connected' | 'silent' | 'gone';
export const DEVICE_LINK_STATES: readonly DeviceLinkState[] = ['unknown', 'connected', 'silent', 'gone'];

export interface DeviceStateChange {
  deviceId: string;
  from: DeviceLinkState;
  to: DeviceLinkState;
  atMs: number;
  lastSeenMs: number | null;
}

interface Entry {
  state: DeviceLinkState;
  lastSeenMs: number | null;
  portOpen: boolean | null;
}

export class DeviceStates extends EventEmitter<{ change: [DeviceStateChange] }> {
  private readonly entries = new Map<string, Entry>();
  private timer: TimerHandle | null = null;

  constructor(
    private readonly silentAfterMs: number,
    private readonly clock: Clock = systemClock,
  ) {
    super();
  }

  /** The period of the silence check that `start` uses: it bounds how late `silent` is noticed. */
  get checkEveryMs(): number {
    return Math.min(1000, this.silentAfterMs / 2);
  }

  /** Checks for silence periodically (or let a tick of the same period call checkSilence). */
  start(checkEveryMs = this.checkEveryMs): void {
    this.timer ??= this.clock.setInterval(() => this.checkSilence(), checkEveryMs).unref();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private entry(deviceId: string): Entry {
    let e = this.entries.get(deviceId);
    if (!e) {
      e = { state: 'unknown', lastSeenMs: null, portOpen: null };
      this.entries.set(deviceId, e);
    }
    return e;
  }

  private set(deviceId: string, e: Entry, to: DeviceLinkState): void {
    if (e.state === to) return;
    const from = e.state;
    e.state = to;
    this.emit('change', { deviceId, from, to, atMs: this.clock.now(), lastSeenMs: e.lastSeenMs });
  }

  register(deviceId: string): void {
    this.entry(deviceId);
  }

  seen(deviceId: string, atMs = this.clock.now()): void {
    const e = this.entry(deviceId);
    e.lastSeenMs = atMs;
    this.set(deviceId, e, 'connected');
  }

  portOpened(deviceId: string): void {
    const e = this.entry(deviceId);
    e.portOpen = true;
    if (e.state === 'gone') this.set(deviceId, e, e.lastSeenMs === null ? 'unknown' : 'silent');
  }

  portGone(deviceId: string): void {
    const e = this.entry(deviceId);
    e.portOpen = false;
    this.set(deviceId, e, 'gone');
  }

  checkSilence(nowMs = this.clock.now()): void {
    for (const [deviceId, e] of this.entries) {
      if (e.state === 'connected' && e.lastSeenMs !== null && nowMs - e.lastSeenMs > this.silentAfterMs) {
        this.set(deviceId, e, 'silent');
      }
    }
  }

  forget(deviceId: string): void {
    this.entries.delete(deviceId);
  }

  /** `portOpen`: a serial device's port is open (null for network devices, or not yet tried). */
  snapshot(): { deviceId: string; state: DeviceLinkState; lastSeenMs: number | null; portOpen: boolean | null }[] {
    return [...this.entries].map(([deviceId, e]) => ({ deviceId, state: e.state, lastSeenMs: e.lastSeenMs, portOpen: e.portOpen }));
  }
}
