/**
 * Step alarms-002 on a real file written by the previous version: both alarm tables, with
 * the gaps each could have (an event the upload buffer refused, an event the audit never
 * flushed), part of it uploaded and part in a pending batch. Every event must come out
 * once, each alarm's events in the order they happened, the upload state kept, and what
 * was never uploaded must be uploaded.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import type { AlarmEvent, AlarmPhase } from '@wardlink/shared';
import { Outbox } from '../buffer/outbox.js';
import { openBufferStore } from '../buffer/store.js';
import { recordingLogger, tempDir, type TempDir } from '../buffer/testing/fixtures.js';
import { AuditQuery } from './audit-query.js';
import { alarmMigrations } from './migrations.js';
import { openAlarms } from './restore.js';

const T = Date.UTC(2026, 0, 5, 8);
const COLUMNS = 'event_id, alarm_id, bed_id, patient_id, device_id, source, metric, condition, priority, phase, time_ms, value, actor, message, recorded_at_ms';

function ev(id: string, phase: AlarmPhase, atS: number, actor: string | null = null): AlarmEvent {
  return {
    eventId: id,
    alarmId: `alarm-${id[0]}`,
    bedId: `bed-${id[0]}`,
    patientId: 'P1',
    deviceId: 'mon-1',
    source: 'physiological',
    metric: 'SPO2',
    condition: 'low',
    priority: 'high',
    phase,
    timeMs: T + atS * 1000,
    value: actor ? null : 84,
    actor,
    message: 'SpO2 84 % below 90',
  };
}

function insert(db: Database.Database, table: 'alarm_audit' | 'alarm_events', ...events: AlarmEvent[]): void {
  const stmt = db.prepare(`INSERT INTO ${table} (${COLUMNS}) VALUES (${COLUMNS.split(', ').map(() => '?').join(', ')})`);
  for (const e of events) stmt.run(e.eventId, e.alarmId, e.bedId, e.patientId, e.deviceId, e.source, e.metric, e.condition, e.priority, e.phase, e.timeMs, e.value, e.actor, e.message, e.timeMs + 5);
}

// B: stored in both and uploaded. A: its raise was refused by the upload buffer (disk
// full), its acknowledgement and clearing are in both and in a pending batch. C: the
// process stopped before the audit flushed its clearing. D: gaps on both sides.
const B = [ev('b1', 'raised', 0), ev('b2', 'cleared', 5)];
const A = [ev('a1', 'raised', 10), ev('a2', 'acknowledged', 20, 'nurse-ann'), ev('a3', 'cleared', 30)];
const C = [ev('c1', 'raised', 40), ev('c2', 'cleared', 41)];
const D = [ev('d1', 'raised', 50), ev('d2', 'updated', 51), ev('d3', 'escalated', 52), ev('d4', 'updated', 53)];

let dir: TempDir;
let path: string;
let before: { uploadedIds: number[]; pendingSeq: number };

beforeEach(() => {
  dir = tempDir('wl-alarm-merge-');
  path = dir.file('gateway.db');
  // The previous version: the buffer's steps and alarms-001 only.
  const old = openBufferStore({ path, gatewayId: 'gw-1', extraMigrations: alarmMigrations.slice(0, 1) });
  const outbox = new Outbox(old);
  insert(old.db, 'alarm_audit', ...B);
  insert(old.db, 'alarm_events', ...B);
  const sent = outbox.nextBatch({ maxReadings: 100 })!;
  outbox.markSent(sent.seq, T + 6000);
  insert(old.db, 'alarm_audit', A[0]!, A[1]!, A[2]!);
  insert(old.db, 'alarm_events', A[1]!, A[2]!);
  const pending = outbox.nextBatch({ maxReadings: 100, inFlight: [] })!;
  insert(old.db, 'alarm_audit', C[0]!, D[0]!, D[2]!);
  insert(old.db, 'alarm_events', C[0]!, C[1]!, D[1]!, D[2]!, D[3]!);
  before = { uploadedIds: old.db.prepare("SELECT id FROM alarm_events WHERE alarm_id = 'alarm-b' ORDER BY id").pluck().all() as number[], pendingSeq: pending.seq };
  expect(pending.alarms.map((e) => e.eventId)).toEqual(['a2', 'a3']);
  old.close();
});
afterEach(() => dir.remove());

const open = (logger = recordingLogger()) => openBufferStore({ path, gatewayId: 'gw-1', extraMigrations: alarmMigrations, logger });

describe('alarms-002: one alarm table', () => {
  it('keeps every event of both tables once, in order, with its upload state, and uploads what never was', () => {
    const store = open();
    const db = store.db;
    expect(db.prepare("SELECT type FROM sqlite_schema WHERE name = 'alarm_audit'").pluck().get()).toBe('view');
    const ids = (alarm: string) => db.prepare('SELECT event_id FROM alarm_events WHERE alarm_id = ? ORDER BY id').pluck().all(alarm);
    expect(ids('alarm-a')).toEqual(['a1', 'a2', 'a3']);
    expect(ids('alarm-b')).toEqual(['b1', 'b2']);
    expect(ids('alarm-c')).toEqual(['c1', 'c2']);
    expect(ids('alarm-d')).toEqual(['d1', 'd2', 'd3', 'd4']);
    expect(db.prepare('SELECT count(*) FROM alarm_events').pluck().get()).toBe(11);

    // Upload state: B untouched (same rows), A's pending batch still holds a2 and a3.
    expect(db.prepare("SELECT id FROM alarm_events WHERE alarm_id = 'alarm-b' AND uploaded_at_ms IS NOT NULL ORDER BY id").pluck().all()).toEqual(before.uploadedIds);
    const outbox = new Outbox(store);
    expect(outbox.loadBatch(before.pendingSeq).alarms.map((e) => e.eventId)).toEqual(['a2', 'a3']);
    const next = outbox.nextBatch({ maxReadings: 100, inFlight: [before.pendingSeq] })!;
    expect(next.alarms.map((e) => e.eventId)).toEqual(['a1', 'c1', 'c2', 'd1', 'd2', 'd3', 'd4']);
    expect(next.alarms.find((e) => e.eventId === 'a1')).toEqual(A[0]);

    // The audit replays each alarm from the one table.
    const audit = new AuditQuery(db);
    expect(audit.history({ alarmId: 'alarm-a' }).map((e) => `${e.phase}:${e.actor}`)).toEqual(['cleared:null', 'acknowledged:nurse-ann', 'raised:null']);
    const a = audit.alarms({}).find((x) => x.alarmId === 'alarm-a')!;
    expect(a).toMatchObject({ raisedAtMs: A[0]!.timeMs, acknowledgedBy: 'nurse-ann', active: false });
    expect(openAlarms(db).map((x) => [x.alarmId, x.escalated, x.raisedAtMs])).toEqual([['alarm-d', true, D[0]!.timeMs]]);
    store.close();
  });

  it('leaves alarm_audit as a view for SQL readers; rows written through it land once in the one table', () => {
    const store = open();
    const db = store.db;
    expect(db.prepare("SELECT event_id FROM alarm_audit WHERE alarm_id = 'alarm-a' ORDER BY id").pluck().all()).toEqual(['a1', 'a2', 'a3']);
    // A process of the previous version, still running during the upgrade, writes as it did.
    const old = db.prepare(`INSERT OR IGNORE INTO alarm_audit (${COLUMNS}) VALUES (${COLUMNS.split(', ').map(() => '?').join(', ')})`);
    for (const e of [A[0]!, ev('e1', 'raised', 60)]) old.run(e.eventId, e.alarmId, e.bedId, e.patientId, e.deviceId, e.source, e.metric, e.condition, e.priority, e.phase, e.timeMs, e.value, e.actor, e.message, 0);
    expect(db.prepare("SELECT count(*) FROM alarm_events WHERE event_id IN ('a1', 'e1')").pluck().get()).toBe(2);
    expect(db.prepare("SELECT batch_seq FROM alarm_events WHERE event_id = 'e1'").pluck().get()).toBeNull();
    store.close();
  });

  it('runs once: reopening applies nothing and warns about nothing', () => {
    open().close();
    const logger = recordingLogger();
    const again = open(logger);
    expect(again.db.prepare("SELECT count(*) FROM schema_migrations WHERE id = 'alarms-002-one-alarm-table'").pluck().get()).toBe(1);
    expect(logger.lines.filter((l) => l.level !== 'debug')).toEqual([]);
    again.close();
  });

  it('gives the audit reads their indexes, and leaves the upload queue its own', () => {
    const store = open();
    const plan = (sql: string) => (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    const cases: [string, RegExp][] = [
      ["SELECT * FROM alarm_events WHERE alarm_id = 'x' ORDER BY id", /alarm_events_alarm/],
      ['SELECT * FROM alarm_events ORDER BY time_ms DESC, id DESC LIMIT 100', /alarm_events_time/],
      ["SELECT * FROM alarm_events WHERE bed_id = 'bed-1' ORDER BY time_ms DESC, id DESC LIMIT 100", /alarm_events_bed/],
      ['SELECT * FROM alarm_events WHERE batch_seq IS NULL ORDER BY time_ms, id LIMIT 10', /alarm_events_unbatched/],
      ['SELECT * FROM alarm_events WHERE batch_seq = 3 ORDER BY time_ms, id', /alarm_events_batch/],
    ];
    for (const [sql, index] of cases) {
      expect(plan(sql), sql).toMatch(index);
      expect(plan(sql), sql).not.toMatch(/USE TEMP B-TREE/);
    }
    store.close();
  });
});
