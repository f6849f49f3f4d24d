/**
 * An alarm event whose commit fails is kept and retried until it is stored, exactly once,
 * and then uploaded: the audit log in front of the real buffer writer (commit thread) on a
 * real SQLite file, with the failures the gateway meets: a full disk, and another process
 * (the CLI) holding the write lock longer than the writer waits.
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlarmEvent } from '@wardlink/shared';
import { Outbox } from '../buffer/outbox.js';
import { openBufferStore, type BufferStore } from '../buffer/store.js';
import { tempDir, type TempDir } from '../buffer/testing/fixtures.js';
import { BufferWriter } from '../buffer/writer.js';
import { AuditLog } from './audit-log.js';
import { AuditQuery } from './audit-query.js';
import { alarmMigrations } from './migrations.js';
import { ManualClock } from './testing/manual-clock.js';
import type { AlarmLogger, AlarmSink } from './types.js';

const T = Date.UTC(2026, 0, 5, 8);

function ev(id: string, phase: AlarmEvent['phase'], atS: number, message = 'SpO2 84 % below 90 (bed bed-1)'): AlarmEvent {
  return {
    eventId: id,
    alarmId: 'alarm-1',
    bedId: 'bed-1',
    patientId: 'P1',
    deviceId: 'mon-1',
    source: 'physiological',
    metric: 'SPO2',
    condition: 'low',
    priority: 'high',
    phase,
    timeMs: T + atS * 1000,
    value: phase === 'raised' ? 84 : null,
    actor: phase === 'acknowledged' ? 'nurse-ann' : null,
    message,
  };
}

let dir: TempDir;
let store: BufferStore;
let writer: BufferWriter;
let log: AuditLog;
let lines: string[];
/** The `code` of each error logged (the BufferError's: why the write failed). */
let codes: unknown[];
const clock = () => new ManualClock(T);
const logger: AlarmLogger = {
  debug() {},
  info() {},
  warn: (_o, msg) => lines.push(`warn: ${msg}`),
  error: (o, msg) => {
    lines.push(`error: ${msg}`);
    codes.push((o as { code?: unknown }).code);
  },
};

beforeEach(async () => {
  dir = tempDir('wl-alarm-retry-');
  store = openBufferStore({ path: dir.file('gateway.db'), gatewayId: 'gw-1', extraMigrations: alarmMigrations });
  lines = [];
  codes = [];
});
afterEach(async () => {
  log?.close();
  await writer?.close();
  store.close();
  dir.remove();
});

/** Rows of the one alarm table, in id order. */
const rows = () => store.db.prepare('SELECT event_id, batch_seq, uploaded_at_ms FROM alarm_events ORDER BY id').all() as { event_id: string; batch_seq: number | null; uploaded_at_ms: number | null }[];

/** Uploads what is unsent, as the uplink does, and returns the event ids the batch carried. */
function upload(): string[] {
  const outbox = new Outbox(store);
  const batch = outbox.nextBatch({ maxReadings: 100 });
  if (!batch) return [];
  outbox.markSent(batch.seq, T + 60_000);
  return batch.alarms.map((e) => e.eventId);
}

describe('an alarm event whose commit failed', () => {
  it('on a full disk: is kept, holds back the later phases, and lands once, in order, then is uploaded', async () => {
    writer = new BufferWriter(store, { flushIntervalMs: 1 });
    await writer.ready();
    const manual = clock();
    log = new AuditLog(store.db, { clock: manual, logger, sink: writer });
    // The disk is full: the file may not grow by a single page. The raise's message is long
    // enough to need new pages; the acknowledgement would fit where the file has room.
    const pages = (await writer.commitConnectionPragma('page_count')) as [{ page_count: number }];
    await writer.commitConnectionPragma(`max_page_count = ${pages[0]!.page_count}`);
    const raised = ev('e-raised', 'raised', 0, `SpO2 84 % below 90 (bed bed-1) ${'x'.repeat(64 * 1024)}`);
    log.record(raised);
    await writer.flush();
    expect(log.counters).toMatchObject({ stored: 0, failedWrites: 1 });
    expect(lines).toEqual(['error: alarm events not stored; kept in memory and retried']);
    expect(codes).toEqual(['WL_BUFFER_FULL']);

    log.record(ev('e-acked', 'acknowledged', 5));
    await writer.flush();
    expect(rows()).toEqual([]); // the acknowledgement did not overtake the raise
    expect(log.queued).toBe(2);
    expect(upload()).toEqual([]);

    // The next try, still full: still kept (and not logged again: rate limit).
    manual.advanceBy(250);
    await writer.flush();
    expect(log.counters.failedWrites).toBe(2);
    expect(lines).toHaveLength(1);

    // Space again (eviction made room, or IT freed the disk): the retry after the backoff lands both.
    await writer.commitConnectionPragma('max_page_count = 1073741823');
    manual.advanceBy(499);
    expect(rows()).toEqual([]);
    manual.advanceBy(1);
    await writer.flush();
    expect(rows().map((r) => r.event_id)).toEqual(['e-raised', 'e-acked']);
    expect(log.queued).toBe(0);
    expect(log.counters).toMatchObject({ stored: 2, failedWrites: 2, refused: 0, dropped: 0, lost: 0 });
    expect(lines.at(-1)).toBe('warn: alarm events stored again after failed writes');
    expect(new AuditQuery(store.db).alarms({})[0]).toMatchObject({ raisedAtMs: T, acknowledged: true, acknowledgedBy: 'nurse-ann' });

    // Uploaded once; a copy appended again (a retry that raced its commit) changes nothing.
    expect(upload()).toEqual(['e-raised', 'e-acked']);
    await writer.appendAlarm(raised);
    expect(rows()).toHaveLength(2);
    expect(rows().every((r) => r.uploaded_at_ms === T + 60_000)).toBe(true);
    expect(upload()).toEqual([]);
  });

  it('while another process holds the write lock too long: is kept, and lands once the lock is gone', async () => {
    writer = new BufferWriter(store, { flushIntervalMs: 1, lockWaitMs: 50, lockRetryMs: 5 });
    await writer.ready();
    const manual = clock();
    log = new AuditLog(store.db, { clock: manual, logger, sink: writer });
    const cli = new Database(store.path);
    cli.exec('BEGIN IMMEDIATE');
    try {
      log.record(ev('e-raised', 'raised', 0));
      await writer.flush();
      expect(log.counters).toMatchObject({ stored: 0, failedWrites: 1 });
      expect(codes).toEqual(['WL_BUFFER_WRITE_FAILED']); // "database is locked"
      expect(rows()).toEqual([]);
    } finally {
      cli.exec('COMMIT');
      cli.close();
    }
    manual.advanceBy(250);
    await writer.flush();
    expect(rows().map((r) => r.event_id)).toEqual(['e-raised']);
    expect(upload()).toEqual(['e-raised']);
  });

  it('that was committed after all (the answer was lost) is stored and uploaded once when tried again', async () => {
    writer = new BufferWriter(store, { flushIntervalMs: 1 });
    await writer.ready();
    const manual = clock();
    let answers = 0;
    // The commit thread died after its COMMIT: the write is reported failed, yet stored.
    const sink: AlarmSink = {
      appendAlarms: async (events) => {
        await writer.appendAlarms(events);
        if (answers++ === 0) throw new Error('the commit worker thread exited (code 1)');
      },
    };
    log = new AuditLog(store.db, { clock: manual, logger, sink });
    log.record(ev('e-raised', 'raised', 0));
    await writer.flush();
    await new Promise((r) => setImmediate(r));
    expect(log.counters.failedWrites).toBe(1);
    expect(rows()).toHaveLength(1);
    manual.advanceBy(250);
    await writer.flush();
    await new Promise((r) => setImmediate(r));
    expect(log.counters).toMatchObject({ stored: 1, failedWrites: 1 });
    expect(rows().map((r) => r.event_id)).toEqual(['e-raised']);
    expect(upload()).toEqual(['e-raised']);
  });
});
