/**
 * `AlarmEvents`: what delivery subscribes to. Listeners run synchronously on the
 * evaluation path, so they must only queue (publish to MQTT, push to SSE clients) and
 * never wait. A listener that throws is logged and skipped: one broken subscriber can
 * never stop another, nor the engine.
 */
import type { AlarmEvent } from '@wardlink/shared';
import { silentAlarmLogger, type ActiveAlarm, type AlarmLogger, type AlarmReminder, type BedAlarmState } from './types.js';

export interface AlarmListenerMap {
  /** Every phase change of every alarm, in order. `alarm` is the snapshot after the change
   * (its last state when the phase is `cleared`). */
  event: (event: AlarmEvent, alarm: ActiveAlarm) => void;
  /** An unacknowledged high-priority alarm is due to be announced again. */
  reminder: (reminder: AlarmReminder) => void;
  /** A bed's set of active alarms changed (for a retained per-bed topic). */
  bed: (state: BedAlarmState) => void;
}

type Lists = { [K in keyof AlarmListenerMap]: AlarmListenerMap[K][] };

export class AlarmEvents {
  private readonly lists: Lists = { event: [], reminder: [], bed: [] };

  constructor(private readonly logger: AlarmLogger = silentAlarmLogger) {}

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof AlarmListenerMap>(name: K, listener: AlarmListenerMap[K]): () => void {
    (this.lists[name] as AlarmListenerMap[K][]).push(listener);
    return () => this.off(name, listener);
  }

  off<K extends keyof AlarmListenerMap>(name: K, listener: AlarmListenerMap[K]): void {
    const list = this.lists[name] as AlarmListenerMap[K][];
    const at = list.indexOf(listener);
    if (at >= 0) list.splice(at, 1);
  }

  emit<K extends keyof AlarmListenerMap>(name: K, ...args: Parameters<AlarmListenerMap[K]>): void {
    for (const listener of this.lists[name]) {
      try {
        (listener as (...a: Parameters<AlarmListenerMap[K]>) => void)(...args);
      } catch (err) {
        this.logger.error({ err, listener: name }, 'alarm listener failed');
      }
    }
  }
}
