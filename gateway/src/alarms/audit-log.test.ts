import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlarmEvent } from '@wardlink/shared';
import { AuditLog } from './audit-log.js';
import { AuditQuery } from './audit-query.js';
import { ManualClock } from './testing/manual-clock.js';
import { tempDb, type TempDb } from './testing/temp-db.js';

let tmp: TempDb;
beforeEach(() => (tmp = tempDb()));
afterEach(() => tmp.cleanup());

function event(n: number, phase: AlarmEvent['phase'] = 'raised'): AlarmEvent {
  return {
    eventId: `e-${n}`,
    alarmId: 'a-1',
    bedId: 'bed-1',
    patientId: 'P1',
    deviceId: 'mon-1',
    source: 'physiological',
    metric: 'SPO2',
    condition: 'low',
    priority: 'medium',
    phase,
    timeMs: 1000 + n,
    value: 85,
    actor: null,
    message: 'SpO2 85 % below 90 (bed bed-1)',
  };
}

describe('audit log', () => {
  it('queues without touching the disk, writes in one batch on its timer, and is idempotent by event id', () => {
    const clock = new ManualClock(0);
    const db = tmp.connect();
    const log = new AuditLog(db, { clock, flushEveryMs: 100 });
    const query = new AuditQuery(tmp.connect());
    for (let i = 0; i < 3; i++) log.record(event(i));
    expect(query.history()).toEqual([]);
    clock.advanceBy(100);
    expect(query.history().map((e) => e.eventId)).toEqual(['e-2', 'e-1', 'e-0']);
    log.record(event(1)); // a retry of the same event
    log.flushNow();
    expect(query.history()).toHaveLength(3);
    expect(query.history()[0]).toEqual(event(2));
  });

  it('keeps the queue while the database is locked, and writes it once the lock is gone', () => {
    const clock = new ManualClock(0);
    const db = tmp.connect();
    db.pragma('busy_timeout = 0');
    const errors: string[] = [];
    const log = new AuditLog(db, { clock, logger: { debug() {}, info() {}, warn() {}, error: (_o, msg) => errors.push(msg ?? '') } });
    const other = tmp.connect();
    other.exec('BEGIN IMMEDIATE');
    log.record(event(0));
    const started = performance.now();
    expect(log.flushNow()).toBe(0);
    expect(performance.now() - started).toBeLessThan(1000); // it did not wait out a busy timeout
    expect(log.queued).toBe(1);
    expect(errors).toEqual(['alarm events not stored; kept in memory and retried']);
    other.exec('COMMIT');
    clock.advanceBy(250); // the first retry's backoff
    expect(log.queued).toBe(0);
    expect(new AuditQuery(other).history()).toHaveLength(1);
    expect(log.counters).toMatchObject({ stored: 1, failedWrites: 1 });
  });

  it('hands events to the sink at once, one write at a time, and retries a refused write first, with backoff', async () => {
    const clock = new ManualClock(0);
    const writes: { ids: string[]; settle: (err?: Error) => void }[] = [];
    const lines: string[] = [];
    const log = new AuditLog(tmp.connect(), {
      clock,
      logger: { debug() {}, info() {}, warn: (_o, msg) => lines.push(`warn: ${msg}`), error: (_o, msg) => lines.push(`error: ${msg}`) },
      sink: {
        appendAlarms: (events) =>
          new Promise<void>((resolve, reject) => writes.push({ ids: events.map((e) => e.eventId), settle: (err) => (err ? reject(err) : resolve()) })),
      },
    });
    const settle = async (err?: Error) => {
      writes.at(-1)!.settle(err);
      await new Promise((r) => setImmediate(r));
    };
    log.record(event(0));
    log.record(event(1)); // waits: a write is in flight
    expect(writes.map((w) => w.ids)).toEqual([['e-0']]);
    await settle(Object.assign(new Error('the disk is full'), { code: 'WL_BUFFER_FULL' }));
    log.record(event(2)); // waits behind the refused events
    expect(writes).toHaveLength(1);
    clock.advanceBy(249);
    expect(writes).toHaveLength(1);
    clock.advanceBy(1);
    expect(writes.at(-1)!.ids).toEqual(['e-0', 'e-1', 'e-2']); // the refused one first, in order
    await settle(Object.assign(new Error('the disk is full'), { code: 'WL_BUFFER_FULL' }));
    clock.advanceBy(499); // backoff doubled
    expect(writes).toHaveLength(2);
    clock.advanceBy(1);
    expect(writes).toHaveLength(3);
    await settle();
    expect(log.queued).toBe(0);
    expect(log.counters).toMatchObject({ stored: 3, failedWrites: 2, refused: 0, dropped: 0, lost: 0 });
    // One line when the episode starts (the second failure is within the rate limit), one when it ends.
    expect(lines).toEqual(['error: alarm events not stored; kept in memory and retried', 'warn: alarm events stored again after failed writes']);
  });

  it('gives up only an event SQLite refuses for its content, and keeps the others in order', () => {
    const db = tmp.connect();
    const stored: string[] = [];
    const log = new AuditLog(db, {
      clock: new ManualClock(0),
      sink: {
        appendAlarms: (events) => {
          if (events.some((e) => e.eventId === 'e-2')) throw Object.assign(new Error('CHECK constraint failed'), { code: 'SQLITE_CONSTRAINT_CHECK' });
          stored.push(...events.map((e) => e.eventId));
        },
      },
      flushEveryMs: 100,
    });
    for (let i = 0; i < 5; i++) log.record(event(i));
    log.record({ ...event(9), phase: 'bogus' as AlarmEvent['phase'] }); // never queued
    expect(log.flushNow()).toBe(4);
    expect(stored).toEqual(['e-0', 'e-1', 'e-3', 'e-4']);
    expect(log.counters).toMatchObject({ stored: 4, refused: 2, failedWrites: 0 });
  });
});
