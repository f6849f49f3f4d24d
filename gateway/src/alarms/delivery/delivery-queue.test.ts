import type { AlarmEvent } from '@wardlink/shared';
import { describe, expect, it } from 'vitest';
import { DeliveryQueue } from './delivery-queue.js';
import { bedMessage, type AlarmMessage } from './messages.js';

function event(n: number): AlarmMessage {
  return { kind: 'event', suffix: 'events', retain: false, body: { eventId: `e${n}` } as AlarmEvent };
}
function reminder(n: number): AlarmMessage {
  return { kind: 'reminder', suffix: 'reminders', retain: false, body: { count: n } as never };
}
function bed(bedId: string, n: number): AlarmMessage {
  return bedMessage({ bedId, highest: null, alarms: [] }, n);
}
function drain(q: DeliveryQueue): string[] {
  const out: string[] = [];
  for (let m = q.shift(); m; m = q.shift()) {
    out.push(m.kind === 'event' ? (m.body as AlarmEvent).eventId : m.kind === 'reminder' ? `r${(m.body as { count: number }).count}` : `${m.body.bedId}@${(m.body as { atMs: number }).atMs}`);
  }
  return out;
}

describe('DeliveryQueue', () => {
  it('keeps order and merges a newer state of a queued bed into its place', () => {
    const q = new DeliveryQueue({ maxQueued: 10 });
    q.push(bed('bed-1', 1));
    q.push(event(1));
    q.push(bed('bed-2', 2));
    q.push(bed('bed-1', 3));
    expect(q.counters.bedStatesMerged).toBe(1);
    expect(drain(q)).toEqual(['bed-1@3', 'e1', 'bed-2@2']);
    q.push(bed('bed-1', 4)); // the earlier slot is gone: a new one at the end
    expect(drain(q)).toEqual(['bed-1@4']);
  });

  it('drops the oldest reminder when full, and never a phase event', () => {
    const q = new DeliveryQueue({ maxQueued: 3 });
    q.push(reminder(1));
    q.push(event(1));
    q.push(reminder(2));
    q.push(event(2)); // full: r1 goes
    q.push(reminder(3)); // full: r2 goes
    q.push(event(3)); // full: r3 goes
    q.push(event(4)); // full, no reminder left: kept past the bound
    q.push(reminder(4)); // full of phases: the reminder itself is dropped
    expect(q.counters).toMatchObject({ remindersDropped: 4, eventsDropped: 0, overBound: 1 });
    expect(drain(q)).toEqual(['e1', 'e2', 'e3', 'e4']);
  });

  it('a lossy queue (external forward) drops the oldest phase past the bound, keeping bed states', () => {
    const q = new DeliveryQueue({ maxQueued: 3, lossy: true });
    q.push(bed('bed-1', 1));
    q.push(event(1));
    q.push(event(2));
    q.push(event(3));
    q.push(reminder(9));
    expect(q.length).toBe(3);
    expect(q.counters).toMatchObject({ eventsDropped: 1, remindersDropped: 1 });
    expect(drain(q)).toEqual(['bed-1@1', 'e2', 'e3']);
  });

  it('refuses a bound below 1', () => {
    expect(() => new DeliveryQueue({ maxQueued: 0 })).toThrow(RangeError);
  });
});
