/**
 * The optional forward of alarm messages to an external broker (pagers, nurse-call
 * bridges), with mqtt.js: QoS 1, a persistent session (clean: false, a stable client id,
 * so messages in flight at a disconnect are sent again on reconnect), automatic reconnect.
 *
 * mqtt.js would queue every publish made while offline, without limit. So messages are
 * handed to it only while it is connected, at most `maxInFlight` unacknowledged at once;
 * the rest wait in a lossy `DeliveryQueue` (bed states merged, reminders dropped first,
 * then the oldest phases past `maxQueued`, counted and logged). The local broker and
 * the page do not depend on any of this.
 *
 * mqtt.js is loaded by start(), not with this module: the daemon always builds its alarm
 * delivery, and without a forward it never needs mqtt.js (~0.07 s of the start-up's CPU).
 */
import type { IClientOptions, MqttClient } from 'mqtt';
import { systemClock, type Clock } from '@wardlink/shared';
import { silentAlarmLogger, type AlarmLogger } from '../types.js';
import { DeliveryQueue } from './delivery-queue.js';
import { payloadOf, type AlarmMessage } from './messages.js';

export interface AlarmForwardOptions {
  /** mqtt://, mqtts://, tcp:// or ssl:// */
  url: string;
  /** Root of the forwarded topics, e.g. `wardlink/icu-3a/alarms`. */
  topicPrefix: string;
  clientId: string;
  username?: string;
  password?: string;
  /** Messages queued at most while the external broker is away. Default 10,000. */
  maxQueued?: number;
  /** Unacknowledged publishes at most. Default 32. */
  maxInFlight?: number;
  reconnectPeriodMs?: number;
  logger?: AlarmLogger;
  clock?: Clock;
}

export class AlarmForwarder {
  readonly queue: DeliveryQueue;
  private client: MqttClient | null = null;
  /** start() is loading mqtt.js; stop() clears it, so that the load connects nothing. */
  private loading: Promise<void> | null = null;
  private inFlight = 0;
  private scheduled = false;
  private wasConnected = false;
  private lastError: string | null = null;
  private readonly logger: AlarmLogger;
  private readonly clock: Clock;
  /** Messages the external broker acknowledged. */
  forwarded = 0;
  /** Messages mqtt.js refused. */
  failed = 0;

  constructor(private readonly opts: AlarmForwardOptions) {
    this.logger = opts.logger ?? silentAlarmLogger;
    this.clock = opts.clock ?? systemClock;
    this.queue = new DeliveryQueue({ maxQueued: opts.maxQueued ?? 10_000, lossy: true });
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  /**
   * Connects in the background, once mqtt.js is loaded (the daemon does not wait for it);
   * never throws for an unreachable broker (it retries).
   */
  start(): void {
    if (this.client || this.loading) return;
    const loading: Promise<void> = import('mqtt')
      .then(({ default: mqtt }) => {
        // stop() came while mqtt.js was loading: connect nothing.
        if (this.loading === loading) this.attach(mqtt.connect(this.opts.url, this.clientOptions()));
      })
      .catch((err: unknown) => {
        this.logger.error({ err: (err as Error).message, url: redact(this.opts.url) }, 'alarm forward not started; alarms are not forwarded to the external broker');
      })
      .finally(() => {
        if (this.loading === loading) this.loading = null;
      });
    this.loading = loading;
  }

  /** On the ingest path: queue and return. */
  deliver(message: AlarmMessage): void {
    const dropped = this.queue.counters.eventsDropped;
    this.queue.push(message);
    if (this.queue.counters.eventsDropped > dropped) {
      this.logger.error({ dropped: this.queue.counters.eventsDropped }, 'alarm forward queue full; oldest phase event dropped (the external broker has been away too long)');
    }
    this.schedule();
  }

  /** Sends what it can within `graceMs`, then closes. */
  async stop(graceMs = 1000): Promise<void> {
    const loading = this.loading;
    this.loading = null;
    await loading;
    const client = this.client;
    if (!client) return;
    const deadline = this.clock.monotonicMs() + graceMs;
    while (client.connected && (this.queue.length > 0 || this.inFlight > 0) && this.clock.monotonicMs() < deadline) {
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, 20));
    }
    this.client = null;
    await new Promise<void>((resolve) => client.end(!client.connected || this.inFlight > 0, {}, () => resolve()));
  }

  private clientOptions(): IClientOptions {
    const { clientId, username, password, reconnectPeriodMs } = this.opts;
    return {
      clientId,
      clean: false,
      reconnectPeriod: reconnectPeriodMs ?? 2000,
      connectTimeout: 5000,
      keepalive: 30,
      queueQoSZero: false,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
    };
  }

  private attach(client: MqttClient): void {
    const { url } = this.opts;
    client.on('connect', () => {
      this.wasConnected = true;
      this.lastError = null;
      this.logger.info({ url: redact(url), queued: this.queue.length }, 'alarm forward connected');
      this.schedule();
    });
    client.on('close', () => {
      if (this.wasConnected) this.logger.warn({ url: redact(url), queued: this.queue.length }, 'alarm forward disconnected; queueing and retrying');
      this.wasConnected = false;
    });
    client.on('error', (err) => {
      // The same failure repeats every reconnect period: warn when it changes, not each time.
      if (err.message !== this.lastError) this.logger.warn({ err: err.message, url: redact(url) }, 'alarm forward cannot connect; retrying');
      this.lastError = err.message;
    });
    this.client = client;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const client = this.client;
    const max = this.opts.maxInFlight ?? 32;
    while (client?.connected && this.inFlight < max) {
      const message = this.queue.shift();
      if (!message) return;
      this.inFlight += 1;
      client.publish(`${this.opts.topicPrefix}/${message.suffix}`, payloadOf(message), { qos: 1, retain: message.retain }, (err) => {
        this.inFlight -= 1;
        if (err) {
          // Refused by mqtt.js itself (a disconnect is not an error here: QoS 1 messages
          // in flight survive it and are sent again). Sending again would fail the same way.
          this.failed += 1;
          this.logger.error({ err: err.message, topic: message.suffix }, 'alarm forward publish refused; message dropped');
        } else this.forwarded += 1;
        this.schedule();
      });
    }
  }
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
