import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { to as copyTo } from 'pg-copy-streams';
import { createLifecycleContext } from '../context.js';
import { ensurePartitions } from '../../storage/partitions.js';
import { restoreRange } from '../restore.js';
import { runRetention } from '../retention.js';
import { useLifecycleDatabase } from '../testing/db.js';
import { ManualClock } from '../testing/manual-clock.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { ARCHIVE_COLUMNS, ColumnBuilder, TEXT_COLUMNS, type VitalColumns } from './columns.js';
import { VitalCopyParser } from './copy-parser.js';
import { DuckDbReader } from './duckdb.js';
import { exportTable } from './export.js';
import { sourceStats } from './source-stats.js';
import { compareStats } from './stats.js';

const db = useLifecycleDatabase();
let h: Harness;

// Edge cases a partition can hold: µs times, received before t, huge batch numbers,
// ±Infinity/NaN (raw INVALID values), negative smallints, Unicode and COPY-special text.
const EDGE_ROWS = `
INSERT INTO edge_source (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id) VALUES
 ('2030-01-01 00:00:00.123456+00', '2029-12-31 23:59:59.999999+00', 1125899906842624, 'Infinity', 147842, -1, 'h-a', 'Zoë-β', 'gw-1', 'mon-1', 'bed 1'),
 ('2030-01-01 00:00:01.000001+00', '2030-01-01 00:00:01.5+00', 2, '-Infinity', 150456, 32767, 'h-a', '', 'gw-1', 'mon-1', 'bed 1'),
 ('2030-01-01 00:00:02+00', '2030-01-01 00:00:02+00', 3, 'NaN', 150364, 0, 'h-a', 'P"1', 'gw-1', 'mon-1', 'bed 1'),
 ('2030-01-01 12:00:00.5+00', '2030-01-01 12:00:00.6+00', 4, 36.6, 150364, 2, 'h-b', E'tab\\there', 'gw-2', E'back\\\\slash', E'new\\nline'),
 ('2030-01-01 23:59:59.999999+00', '2030-01-02 00:00:00.1+00', 5, -999, -5, -32768, 'h-b', '🫀 patient', 'gw-2', 'mon-2', 'bed-2'),
 ('2030-01-01 06:00:00+00', '2030-01-01 06:00:00+00', 6, 1e-30, 1, 0, 'h-b', 'p', 'gw-2', 'mon-2', 'bed-2');
-- One device whose rows arrive out of time order (a backlog): the export sorts them.
INSERT INTO edge_source (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id)
SELECT timestamptz '2030-01-01 08:00:00+00' + ((i * 37) % 50) * interval '1 second', now(), 100 + i, i / 4.0, 147842 + i % 3, 0, 'h-a', 'P9', 'gw-1', 'mon-9', 'bed-9'
FROM generate_series(0, 49) i;`;

beforeAll(async () => {
  h = createHarness(db.pool, { rowGroupRows: 7, maxBufferedRows: 10 });
  await db.pool.query('CREATE TABLE edge_source (LIKE vital_data INCLUDING DEFAULTS)');
  await db.pool.query(EDGE_ROWS);
});
afterAll(() => h?.cleanup());

async function copyBytes(): Promise<Buffer> {
  const client = await db.pool.connect();
  try {
    const chunks: Buffer[] = [];
    for await (const c of client.query(copyTo(`COPY edge_source (${ARCHIVE_COLUMNS.join(', ')}) TO STDOUT (FORMAT binary)`))) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  } finally {
    client.release();
  }
}

function parse(bytes: Buffer, cuts: number[]): Map<string, VitalColumns[]> {
  const builders = new Map<string, ColumnBuilder>();
  const out = new Map<string, VitalColumns[]>();
  const parser = new VitalCopyParser('edge_source', (hid) => {
    let b = builders.get(hid);
    if (!b) builders.set(hid, (b = new ColumnBuilder(5)));
    return b;
  });
  const flush = (hid: string, b: ColumnBuilder) => {
    const block = b.take();
    if (block) out.set(hid, [...(out.get(hid) ?? []), block]);
  };
  let prev = 0;
  for (const cut of [...cuts, bytes.length]) {
    parser.write(bytes.subarray(prev, cut));
    prev = cut;
    for (let full = parser.drain(); full; full = parser.drain()) flush([...builders].find(([, b]) => b === full)![0], full);
  }
  parser.end();
  for (const [hid, b] of builders) flush(hid, b);
  return out;
}

/** Plain rows of parsed blocks, for comparisons. */
function rowsOf(blocks: Map<string, VitalColumns[]>): string[] {
  const rows: string[] = [];
  for (const list of blocks.values()) {
    for (const c of list) {
      for (let i = 0; i < c.length; i++) {
        rows.push(JSON.stringify([c.tUs[i], c.receivedUs[i], c.batchSeq[i], String(c.value[i]), c.metric[i], c.flags[i], ...TEXT_COLUMNS.map((t) => c.text[t].dict[c.text[t].ids[i]!])]));
      }
    }
  }
  return rows.sort();
}

describe('the binary COPY parser', () => {
  it('reads every value exactly, whatever byte boundaries the stream is cut at', async () => {
    const bytes = await copyBytes();
    const whole = rowsOf(parse(bytes, []));
    expect(whole).toHaveLength(56);
    const pg = await db.pool.query(
      `SELECT (EXTRACT(EPOCH FROM t) * 1e6)::bigint::float8 AS t, (EXTRACT(EPOCH FROM received_at) * 1e6)::bigint::float8 AS r, batch_seq::float8 AS s,
              value::float8 AS v, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id FROM edge_source`,
    );
    const expected = pg.rows.map((r) => JSON.stringify([r.t, r.r, r.s, String(r.v), r.metric, r.flags, r.hospital_id, r.patient_id, r.gateway_id, r.device_id, r.bed_id])).sort();
    expect(whole).toEqual(expected);
    for (let cut = 1; cut < bytes.length; cut++) expect(rowsOf(parse(bytes, [cut]))).toEqual(whole);
    expect(rowsOf(parse(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)))).toEqual(whole);
  });

  it('refuses a stream cut short', async () => {
    const bytes = await copyBytes();
    expect(() => parse(bytes.subarray(0, bytes.length - 2), [])).toThrow(/ended early/);
  });
});

describe('the Parquet export', () => {
  it('writes one file per hospital that DuckDB reads back value for value, sorted by device and time', async () => {
    const files = await exportTable(h.ctx, 'edge_source', `${h.dir}/export`, { 'wardlink.table': 'edge_source' });
    expect(files.map((f) => [f.hospitalId, f.stats.rows])).toEqual([
      ['h-a', 53],
      ['h-b', 3],
    ]);
    const sources = await sourceStats(db.pool, 'edge_source');
    const duck = await DuckDbReader.open();
    try {
      for (const f of files) {
        const read = await duck.stats(f.file.path);
        expect(compareStats(f.stats, read, 'duckdb')).toEqual([]);
        expect(compareStats(sources.get(f.hospitalId)!, f.stats, 'source')).toEqual([]);
      }
      expect(files[0]!.stats.nonFiniteValues).toBe(3);
      const back: string[] = [];
      for (const f of files) for await (const block of duck.rows(f.file.path)) back.push(...rowsOf(new Map([['x', [block]]])));
      expect(back.sort()).toEqual(rowsOf(parse(await copyBytes(), [])));
      // Within a row group: gateway, device, then time order (mon-9's backlog rows were sorted).
      const big = createLifecycleContext({ ...h.ctx, settings: { ...h.ctx.settings, rowGroupRows: 1000, maxBufferedRows: 2000 } });
      const [one] = await exportTable(big, 'edge_source', `${h.dir}/export-big`, {});
      const order = await (await import('@duckdb/node-api')).DuckDBInstance.create(':memory:').then(async (inst) => {
        const con = await inst.connect();
        const res = await con.runAndReadAll(`SELECT device_id, epoch_us(t) FROM read_parquet('${one!.file.path}')`);
        con.closeSync();
        inst.closeSync();
        return res.getRows().map((r) => [r[0] as string, Number(r[1] as bigint)] as const);
      });
      const sorted = [...order].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
      expect(order).toEqual(sorted);
    } finally {
      duck.close();
    }
  });
});

describe('a partition of edge cases through archive and restore', () => {
  it('comes back identical, value for value', async () => {
    await ensurePartitions(db.pool, { fromDay: '2030-01-01', toDay: '2030-01-01' });
    await db.pool.query('INSERT INTO vital_data SELECT * FROM edge_source');
    const ctx = createLifecycleContext({ ...h.ctx, settings: { ...h.ctx.settings, hotDays: 1 }, clock: new ManualClock(Date.UTC(2030, 0, 2, 12)) });
    const result = await runRetention(ctx, { failFast: true, skipPurge: true });
    expect(result.archived.map((a) => [a.partition, a.rows])).toEqual([['vital_data_p20300101', 56]]);
    const restored = await restoreRange(ctx, { from: new Date(Date.UTC(2030, 0, 1)), to: new Date(Date.UTC(2030, 0, 2)), into: 'edge_restored' });
    expect(restored.rowsInserted).toBe(56);
    const diff = await db.pool.query(
      `SELECT count(*)::int AS n FROM ((SELECT * FROM edge_source EXCEPT SELECT * FROM edge_restored) UNION ALL (SELECT * FROM edge_restored EXCEPT SELECT * FROM edge_source)) d`,
    );
    expect(diff.rows[0].n).toBe(0);
  });
});

