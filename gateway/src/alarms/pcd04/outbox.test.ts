/**
 * The outbox when the disk refuses: the phases wait in memory, in order, and are written
 * (and sent) once the database takes writes again. And the log of a failure that repeats:
 * once at first, then at most once a minute with how many were not logged.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { harness } from '../testing/harness.js';
import { ManualClock } from '../testing/manual-clock.js';
import { tempDb, type TempDb } from '../testing/temp-db.js';
import { Pcd04DeliveryError } from './errors.js';
import { Pcd04Outbox } from './outbox.js';
import { RateLimitedLog } from './rate-log.js';
import type { Pcd04Reporter } from './reporter.js';
import { AlarmManagerStub } from './testing/alarm-manager-stub.js';
import { nibpEpisodes } from './testing/phases.js';
import { startReporter } from './testing/start-reporter.js';

let tmp: TempDb | null = null;
let stub: AlarmManagerStub | null = null;
let reporter: Pcd04Reporter | null = null;
afterEach(async () => {
  reporter?.stop();
  await stub?.close();
  tmp?.cleanup();
});

describe('PCD-04 outbox', () => {
  it('keeps phases in memory, in order, while the database is locked, then writes and sends them', async () => {
    tmp = tempDb('wl-pcd04-outbox-');
    stub = new AlarmManagerStub();
    const port = await stub.listen();
    const db = tmp.connect();
    db.pragma('busy_timeout = 20');
    const h = harness();
    const ids: string[] = [];
    h.engine.events.on('event', (e) => ids.push(e.eventId));
    reporter = startReporter(db, h.engine, port);
    const other = tmp.connect();
    other.exec('BEGIN IMMEDIATE'); // another writer holds the lock
    nibpEpisodes(h, 2);
    await expect.poll(() => reporter!.outbox.writeFailures, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect(reporter.status().queued).toBe(ids.length); // all pending, none lost
    expect(stub.alerts()).toHaveLength(0);
    other.exec('COMMIT');
    await expect.poll(() => stub!.alerts().length, { timeout: 10_000 }).toBe(ids.length);
    expect(stub.alerts().map((r) => r.controlId)).toEqual(ids);
    await expect.poll(() => reporter!.status().queued, { timeout: 5000 }).toBe(0);
  });

  it('never takes an acknowledged row for the head, nor prunes an unacknowledged one', () => {
    tmp = tempDb('wl-pcd04-outbox-');
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const outbox = new Pcd04Outbox(tmp.connect(), clock);
    for (const n of [1, 2, 3]) outbox.enqueue({ eventId: `e${n}`, alarmId: 'a1', phase: 'raised', message: `m${n}`, queuedAtMs: clock.now() });
    outbox.flush();
    const first = outbox.head()!;
    expect(first.eventId).toBe('e1');
    outbox.acknowledged(first.seq);
    expect(outbox.head()!.eventId).toBe('e2');
    clock.advanceBy(8 * 86_400_000);
    expect(outbox.prune()).toBe(1);
    expect(outbox.depth).toBe(2);
  });
});

describe('RateLimitedLog', () => {
  it('logs the first failure of a code, then one line a minute with the count, then the recovery', () => {
    const clock = new ManualClock(0);
    const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
    const logger = {
      debug: () => {},
      info: (obj: object, msg?: string) => lines.push({ level: 'info', obj: obj as Record<string, unknown>, ...(msg ? { msg } : {}) }),
      warn: (obj: object, msg?: string) => lines.push({ level: 'warn', obj: obj as Record<string, unknown>, ...(msg ? { msg } : {}) }),
      error: () => {},
    };
    const log = new RateLimitedLog(logger, clock);
    const nak = () => new Pcd04DeliveryError('WL_PCD04_NAK', 'refused');
    for (let i = 0; i < 30; i++) {
      log.failure(nak());
      clock.advanceBy(5000);
    }
    expect(lines.map((l) => l.level)).toEqual(['warn', 'warn', 'warn']);
    expect(lines.map((l) => l.obj.notLoggedSinceLast)).toEqual([0, 11, 11]);
    log.recovered('back');
    log.recovered('back');
    expect(lines.filter((l) => l.level === 'info')).toHaveLength(1);
  });
});
