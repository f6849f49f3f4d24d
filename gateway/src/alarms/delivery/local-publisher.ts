/**
 * Publishes alarm messages on the gateway's own broker (aedes), from the gateway itself.
 * `deliver` only queues and schedules a drain as a microtask: it runs once the current
 * ingest callback has returned (the reading that raised the alarm is not held up), but
 * before the event loop turns to the next device's socket. Alarms go before readings.
 *
 * aedes completes a QoS 1 publish a turn or two of the event loop later (it delivers and
 * writes on setImmediate), and under full load one turn handles every device's socket:
 * one message at a time would let a burst of phases queue for seconds. So up to
 * `maxInFlight` publishes are handed to aedes at once. That needs care: aedes drops, per
 * subscriber, any message numbered lower than one it already delivered (its `dedupe`),
 * and a retained publish takes a longer path (the retained store) than a plain one, so a
 * retained bed state could be overtaken by the next event and silently lost. Hence every
 * live publish here is a plain one (one path, delivered in call order), and a bed state
 * is put into the broker's retained store directly, just before its live publish, for
 * the viewers that subscribe later (aedes replays the store on SUBSCRIBE).
 */
import type { PublishPacket } from 'aedes';
import { silentAlarmLogger, type AlarmLogger } from '../types.js';
import { DeliveryQueue } from './delivery-queue.js';
import { payloadOf, type AlarmMessage } from './messages.js';
import { ALARM_TOPIC_ROOT } from './topics.js';

/** What the publisher needs from aedes (`MqttIngest.broker`). */
export interface AlarmBroker {
  publish(packet: PublishPacket, callback: (error?: Error) => void): void;
}

/** The part of an aedes persistence that keeps retained messages. */
interface RetainedStore {
  storeRetained(packet: Pick<PublishPacket, 'cmd' | 'topic' | 'payload' | 'qos' | 'retain'>): Promise<void>;
}

function retainedStoreOf(broker: AlarmBroker): RetainedStore {
  const store = (broker as { persistence?: Partial<RetainedStore> }).persistence;
  if (typeof store?.storeRetained !== 'function') throw new TypeError('the alarm broker has no retained store (start it with broker.listen() first)');
  return store as RetainedStore;
}

export interface LocalPublisherOptions {
  root?: string;
  /** Queue bound (see DeliveryQueue: phases are never dropped). Default 10,000. */
  maxQueued?: number;
  /** Publishes handed to aedes and not completed, at most. Default 256. */
  maxInFlight?: number;
  logger?: AlarmLogger;
}

export class LocalAlarmPublisher {
  readonly queue: DeliveryQueue;
  private readonly root: string;
  private readonly logger: AlarmLogger;
  private started = false;
  private readonly maxInFlight: number;
  private scheduled = false;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  published = 0;
  failures = 0;

  constructor(
    private readonly broker: AlarmBroker,
    opts: LocalPublisherOptions = {},
  ) {
    this.root = opts.root ?? ALARM_TOPIC_ROOT;
    this.logger = opts.logger ?? silentAlarmLogger;
    this.queue = new DeliveryQueue({ maxQueued: opts.maxQueued ?? 10_000 });
    this.maxInFlight = opts.maxInFlight ?? 256;
  }

  /** On the ingest path: queue and return. */
  deliver(message: AlarmMessage): void {
    this.queue.push(message);
    this.schedule();
  }

  /** The broker is listening: send what was queued meanwhile. */
  start(): void {
    this.started = true;
    this.schedule();
  }

  /** Resolves once the queue is empty (or at once when not started). For stop and tests. */
  idle(): Promise<void> {
    if (!this.started || (this.queue.length === 0 && this.inFlight === 0)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.started = false;
    this.wakeIdle();
  }

  private schedule(): void {
    if (!this.started || this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.started && this.inFlight < this.maxInFlight) {
      const message = this.queue.shift();
      if (!message) break;
      this.inFlight += 1;
      const packet = this.packet(message);
      if (message.retain) this.keepRetained(packet);
      this.broker.publish(packet, (err) => {
        this.inFlight -= 1;
        if (err) {
          this.failures += 1;
          this.logger.error({ err, topic: message.suffix }, 'alarm message not published on the local broker');
        } else this.published += 1;
        // aedes may call back synchronously: schedule rather than recurse.
        if (this.queue.length > 0) this.schedule();
        else if (this.inFlight === 0) this.wakeIdle();
      });
    }
    if (this.queue.length === 0 && this.inFlight === 0) this.wakeIdle();
  }

  /** A plain (not retained) QoS 1 publish; see the header for why. */
  private packet(message: AlarmMessage): PublishPacket {
    return { cmd: 'publish', topic: `${this.root}/${message.suffix}`, payload: Buffer.from(payloadOf(message)), qos: 1, retain: false, dup: false };
  }

  /** The in-memory store sets the value at once, so stores keep the queue's order. */
  private keepRetained(packet: PublishPacket): void {
    retainedStoreOf(this.broker)
      .storeRetained({ cmd: 'publish', topic: packet.topic, payload: packet.payload, qos: 1, retain: true })
      .catch((err: unknown) => this.logger.error({ err, topic: packet.topic }, 'retained alarm state not stored; late subscribers get an older one'));
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
