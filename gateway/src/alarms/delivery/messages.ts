/**
 * Turns the engine's listener calls into alarm messages (topic suffix, retain flag,
 * body). The listeners run on the ingest path, so this only builds a small object and
 * hands it on; JSON is made later, once, by whoever sends it first.
 */
import type { AlarmEvent, AlarmPriority, Clock } from '@wardlink/shared';
import type { AlarmEvents } from '../events.js';
import type { ActiveAlarm, AlarmReminder } from '../types.js';
import { bedTopicSuffix, ESCALATIONS_SUFFIX, EVENTS_SUFFIX, REMINDERS_SUFFIX } from './topics.js';

/** The retained per-bed payload: the bed's live alarms, most urgent then oldest first. */
export interface BedAlarmPayload {
  bedId: string;
  highest: AlarmPriority | null;
  alarms: ActiveAlarm[];
  /** When the gateway produced this state, UTC ms. */
  atMs: number;
}

export type AlarmMessage =
  | { kind: 'event'; suffix: string; retain: false; body: AlarmEvent; json?: string }
  | { kind: 'escalation'; suffix: string; retain: false; body: AlarmEvent; json?: string }
  | { kind: 'reminder'; suffix: string; retain: false; body: AlarmReminder; json?: string }
  | { kind: 'bed'; suffix: string; retain: true; body: BedAlarmPayload; json?: string };

/** The JSON text of a message, made once and shared by every target. */
export function payloadOf(message: AlarmMessage): string {
  return (message.json ??= JSON.stringify(message.body));
}

export function bedMessage(state: Omit<BedAlarmPayload, 'atMs'>, atMs: number): AlarmMessage {
  return { kind: 'bed', suffix: bedTopicSuffix(state.bedId), retain: true, body: { ...state, atMs } };
}

/**
 * Subscribes to the engine's events and calls `deliver` with each message, synchronously
 * (it must only queue). Returns the function that unsubscribes.
 */
export function onAlarmMessages(events: AlarmEvents, clock: Clock, deliver: (m: AlarmMessage) => void): () => void {
  const offs = [
    events.on('event', (event) => {
      deliver({ kind: 'event', suffix: EVENTS_SUFFIX, retain: false, body: event });
      if (event.phase === 'escalated') deliver({ kind: 'escalation', suffix: ESCALATIONS_SUFFIX, retain: false, body: event });
    }),
    events.on('reminder', (reminder) => deliver({ kind: 'reminder', suffix: REMINDERS_SUFFIX, retain: false, body: reminder })),
    events.on('bed', (state) => deliver(bedMessage(state, clock.now()))),
  ];
  return () => offs.forEach((off) => off());
}
