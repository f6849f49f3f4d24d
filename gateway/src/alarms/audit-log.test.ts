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
    expect(performance.now() - started).toBeLessThan(100);
    expect(log.queued).toBe(1);
    expect(errors).toEqual(['alarm audit write failed; retrying']);
    other.exec('COMMIT');
    clock.advanceBy(1000);
    expect(log.queued).toBe(0);
    expect(new AuditQuery(other).history()).toHaveLength(1);
  });

  it('hands every event to the upload sink without waiting, and logs a refusal', async () => {
    const db = tmp.connect();
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const taken: string[] = [];
    const log = new AuditLog(db, {
      clock: new ManualClock(0),
      sink: {
        appendAlarm: (e) => {
          taken.push(e.eventId);
          return e.eventId === 'e-1' ? Promise.reject(new Error('buffer closed')) : slow;
        },
      },
    });
    log.record(event(0));
    log.record(event(1));
    expect(taken).toEqual(['e-0', 'e-1']); // both handed over at once, the first still pending
    await Promise.resolve();
    expect(log.sinkFailures).toBe(1);
    release();
    log.close();
    expect(new AuditQuery(db).history()).toHaveLength(2);
  });
});
