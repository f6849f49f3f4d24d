/**
 * The bounded queue between the engine's listeners and a slow target (the broker, an
 * external broker that may be away for hours). What it gives up when full, in order:
 *
 *  1. Bed states are never piled up: a newer state of a bed replaces the queued one in
 *     its place (only the latest state of a bed matters; the topic is retained).
 *  2. Reminders go first: the oldest queued reminder is dropped to make room.
 *  3. Phase events (and escalations) are kept, past the bound if need be, unless the
 *     queue was made `lossy`. The local broker's queue is not lossy: a phase is never
 *     dropped. The external forward's queue is lossy past the bound, so an external
 *     broker that is down for days cannot grow the gateway's memory without end: the
 *     oldest phase goes, counted and logged; the retained bed state still tells the truth.
 */
import type { AlarmMessage } from './messages.js';

interface Slot {
  message: AlarmMessage;
}

export interface DeliveryQueueOptions {
  /** Messages held at most (bed states count too). */
  maxQueued: number;
  /** May drop phase events past the bound (external forward only). Default false. */
  lossy?: boolean;
}

export interface DeliveryQueueCounters {
  remindersDropped: number;
  eventsDropped: number;
  bedStatesMerged: number;
  /** Phase events accepted past the bound (non-lossy queue). */
  overBound: number;
}

export class DeliveryQueue {
  private slots: Slot[] = [];
  private readonly pendingBeds = new Map<string, Slot>();
  private readonly maxQueued: number;
  private readonly lossy: boolean;
  readonly counters: DeliveryQueueCounters = { remindersDropped: 0, eventsDropped: 0, bedStatesMerged: 0, overBound: 0 };

  constructor(opts: DeliveryQueueOptions) {
    if (!Number.isInteger(opts.maxQueued) || opts.maxQueued < 1) throw new RangeError('maxQueued must be an integer >= 1');
    this.maxQueued = opts.maxQueued;
    this.lossy = opts.lossy ?? false;
  }

  get length(): number {
    return this.slots.length;
  }

  push(message: AlarmMessage): void {
    if (message.kind === 'bed') {
      const queued = this.pendingBeds.get(message.suffix);
      if (queued) {
        queued.message = message;
        this.counters.bedStatesMerged += 1;
        return;
      }
    }
    if (this.slots.length >= this.maxQueued && !this.makeRoom(message)) return;
    const slot = { message };
    this.slots.push(slot);
    if (message.kind === 'bed') this.pendingBeds.set(message.suffix, slot);
  }

  /** The oldest message, or undefined when empty. */
  shift(): AlarmMessage | undefined {
    const slot = this.slots.shift();
    if (!slot) return undefined;
    if (slot.message.kind === 'bed' && this.pendingBeds.get(slot.message.suffix) === slot) this.pendingBeds.delete(slot.message.suffix);
    return slot.message;
  }

  /** Frees one place for `incoming`; false when `incoming` itself is to be dropped. */
  private makeRoom(incoming: AlarmMessage): boolean {
    const reminderAt = this.slots.findIndex((s) => s.message.kind === 'reminder');
    if (reminderAt >= 0) {
      this.slots.splice(reminderAt, 1);
      this.counters.remindersDropped += 1;
      return true;
    }
    if (incoming.kind === 'reminder') {
      this.counters.remindersDropped += 1;
      return false;
    }
    if (!this.lossy || incoming.kind === 'bed') {
      // Bed states are bounded by the number of beds; phases are never dropped here.
      this.counters.overBound += 1;
      return true;
    }
    const eventAt = this.slots.findIndex((s) => s.message.kind !== 'bed');
    if (eventAt < 0) {
      this.counters.overBound += 1;
      return true;
    }
    this.slots.splice(eventAt, 1);
    this.counters.eventsDropped += 1;
    return true;
  }
}
