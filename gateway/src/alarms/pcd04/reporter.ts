/**
 * The IHE PCD-04 Alarm Reporter: every alarm phase (raise, update, acknowledgement,
 * escalation, clear) becomes an ORU^R40 for the alarm manager (nurse call, phones,
 * pagers), queued in SQLite, sent in order, one at a time, until acknowledged; its
 * watchdog raises `alarm-manager-down` when the manager stops answering. All on the
 * hospital net: no internet, no cloud. The daemon does:
 *
 *   const pcd04 = new Pcd04Reporter({ db, engine, settings: pcd04Settings(config.alarms.pcd04), place, clock, logger });
 *   pcd04.start();   ...   pcd04.stop();
 */
import type Database from 'better-sqlite3';
import { isMetricId, type AlarmEvent, type Clock } from '@wardlink/shared';
import type { AlarmEngine } from '../engine.js';
import { silentAlarmLogger, type ActiveAlarm, type AlarmLogger } from '../types.js';
import { alertOf } from './alert.js';
import type { Pcd04Settings } from './config.js';
import { buildOruR40, type Pcd04Place } from './message.js';
import { Pcd04Outbox } from './outbox.js';
import { Pcd04Sender } from './sender.js';
import { Pcd04Watchdog } from './watchdog.js';

export interface Pcd04ReporterOptions {
  db: Database.Database;
  engine: Pick<AlarmEngine, 'events' | 'limitsFor' | 'onAlarmManagerState'>;
  settings: Pcd04Settings;
  /** PV1-3 for a bed (point of care and the bed's label). */
  place: (bedId: string) => Pcd04Place;
  /** PV1-3.1 when `place` fails. */
  fallbackPointOfCare?: string;
  clock: Clock;
  logger?: AlarmLogger;
  onAcknowledged?: (eventId: string) => void;
}

export interface Pcd04Status {
  connected: boolean;
  managerDown: boolean;
  lastAnswerAtMs: number;
  queued: number;
  counters: Pcd04Sender['counters'];
  outboxWriteFailures: number;
}

export class Pcd04Reporter {
  readonly outbox: Pcd04Outbox;
  readonly sender: Pcd04Sender;
  readonly watchdog: Pcd04Watchdog;
  private unsubscribe: (() => void) | null;
  private readonly logger: AlarmLogger;

  constructor(private readonly opts: Pcd04ReporterOptions) {
    this.logger = opts.logger ?? silentAlarmLogger;
    this.outbox = new Pcd04Outbox(opts.db, opts.clock, this.logger);
    this.watchdog = new Pcd04Watchdog(opts.clock, opts.settings.downAfterMs, (up, detail) => {
      if (up) this.logger.warn({ detail }, 'the alarm manager answers again: alarm-manager-down cleared');
      else this.logger.error({ detail, queued: this.outbox.depth }, 'the alarm manager does not answer: alarm-manager-down raised; alarms are queued');
      opts.engine.onAlarmManagerState(up, detail);
    });
    this.sender = new Pcd04Sender(this.outbox, {
      ...opts.settings,
      clock: opts.clock,
      logger: this.logger,
      onAnswer: (atMs) => this.watchdog.answered(atMs),
      ...(opts.onAcknowledged ? { onAcknowledged: opts.onAcknowledged } : {}),
    });
    this.outbox.onWritten = () => this.sender.wake();
    // Subscribed now: phases before start() are queued, not lost.
    this.unsubscribe = opts.engine.events.on('event', (event, alarm) => this.onEvent(event, alarm));
  }

  start(): void {
    const pruned = this.outbox.prune();
    const queued = this.outbox.depth;
    if (queued > 0 || pruned > 0) this.logger.info({ queued, pruned }, 'PCD-04 outbox: messages still to send were kept from the last run');
    this.watchdog.start();
    this.sender.start();
  }

  /** Stops listening and sending; what is queued is written and sent after the restart. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.watchdog.stop();
    this.sender.stop();
    this.outbox.stop();
  }

  status(): Pcd04Status {
    return {
      connected: this.sender.connected,
      managerDown: this.watchdog.isDown,
      lastAnswerAtMs: this.watchdog.lastAnswerAtMs,
      queued: this.outbox.depth,
      counters: { ...this.sender.counters },
      outboxWriteFailures: this.outbox.writeFailures,
    };
  }

  /** The bed's place; a lookup that fails (the registry busy) must not lose the alarm. */
  private placeOf(bedId: string): Pcd04Place {
    try {
      return this.opts.place(bedId);
    } catch (err) {
      this.logger.warn({ err, bedId }, 'bed label not found for PCD-04; the bed id is sent instead');
      return { pointOfCare: this.opts.fallbackPointOfCare ?? '', bedLabel: bedId === '-' ? null : bedId };
    }
  }

  /** On the evaluation path: build the message (a string) and queue it in memory. */
  private onEvent(event: AlarmEvent, alarm: ActiveAlarm): void {
    const limits = event.metric !== null && isMetricId(event.metric) ? this.opts.engine.limitsFor(event.bedId, event.patientId, event.metric) : null;
    const alert = alertOf(event, alarm, limits);
    const now = this.opts.clock.now();
    const message = buildOruR40(alert, { addressing: this.opts.settings.addressing, place: this.placeOf(event.bedId), measured: event.value ?? alarm.value, nowMs: now });
    this.outbox.enqueue({ eventId: event.eventId, alarmId: event.alarmId, phase: event.phase, message, queuedAtMs: now });
  }
}
