/**
 * Alarm delivery on the ward network, with no internet: the engine's events become
 * MQTT messages on the gateway's own broker and, optionally, on an external broker.
 * The daemon does:
 *
 *   const delivery = new AlarmDelivery({ engine, broker: mqtt.broker, forward: config.alarms.forward, beds, clock, logger });
 *   delivery.start();   // after the broker listens   ...   await delivery.stop();
 */
import { systemClock, type Clock } from '@wardlink/shared';
import type { AlarmEngine } from '../engine.js';
import { silentAlarmLogger, type AlarmLogger } from '../types.js';
import { AlarmForwarder, type AlarmForwardOptions } from './forwarder.js';
import { LocalAlarmPublisher, type AlarmBroker } from './local-publisher.js';
import { bedMessage, onAlarmMessages, type AlarmMessage } from './messages.js';

/** The external forward as configured (`alarms.forward`). */
export type AlarmForwardConfig = Omit<AlarmForwardOptions, 'logger' | 'clock'>;

export interface AlarmDeliveryOptions {
  engine: Pick<AlarmEngine, 'events' | 'bedState' | 'bedsWithAlarms'>;
  broker: AlarmBroker;
  forward?: AlarmForwardConfig | null;
  /** The registered beds: each gets a retained state at start, an empty one when clear. */
  beds?: () => readonly string[];
  clock?: Clock;
  logger?: AlarmLogger;
}

export class AlarmDelivery {
  readonly local: LocalAlarmPublisher;
  readonly forwarder: AlarmForwarder | null;
  private readonly clock: Clock;
  private unsubscribe: (() => void) | null;

  constructor(private readonly opts: AlarmDeliveryOptions) {
    this.clock = opts.clock ?? systemClock;
    const logger = opts.logger ?? silentAlarmLogger;
    this.local = new LocalAlarmPublisher(opts.broker, { logger });
    this.forwarder = opts.forward ? new AlarmForwarder({ ...opts.forward, logger, clock: this.clock }) : null;
    // Subscribed now, so events between construction and start are queued, not lost.
    this.unsubscribe = onAlarmMessages(opts.engine.events, this.clock, (m) => this.deliver(m));
  }

  /** The broker listens: publish every bed's state (retained), then whatever was queued. */
  start(): void {
    const { engine, beds } = this.opts;
    const all = new Set<string>(['-', ...(beds?.() ?? []), ...engine.bedsWithAlarms()]);
    const now = this.clock.now();
    for (const bedId of all) this.deliver(bedMessage(engine.bedState(bedId), now));
    this.local.start();
    this.forwarder?.start();
  }

  /** Stops listening, lets the local queue drain (bounded), closes the forward. */
  async stop(graceMs = 1000): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await Promise.race([this.local.idle(), new Promise<void>((resolve) => this.clock.setTimeout(resolve, graceMs).unref())]);
    this.local.stop();
    await this.forwarder?.stop(graceMs);
  }

  private deliver(message: AlarmMessage): void {
    this.local.deliver(message);
    this.forwarder?.deliver(message);
  }
}
