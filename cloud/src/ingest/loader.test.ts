import { describe, expect, it } from 'vitest';
import { decodeBatch, decodeBatchColumns, encodeBatch, mdcCodeOfKey, METRICS, QualityFlag, type AlarmEvent, type Batch, type Reading } from '@wardlink/shared';
import { createTestLogger, silentLogger } from '../testing/logger.js';
import { useTestDatabase } from '../testing/pg.js';
import { partitionName } from '../storage/partitions.js';
import { runCompaction } from '../lifecycle/compaction/compaction-job.js';
import { createLifecycleContext } from '../lifecycle/context.js';
import { LocalFolderArchiveStore } from '../lifecycle/store/local-folder-store.js';
import { forgetCompactionHorizon } from './compaction-horizon.js';
import { loadBatch, type GatewayIdentity } from './loader.js';
import { batchOf, countRows, overTheWire, registerGateway, simulatedWard, T0 } from './testing/batches.js';

const db = useTestDatabase();
const opts = { logger: silentLogger };

async function gateway(id: string): Promise<GatewayIdentity> {
  await registerGateway(db.pool, 'h-load', 'w1', id);
  return { hospitalId: 'h-load', gatewayId: id, wardId: 'w1' };
}

interface Row {
  t: Date;
  received_at: Date;
  value: number;
  metric: number;
  flags: number;
  patient_id: string;
  device_id: string;
  bed_id: string;
  batch_seq: string;
}

async function rowsOf(gatewayId: string): Promise<Row[]> {
  const res = await db.pool.query<Row>(
    'SELECT t, received_at, value, metric, flags, patient_id, device_id, bed_id, batch_seq FROM vital_data WHERE gateway_id = $1 ORDER BY device_id, metric, t',
    [gatewayId],
  );
  return res.rows;
}

const expected = (readings: readonly Reading[]) =>
  readings
    .map((r) => ({
      t: r.deviceTimeMs,
      received_at: r.receivedAtMs,
      value: Math.fround(r.value),
      metric: mdcCodeOfKey(r.metric),
      flags: r.flags,
      patient_id: r.patientId ?? '',
      device_id: r.deviceId,
      bed_id: r.bedId,
    }))
    .sort((a, b) => (a.device_id < b.device_id ? -1 : a.device_id > b.device_id ? 1 : a.metric - b.metric || a.t - b.t));

const actual = (rows: Row[]) =>
  rows.map((r) => ({ t: r.t.getTime(), received_at: r.received_at.getTime(), value: Math.fround(r.value), metric: r.metric, flags: r.flags, patient_id: r.patient_id, device_id: r.device_id, bed_id: r.bed_id }));

describe('loadBatch', () => {
  it('stores every reading of a simulator batch with its value, bed, patient and times, and keeps latest_vitals current', async () => {
    const gw = await gateway('gw-values');
    const ward = simulatedWard('gw-values');
    const first = overTheWire(batchOf(ward, 1, T0));
    const second = overTheWire(batchOf(ward, 2, T0 + 10_000));
    expect(first.readings.length).toBeGreaterThan(1000);

    const r1 = await loadBatch(db.pool, gw, first, opts);
    expect(r1).toMatchObject({ duplicate: false, path: 'copy', readings: first.readings.length, storedReadings: first.readings.length });
    await loadBatch(db.pool, gw, second, opts);
    const rows = await rowsOf('gw-values');
    expect(actual(rows)).toEqual(expected([...first.readings, ...second.readings]));
    expect(new Set(rows.map((r) => r.batch_seq))).toEqual(new Set(['1', '2']));

    // latest_vitals: one row per (bed, metric), holding the newest reading of the two batches.
    const latest = await db.pool.query<{ bed_id: string; metric: number; t: Date; value: number; patient_id: string }>(
      'SELECT bed_id, metric, t, value, patient_id FROM latest_vitals WHERE gateway_id = $1',
      ['gw-values'],
    );
    const newest = new Map<string, Reading>();
    for (const r of [...first.readings, ...second.readings]) {
      const key = `${r.bedId}/${mdcCodeOfKey(r.metric)}`;
      if ((newest.get(key)?.deviceTimeMs ?? -1) < r.deviceTimeMs) newest.set(key, r);
    }
    expect(latest.rowCount).toBe(newest.size);
    for (const row of latest.rows) {
      const r = newest.get(`${row.bed_id}/${row.metric}`)!;
      expect(row.t.getTime()).toBe(r.deviceTimeMs);
      expect(Math.fround(row.value)).toBe(Math.fround(r.value));
      expect(row.patient_id).toBe(r.patientId ?? '');
    }
    const ledger = await db.pool.query('SELECT batch_seq, readings FROM batch_ledger WHERE gateway_id = $1 ORDER BY batch_seq', ['gw-values']);
    expect(ledger.rows).toEqual([
      { batch_seq: '1', readings: first.readings.length },
      { batch_seq: '2', readings: second.readings.length },
    ]);
  });

  it('stores the same rows from the columns the service decodes a batch into as from Reading objects, staged and duplicate paths included', async () => {
    const ward = simulatedWard('gw-cols');
    const odd = batchOf(ward, 1, T0);
    const suspect = { ...odd.readings[0]!, deviceId: 'mon-x', metric: 'TEMP' as const, value: 37.1 };
    odd.readings.push(
      { ...suspect, flags: QualityFlag.CLOCK_SUSPECT, deviceClockMs: T0 - 3_600_000 },
      { ...suspect, deviceTimeMs: suspect.deviceTimeMs + 1000, flags: QualityFlag.CLOCK_SUSPECT },
      { ...suspect, deviceTimeMs: suspect.deviceTimeMs + 2000, value: 1e300, flags: QualityFlag.INVALID, patientId: null },
    );
    const bytes = [encodeBatch(odd), encodeBatch(batchOf(ward, 2, T0, 20_000))];
    const objects = await gateway('gw-objects');
    const columns = await gateway('gw-columns');
    for (const b of bytes) {
      const byObjects = await loadBatch(db.pool, objects, decodeBatch(b), opts);
      const columnar = decodeBatchColumns(b).batch;
      const byColumns = await loadBatch(db.pool, columns, columnar, opts);
      expect(byColumns).toEqual({ ...byObjects, copyMs: byColumns.copyMs });
      expect(await loadBatch(db.pool, columns, columnar, opts)).toMatchObject({ duplicate: true, storedReadings: 0 });
    }
    expect(actual(await rowsOf('gw-columns'))).toEqual(actual(await rowsOf('gw-objects')));
    expect(await countRows(db.pool, 'vital_data', 'gw-columns')).toBe(decodeBatch(bytes[1]!).readings.length + 3);
    const latest = (gatewayId: string) =>
      db.pool.query('SELECT bed_id, metric, t, value, flags, patient_id, device_id FROM latest_vitals WHERE gateway_id = $1 ORDER BY bed_id, metric', [gatewayId]);
    expect((await latest('gw-columns')).rows).toEqual((await latest('gw-objects')).rows);
  });

  it('stores a batch once however often it is sent, even 5 times at once', async () => {
    const gw = await gateway('gw-once');
    const batch = overTheWire(batchOf(simulatedWard('gw-once'), 1, T0));
    expect((await loadBatch(db.pool, gw, batch, opts)).duplicate).toBe(false);
    const again = await loadBatch(db.pool, gw, batch, opts);
    expect(again).toMatchObject({ duplicate: true, path: 'duplicate', storedReadings: 0 });
    expect(await countRows(db.pool, 'vital_data', 'gw-once')).toBe(batch.readings.length);

    const concurrent = overTheWire(batchOf(simulatedWard('gw-once'), 2, T0 + 10_000));
    const results = await Promise.all(Array.from({ length: 5 }, () => loadBatch(db.pool, gw, concurrent, opts)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await countRows(db.pool, 'vital_data', 'gw-once')).toBe(batch.readings.length + concurrent.readings.length);
    expect(await countRows(db.pool, 'batch_ledger', 'gw-once')).toBe(2);
  });

  it('does not duplicate readings re-sent in a batch with a new sequence number', async () => {
    const gw = await gateway('gw-resend');
    const ward = simulatedWard('gw-resend');
    const a = overTheWire(batchOf(ward, 1, T0, 10_000));
    await loadBatch(db.pool, gw, a, opts);
    // After a crash the gateway re-sends the same readings, plus newer ones, as seq 2.
    const b = overTheWire(batchOf(ward, 2, T0, 20_000));
    const result = await loadBatch(db.pool, gw, b, opts);
    expect(result.path).toBe('staged');
    expect(result.storedReadings).toBe(b.readings.length - a.readings.length);
    expect(actual(await rowsOf('gw-resend'))).toEqual(expected(b.readings));
    // Exactly the same readings under yet another seq: nothing new, but the batch is accepted.
    const c = { ...b, seq: 3 };
    expect(await loadBatch(db.pool, gw, c, opts)).toMatchObject({ duplicate: false, path: 'staged', storedReadings: 0 });
    expect(await countRows(db.pool, 'vital_data', 'gw-resend')).toBe(b.readings.length);
  });

  it('counts and logs, never drops in silence, a reading whose key was stored with another value', async () => {
    const gw = await gateway('gw-conflict');
    const ward = simulatedWard('gw-conflict');
    const a = overTheWire(batchOf(ward, 1, T0, 10_000));
    expect((await loadBatch(db.pool, gw, a, opts)).conflictingReadings).toBe(0);
    // A re-sent copy of every reading (not a conflict), two of them with another value, one
    // new key twice with two values, and one new reading.
    const [r0, r1, r2] = a.readings as [Reading, Reading, Reading];
    const fresh: Reading = { ...r0, deviceTimeMs: r0.deviceTimeMs + 1, value: 70 };
    const b: Batch = {
      ...a,
      seq: 2,
      readings: [...a.readings.slice(2), { ...r0, value: r0.value + 1 }, { ...r1, value: r1.value + 2 }, fresh, { ...fresh, value: 71 }, { ...r2, deviceTimeMs: r2.deviceTimeMs + 1 }],
    };
    const result = await loadBatch(db.pool, gw, b, opts);
    expect(result).toMatchObject({ path: 'staged', storedReadings: 2, conflictingReadings: 3 });
    // What was stored first stays.
    const stored = await db.pool.query<{ value: number }>('SELECT value FROM vital_data WHERE gateway_id = $1 AND device_id = $2 AND metric = $3 AND t = $4', [
      'gw-conflict',
      r0.deviceId,
      mdcCodeOfKey(r0.metric),
      new Date(r0.deviceTimeMs),
    ]);
    expect(stored.rows.map((r) => r.value)).toEqual([Math.fround(r0.value)]);
    // Exactly the same batch again under another seq: copies only, no conflict.
    expect(await loadBatch(db.pool, gw, { ...a, seq: 3 }, opts)).toMatchObject({ storedReadings: 0, conflictingReadings: 0 });
  });

  it('writes the same rows with text and binary COPY, odd ids and out-of-range raw values included', async () => {
    const rows: Reading[] = [];
    const base = { deviceTimeMs: T0 + 1234, receivedAtMs: T0 + 1300, flags: 0 };
    const odd = [
      ['dev\ttab', 'bed\\1', 'pat\nline'],
      ['monitör-ü', 'lit 🛏', null],
    ] as const;
    for (const [deviceId, bedId, patientId] of odd) {
      rows.push({ ...base, gatewayId: '', deviceId, bedId, patientId, metric: 'TEMP', value: 36.6 });
      rows.push({ ...base, gatewayId: '', deviceId, bedId, patientId, metric: 'PI', value: 1.23 });
      rows.push({ ...base, gatewayId: '', deviceId, bedId, patientId, metric: 'HR', value: 1e300, flags: QualityFlag.INVALID });
      rows.push({ ...base, gatewayId: '', deviceId, bedId, patientId, metric: 'SPO2', value: -999, flags: QualityFlag.INVALID | QualityFlag.SENSOR_OFF });
    }
    const batchFor = (gatewayId: string): Batch => ({ gatewayId, seq: 1, createdAtMs: T0 + 5000, alarms: [], readings: rows.map((r) => ({ ...r, gatewayId })) });
    await loadBatch(db.pool, await gateway('gw-text'), batchFor('gw-text'), { ...opts, copyFormat: 'text' });
    await loadBatch(db.pool, await gateway('gw-binary'), batchFor('gw-binary'), { ...opts, copyFormat: 'binary' });
    const text = actual(await rowsOf('gw-text'));
    expect(text).toEqual(actual(await rowsOf('gw-binary')));
    expect(text).toEqual(expected(rows).map((r) => ({ ...r, value: r.value === 1e300 ? Infinity : r.value })));
    const latest = await db.pool.query('SELECT bed_id, patient_id, device_id, value FROM latest_vitals WHERE gateway_id = $1 AND metric = $2 ORDER BY bed_id', [
      'gw-binary',
      METRICS.HR.mdcCode,
    ]);
    expect(latest.rows).toEqual([
      { bed_id: 'bed\\1', patient_id: 'pat\nline', device_id: 'dev\ttab', value: Infinity },
      { bed_id: 'lit 🛏', patient_id: '', device_id: 'monitör-ü', value: Infinity },
    ]);
  });

  it('creates a missing day partition before its COPY, and recovers when a known one is dropped', async () => {
    const gw = await gateway('gw-days');
    const day = Date.UTC(2031, 4, 17, 23, 59, 55);
    const ward = simulatedWard('gw-days', 3);
    // A batch across midnight needs two partitions, neither of which exists yet.
    const cross = overTheWire({ ...batchOf(ward, 1, T0), readings: shiftTo(batchOf(ward, 1, T0).readings, day) });
    await loadBatch(db.pool, gw, cross, opts);
    const parts = await db.pool.query<{ relname: string }>("SELECT relname FROM pg_class WHERE relname IN ($1, $2)", [partitionName(day), partitionName(day + 10_000)]);
    expect(parts.rowCount).toBe(2);

    // Retention in another instance drops the second day; this process still believes in it.
    await db.pool.query(`DROP TABLE ${partitionName(day + 10_000)}`);
    const later = overTheWire({ ...batchOf(ward, 2, T0), seq: 2, readings: shiftTo(batchOf(ward, 2, T0 + 10_000).readings, day + 10_000) });
    const log = createTestLogger();
    const result = await loadBatch(db.pool, gw, later, { logger: log.logger });
    expect(log.text()).toContain('partition disappeared');
    expect(result.storedReadings).toBe(later.readings.length);
    expect(await countRows(db.pool, 'vital_data', 'gw-days')).toBe(later.readings.length + cross.readings.filter((r) => r.deviceTimeMs < Date.UTC(2031, 4, 18)).length);
  });

  it('stores alarm events once, and never lets an older reading overwrite latest_vitals', async () => {
    const gw = await gateway('gw-alarms');
    const alarm: AlarmEvent = {
      eventId: 'ev-1', alarmId: 'al-1', bedId: 'bed-01', patientId: 'P0001', deviceId: 'mon-01', source: 'physiological',
      metric: 'SPO2', condition: 'low', priority: 'high', phase: 'raised', timeMs: T0 + 500, value: 84, actor: null, message: 'SpO2 low 84',
    };
    const reading = (t: number, value: number): Reading => ({
      gatewayId: 'gw-alarms', deviceId: 'mon-01', bedId: 'bed-01', patientId: 'P0001', metric: 'SPO2', deviceTimeMs: t, receivedAtMs: t + 20, value, flags: 0,
    });
    await loadBatch(db.pool, gw, { gatewayId: 'gw-alarms', seq: 1, createdAtMs: T0 + 1000, alarms: [alarm], readings: [reading(T0 + 60_000, 97)] }, opts);
    // A backlog batch arrives later with the same alarm event and an older reading.
    const late = await loadBatch(db.pool, gw, { gatewayId: 'gw-alarms', seq: 2, createdAtMs: T0 + 2000, alarms: [alarm], readings: [reading(T0, 84)] }, opts);
    expect(late).toMatchObject({ storedAlarms: 0, storedReadings: 1 });
    const alarms = await db.pool.query('SELECT event_id, metric, value, priority, batch_seq FROM alarm_events WHERE gateway_id = $1', ['gw-alarms']);
    expect(alarms.rows).toEqual([{ event_id: 'ev-1', metric: METRICS.SPO2.mdcCode, value: 84, priority: 'high', batch_seq: '1' }]);
    const latest = await db.pool.query('SELECT value, t FROM latest_vitals WHERE gateway_id = $1', ['gw-alarms']);
    expect(latest.rows).toEqual([{ value: 97, t: new Date(T0 + 60_000) }]);
  });

  it('keeps uncatalogued terms under their code, one unit per hospital: converted, or flagged when it cannot be', async () => {
    const gw = await gateway('gw-terms');
    const pap = (i: number, value: number, unit: string | undefined, flags = 0): Reading => {
      const r: Reading = { gatewayId: 'gw-terms', deviceId: 'mon-1', bedId: 'bed-1', patientId: 'P1', metric: '150047', deviceTimeMs: T0 + i * 1000, receivedAtMs: T0 + i * 1000 + 20, value, flags };
      if (unit !== undefined) r.unit = unit;
      return r;
    };
    const hr = (i: number): Reading => ({ ...pap(i, 70 + i, undefined), metric: 'HR' });
    const batch = (seq: number, readings: Reading[]): Batch => overTheWire({ gatewayId: 'gw-terms', seq, createdAtMs: T0 + 60_000, alarms: [], readings });
    await loadBatch(db.pool, gw, batch(1, [hr(0), pap(0, 18.5, 'mm[Hg]')]), opts);
    // Later: the monitor was set to kPa (converted), then sends a unit no one can convert, then none.
    await loadBatch(db.pool, gw, batch(2, [hr(1), pap(1, 2.4, 'kPa'), pap(2, 3, 'Cel'), pap(3, 19, undefined), pap(4, -999, 'kPa', QualityFlag.INVALID)]), opts);
    const rows = await db.pool.query<{ t: Date; value: number; flags: number }>('SELECT t, value, flags FROM vital_data WHERE gateway_id = $1 AND metric = 150047 ORDER BY t', ['gw-terms']);
    expect(rows.rows[1]!.value).toBeCloseTo(18.0015, 3); // 2.4 kPa in mm[Hg]
    expect(rows.rows.map((r) => [r.value, r.flags])).toEqual([
      [18.5, 0],
      [rows.rows[1]!.value, 0],
      [3, QualityFlag.INVALID], // a temperature unit for a pressure: kept, never read as mm[Hg]
      [19, 0], // no unit stated: stored as sent
      [-999, QualityFlag.INVALID],
    ]);
    const units = await db.pool.query('SELECT metric, ucum, first_gateway_id FROM metric_units WHERE hospital_id = $1', ['h-load']);
    expect(units.rows).toEqual([{ metric: 150047, ucum: 'mm[Hg]', first_gateway_id: 'gw-terms' }]);
    expect(await countRows(db.pool, 'vital_data', 'gw-terms')).toBe(7);
  });

  it("keeps a suspect clock's own time in received_at: the reading's time is already the receive time", async () => {
    const gw = await gateway('gw-clock');
    const eightDaysAgo = T0 - 8 * 86_400_000;
    const suspect: Reading = { gatewayId: 'gw-clock', deviceId: 'mon-1', bedId: 'bed-1', patientId: 'P1', metric: 'SPO2', deviceTimeMs: T0, receivedAtMs: T0, value: 70, flags: QualityFlag.CLOCK_SUSPECT, deviceClockMs: eightDaysAgo };
    await loadBatch(db.pool, gw, overTheWire({ gatewayId: 'gw-clock', seq: 1, createdAtMs: T0 + 1000, alarms: [], readings: [suspect] }), opts);
    const row = (await rowsOf('gw-clock'))[0]!;
    expect(row.t.getTime()).toBe(T0);
    expect(row.received_at.getTime()).toBe(eightDaysAgo);
    expect(row.flags).toBe(QualityFlag.CLOCK_SUSPECT);
  });
});

/** The same readings moved so the first one falls at `startMs`. */
function shiftTo(readings: Reading[], startMs: number): Reading[] {
  const delta = startMs - readings[0]!.deviceTimeMs;
  return readings.map((r) => ({ ...r, deviceTimeMs: r.deviceTimeMs + delta, receivedAtMs: r.receivedAtMs + delta }));
}

describe('loadBatch after compaction', () => {
  it('never stores again a reading whose hour was compacted, when it is re-sent under a new batch seq', async () => {
    const gw = await gateway('gw-compacted');
    const ward = simulatedWard('gw-compacted');
    const first = overTheWire(batchOf(ward, 1, T0));
    expect((await loadBatch(db.pool, gw, first, opts)).storedReadings).toBe(first.readings.length);
    const ctx = createLifecycleContext({ pool: db.pool, logger: silentLogger, store: new LocalFolderArchiveStore('/nonexistent'), stagingDir: '/nonexistent' });
    const run = await runCompaction(ctx);
    expect(run.ran && run.value.readings).toBeGreaterThanOrEqual(first.readings.length);
    forgetCompactionHorizon(db.pool);
    const count = async () =>
      (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM vital_readings_of_hospital('h-load', $1, $2) WHERE gateway_id = 'gw-compacted'`, [new Date(T0 - 60_000), new Date(T0 + 60_000)])).rows[0]!.n;
    expect(await count()).toBe(first.readings.length);

    // After a crash the gateway re-batches what it had sent, with one new reading.
    const extra: Reading = { ...first.readings[0]!, deviceTimeMs: first.readings[0]!.deviceTimeMs + 1, value: 77 };
    const resent = { ...first, seq: 2, readings: [...first.readings, extra] };
    const r = await loadBatch(db.pool, gw, resent, opts);
    expect(r).toMatchObject({ duplicate: false, path: 'staged', storedReadings: 1 });
    expect(await count()).toBe(first.readings.length + 1);
  });
});
