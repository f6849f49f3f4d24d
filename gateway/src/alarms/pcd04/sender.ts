/**
 * Sends the outbox to the alarm manager one message at a time, in order: the head is
 * sent, and the next only once the head is acknowledged (MSA-1 AA or CA). A refusal
 * (AE, AR, CE, CR) sends the same message again after a backoff; no answer within
 * `ackTimeoutMs` closes the connection (a late ACK on it could be taken for the next
 * message's) and sends it again on a new one. So a duplicate, if the manager did get the
 * first copy, is always the head repeated (same MSH-10), never a message out of order.
 * When idle, a keep-alive goes out every `keepAliveIntervalMs`, so the watchdog hears
 * the manager even with no alarm; while disconnected, it reconnects with backoff.
 */
import type { Clock, TimerHandle } from '@wardlink/shared';
import { silentAlarmLogger, type AlarmLogger } from '../types.js';
import { readAnswer } from './answer.js';
import { MllpConnection, type ConnectionTarget } from './connection.js';
import { ackTimeoutError, badAnswerError, disconnectedError, nakError, unreachableError } from './errors.js';
import { buildKeepAlive, type Pcd04Addressing } from './message.js';
import type { Pcd04Outbox } from './outbox.js';
import { RateLimitedLog } from './rate-log.js';

export interface SenderOptions {
  target: ConnectionTarget;
  addressing: Pcd04Addressing;
  ackTimeoutMs: number;
  keepAliveIntervalMs: number;
  maxBackoffMs: number;
  clock: Clock;
  logger?: AlarmLogger;
  /** The alarm path works: an alert acknowledged, or a keep-alive answered (the watchdog).
   * A refusal is not: a manager that refuses every alert leaves the phones as silent as
   * one that is away. */
  onAnswer?: (atMs: number) => void;
  /** A message was acknowledged (bench, tests). */
  onAcknowledged?: (eventId: string) => void;
}

export interface SenderCounters {
  sent: number;
  acknowledged: number;
  naks: number;
  ackTimeouts: number;
  connectFailures: number;
  disconnects: number;
  badAnswers: number;
  keepAlives: number;
}

interface InFlight {
  controlId: string;
  /** The outbox row, or null for a keep-alive. */
  seq: number | null;
  timer: TimerHandle;
}

const BACKOFF_MIN_MS = 250;

export class Pcd04Sender {
  readonly counters: SenderCounters = { sent: 0, acknowledged: 0, naks: 0, ackTimeouts: 0, connectFailures: 0, disconnects: 0, badAnswers: 0, keepAlives: 0 };
  private conn: MllpConnection | null = null;
  private connecting = false;
  private inFlight: InFlight | null = null;
  private retryTimer: TimerHandle | null = null;
  private keepAliveTimer: TimerHandle | null = null;
  private failures = 0;
  private keepAliveSeq = 0;
  private stopped = true;
  private readonly log: RateLimitedLog;
  private readonly logger: AlarmLogger;

  constructor(
    private readonly outbox: Pcd04Outbox,
    private readonly opts: SenderOptions,
  ) {
    this.logger = opts.logger ?? silentAlarmLogger;
    this.log = new RateLimitedLog(this.logger, opts.clock);
  }

  get connected(): boolean {
    return this.conn?.open ?? false;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** New rows in the outbox. */
  wake(): void {
    if (this.stopped) return;
    if (this.connected) this.pump();
    else this.connect();
  }

  stop(): void {
    this.stopped = true;
    for (const t of [this.retryTimer, this.keepAliveTimer, this.inFlight?.timer]) t?.cancel();
    this.retryTimer = this.keepAliveTimer = this.inFlight = null;
    this.conn?.close('gateway stopping');
    this.conn = null;
  }

  private get targetName(): string {
    return `${this.opts.target.host}:${this.opts.target.port}`;
  }

  private connect(): void {
    if (this.stopped || this.connected || this.connecting || this.retryTimer) return;
    this.connecting = true;
    MllpConnection.open(this.opts.target, { frame: (t) => this.onFrame(t), closed: (r) => this.onClosed(r) }, this.opts.clock).then(
      (conn) => {
        this.connecting = false;
        if (this.stopped) return conn.close('gateway stopping');
        this.conn = conn;
        this.logger.info({ target: this.targetName, queued: this.outbox.depth }, 'connected to the alarm manager (PCD-04)');
        // An empty queue: ask at once whether it answers (the watchdog clears sooner).
        if (!this.pump()) this.sendKeepAlive();
      },
      (err: Error) => {
        this.connecting = false;
        this.counters.connectFailures += 1;
        this.log.failure(unreachableError(this.targetName, err.message));
        this.retryLater();
      },
    );
  }

  /** Sends the head if it can; false when there is nothing to send. */
  private pump(): boolean {
    if (this.stopped || !this.conn?.open || this.inFlight || this.retryTimer) return true;
    let head;
    try {
      head = this.outbox.head();
    } catch (err) {
      // The database could not be read just now (it never loses the row): try again later.
      this.logger.error({ err }, 'PCD-04 outbox not readable; trying again');
      this.retryLater();
      return true;
    }
    if (!head) {
      this.armKeepAlive();
      return false;
    }
    this.send(head.message, head.eventId, head.seq);
    return true;
  }

  private send(message: string, controlId: string, seq: number | null): void {
    this.keepAliveTimer?.cancel();
    this.keepAliveTimer = null;
    const timer = this.opts.clock.setTimeout(() => this.onAckTimeout(), this.opts.ackTimeoutMs);
    this.inFlight = { controlId, seq, timer };
    this.counters.sent += 1;
    this.conn!.send(message);
  }

  private sendKeepAlive(): void {
    if (!this.conn?.open || this.inFlight) return;
    this.keepAliveSeq += 1;
    this.counters.keepAlives += 1;
    const controlId = `KA${this.opts.clock.now().toString(36).toUpperCase()}${this.keepAliveSeq}`;
    this.send(buildKeepAlive(this.opts.addressing, controlId, this.opts.clock.now()), controlId, null);
  }

  private armKeepAlive(): void {
    if (this.keepAliveTimer || this.stopped) return;
    this.keepAliveTimer = this.opts.clock.setTimeout(() => {
      this.keepAliveTimer = null;
      if (this.connected) {
        if (!this.pump()) this.sendKeepAlive();
      } else this.connect();
    }, this.opts.keepAliveIntervalMs);
    this.keepAliveTimer.unref();
  }

  private onFrame(text: string): void {
    let answer;
    try {
      answer = readAnswer(text);
    } catch (err) {
      this.counters.badAnswers += 1;
      this.log.failure(badAnswerError((err as Error).message));
      return;
    }
    const current = this.inFlight;
    // A late answer to an earlier attempt: it settles nothing now.
    if (!current || answer.controlId !== current.controlId) return;
    current.timer.cancel();
    this.inFlight = null;
    if (current.seq === null || answer.accepted) {
      this.opts.onAnswer?.(this.opts.clock.now());
      if (current.seq !== null) {
        this.outbox.acknowledged(current.seq);
        this.counters.acknowledged += 1;
        this.opts.onAcknowledged?.(current.controlId);
      }
      this.failures = 0;
      this.log.recovered('the alarm manager takes messages again', { target: this.targetName, queued: this.outbox.depth });
      setImmediate(() => this.pump());
      return;
    }
    this.counters.naks += 1;
    this.outbox.attemptFailed(current.seq, `${answer.code} ${answer.text}`.trim());
    this.log.failure(nakError(answer.code, answer.text, current.controlId));
    this.retryLater();
  }

  private onAckTimeout(): void {
    const current = this.inFlight;
    if (!current) return;
    this.inFlight = null;
    this.counters.ackTimeouts += 1;
    if (current.seq !== null) this.outbox.attemptFailed(current.seq, `no answer within ${this.opts.ackTimeoutMs} ms`);
    this.log.failure(ackTimeoutError(current.controlId, this.opts.ackTimeoutMs));
    this.conn?.close('no answer in time');
  }

  private onClosed(reason: string): void {
    this.conn = null;
    this.inFlight?.timer.cancel();
    this.inFlight = null;
    this.keepAliveTimer?.cancel();
    this.keepAliveTimer = null;
    if (this.stopped) return;
    this.counters.disconnects += 1;
    this.log.failure(disconnectedError(this.targetName, reason));
    this.retryLater();
  }

  /** Backoff: 250 ms doubling to `maxBackoffMs`, reset by the next acknowledgement. */
  private retryLater(): void {
    if (this.stopped || this.retryTimer) return;
    this.failures += 1;
    const delay = Math.min(this.opts.maxBackoffMs, BACKOFF_MIN_MS * 2 ** Math.min(this.failures - 1, 20));
    this.retryTimer = this.opts.clock.setTimeout(() => {
      this.retryTimer = null;
      if (this.connected) this.pump();
      else this.connect();
    }, delay);
    this.retryTimer.unref();
  }
}
