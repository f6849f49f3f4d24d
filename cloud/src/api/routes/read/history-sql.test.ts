/**
 * HISTORY_STREAM_SQL, its blocks unpacked by the service (hour-rows.ts), answers exactly
 * HISTORY_SQL's readings, in the same order, over both tiers: compacted hours (several
 * devices, so several blocks in one hour), late rows that arrived in vital_data for an
 * hour already compacted, ranges that start and end inside an hour, and every encoding
 * of a block (whole seconds and microseconds, scaled and raw values, NaN, small and large
 * clock lags, CLOCK_SUSPECT readings); hours of rows not compacted yet, gathered into one
 * row an hour; and random readings of several devices (equal times, NaN and infinities,
 * random flags and clocks) over random ranges. And its plan sorts nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QualityFlag } from '@wardlink/shared';
import { runCompaction } from '../../../lifecycle/compaction/compaction-job.js';
import { useLifecycleDatabase } from '../../../lifecycle/testing/db.js';
import { createHarness, type Harness } from '../../../lifecycle/testing/harness.js';
import { HISTORY_SQL } from '../../../storage/queries.js';
import { HR, seedHistory, seedHospital } from '../../testing/read-fixtures.js';
import { HISTORY_STREAM_SQL, type HourRow } from './history-sql.js';
import { hourRowsSource } from './hour-rows.js';
import { cursorSource, INT8_AS_NUMBER } from './row-source.js';
import { HistoryLines, type HistoryRow } from './history-line.js';
import { ndjsonLine } from './ndjson.js';
import { flagNames } from './vital-view.js';

const db = useLifecycleDatabase();
const D0 = Date.parse('2026-03-01T00:00:00Z');
let h: Harness;

const insert = (rows: string) =>
  db.pool.query(`INSERT INTO vital_data (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id) VALUES ${rows}`);

/** Both statements' readings as comparable text: t in µs (exact), value, flags, and
 * received_at where the route shows it; and the NDJSON the route writes of the stream's
 * runs (history-line.ts, from the block's columns for an hour of one block) beside the
 * lines JSON.stringify makes of HISTORY_SQL's readings. */
async function both(from: string, to: string, patient = 'P1'): Promise<{ plain: string[]; stream: string[]; lines: string; expectedLines: string }> {
  const params = ['h-sql', patient, HR, new Date(from), new Date(to)];
  const plain = await db.pool.query<{ t_us: string; value: number; flags: number; r_ms: string }>(
    `SELECT (extract(epoch FROM t) * 1000000)::int8 AS t_us, value, flags, floor(extract(epoch FROM received_at) * 1000)::int8 AS r_ms FROM (${HISTORY_SQL}) q`,
    params,
  );
  const source = hourRowsSource(await cursorSource<HourRow>(db.pool, HISTORY_STREAM_SQL, [...params, QualityFlag.CLOCK_SUSPECT], { types: INT8_AS_NUMBER, batchRows: 7 }), {
    from: new Date(from),
    to: new Date(to),
    suspectBit: QualityFlag.CLOCK_SUSPECT,
  });
  const stream: HistoryRow[] = [];
  for (let rows = await source.next(); rows.length > 0; rows = await source.next()) stream.push(...rows);
  await source.close();
  const runs = hourRowsSource(await cursorSource<HourRow>(db.pool, HISTORY_STREAM_SQL, [...params, QualityFlag.CLOCK_SUSPECT], { types: INT8_AS_NUMBER, batchRows: 3 }), {
    from: new Date(from),
    to: new Date(to),
    suspectBit: QualityFlag.CLOCK_SUSPECT,
  });
  const writer = new HistoryLines();
  let lines = '';
  for (let batch = await runs.nextRuns(); batch.length > 0; batch = await runs.nextRuns()) {
    for (const run of batch) writer.addRun(run);
    lines += writer.take().toString();
  }
  await runs.close();
  const iso = (ms: number | string) => new Date(Number(ms)).toISOString();
  const expectedLines = plain.rows
    .map((r) => ndjsonLine({ t: iso(Math.floor(Number(r.t_us) / 1000)), value: r.value, flags: flagNames(r.flags), ...(r.flags & QualityFlag.CLOCK_SUSPECT ? { deviceClock: iso(r.r_ms) } : {}) }))
    .join('');
  return {
    lines,
    expectedLines,
    plain: plain.rows.map((r) => `${Math.floor(Number(r.t_us) / 1000)} ${r.value} ${r.flags} ${r.flags & QualityFlag.CLOCK_SUSPECT ? r.r_ms : null}`),
    stream: stream.map((r) => `${r.t_ms} ${r.value} ${r.flags} ${r.device_ms}`),
  };
}

beforeAll(async () => {
  h = createHarness(db.pool, {}, D0 + 2 * 86_400_000);
  await seedHospital(db.pool, 'h-sql', 1, new Date(D0));
  await seedHistory(db.pool, 'h-sql', 'P1', new Date(D0), 36 * 60); // every minute of 36 h, mon-1
  // A second device of the same patient in the same hours: two blocks per hour, interleaved in time.
  await insert(
    `('2026-03-01T05:00:30.123456Z', '2026-02-20T05:00:00.5Z', 2, 36.3, ${HR}, 8, 'h-sql', 'P1', 'h-sql-gw', 'mon-2', 'bed-1'),
     ('2026-03-01T05:10:30Z', '2026-03-01T05:10:31Z', 2, 37.5, ${HR}, 0, 'h-sql', 'P1', 'h-sql-gw', 'mon-2', 'bed-1'),
     ('2026-03-01T05:59:59.999999Z', '2026-03-01T06:00:01Z', 2, 0.1, ${HR}, 1, 'h-sql', 'P1', 'h-sql-gw', 'mon-2', 'bed-1')`,
  );
  // A third device whose values no scale holds (stored raw), with NaN and infinities; a
  // fourth with no flag at all.
  await insert(
    `('2026-03-01T05:20:00.5Z', '2026-03-01T05:20:00.540Z', 4, 1e-7, ${HR}, 0, 'h-sql', 'P1', 'h-sql-gw', 'mon-4', 'bed-1'),
     ('2026-03-01T05:20:01.5Z', '2026-03-01T05:20:01.540Z', 4, 'NaN', ${HR}, 1, 'h-sql', 'P1', 'h-sql-gw', 'mon-4', 'bed-1'),
     ('2026-03-01T05:20:02.5Z', '2026-03-01T05:20:01Z', 4, 'Infinity', ${HR}, 8, 'h-sql', 'P1', 'h-sql-gw', 'mon-4', 'bed-1'),
     ('2026-03-01T05:20:03.5Z', '2026-03-01T05:20:03.540Z', 4, 3.4028235e38, ${HR}, 0, 'h-sql', 'P1', 'h-sql-gw', 'mon-4', 'bed-1'),
     ('2026-03-01T05:20:04.5Z', '2026-03-01T05:20:04.540Z', 4, -0.333333, ${HR}, 0, 'h-sql', 'P1', 'h-sql-gw', 'mon-4', 'bed-1'),
     ('2026-03-01T07:40:10Z', '2026-03-01T07:40:10.040Z', 5, 71, ${HR}, 0, 'h-sql', 'P1', 'h-sql-gw', 'mon-5', 'bed-1'),
     ('2026-03-01T07:40:11Z', '2026-03-01T07:40:11.040Z', 5, 72, ${HR}, 0, 'h-sql', 'P1', 'h-sql-gw', 'mon-5', 'bed-1')`,
  );
  expect((await runCompaction(h.ctx)).ran).toBe(true);
  expect((await db.pool.query("SELECT count(*)::int AS n FROM vital_blocks WHERE hospital_id = 'h-sql'")).rows[0].n).toBeGreaterThan(24);
  // Late readings for hours already compacted: they stay rows beside the blocks.
  await insert(
    `('2026-03-01T05:00:15Z', '2026-03-01T07:00:00Z', 3, 55, ${HR}, 8, 'h-sql', 'P1', 'h-sql-gw', 'mon-3', 'bed-1'),
     ('2026-03-01T05:30:15Z', '2026-03-01T07:00:00Z', 3, 56, ${HR}, 0, 'h-sql', 'P1', 'h-sql-gw', 'mon-3', 'bed-1')`,
  );
}, 60_000);
afterAll(() => h?.cleanup());

describe('HISTORY_STREAM_SQL', () => {
  it.each([
    ['whole hours of blocks and rows', '2026-03-01T00:00:00Z', '2026-03-02T12:00:00Z'],
    ['starting and ending inside an hour', '2026-03-01T04:59:30Z', '2026-03-01T05:30:15Z'],
    ['inside one hour, on a microsecond time', '2026-03-01T05:00:30.123456Z', '2026-03-01T05:59:59.999999Z'],
    ['across midnight', '2026-03-01T23:30:00Z', '2026-03-02T00:30:00.5Z'],
    ['past the end of the readings', '2026-03-02T10:00:00Z', '2026-03-03T00:00:00Z'],
  ])('answers exactly what HISTORY_SQL answers, in its order: %s', async (_, from, to) => {
    const { plain, stream, lines, expectedLines } = await both(from, to);
    expect(plain.length).toBeGreaterThan(0);
    expect(stream).toEqual(plain);
    expect(lines).toBe(expectedLines);
  });

  it('holds the late rows beside the blocks of their hour, in time order', async () => {
    const { stream } = await both('2026-03-01T05:00:00Z', '2026-03-01T06:00:00Z');
    expect(stream.slice(0, 4)).toEqual(['1772341200000 80 2 null', '1772341215000 55 8 1772348400000', '1772341230123 36.3 8 1771563600500', '1772341260000 81 0 null']);
    const times = stream.map((l) => Number(l.split(' ')[0]));
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
  });

  it('uses every encoding of a block', async () => {
    const kinds = (
      await db.pool.query<{ k: string }>(
        `SELECT DISTINCT concat_ws(' ', CASE WHEN dt IS NULL THEN 'dt64' ELSE 'dt' END, CASE WHEN v_scale = 0 THEN 'raw' ELSE 'scaled' END,
                CASE WHEN lag16 IS NULL THEN 'lag64' ELSE 'lag16' END, CASE WHEN flags IS NULL THEN 'noflags' ELSE 'flags' END) AS k
         FROM vital_blocks WHERE hospital_id = 'h-sql' ORDER BY 1`,
      )
    ).rows.map((r) => r.k);
    for (const k of ['dt64', 'dt ', 'raw', 'scaled', 'lag64', 'lag16', 'noflags', ' flags']) expect(kinds.join('|')).toContain(k);
  });

  it('sorts nothing: the hours come in order, each read by index', async () => {
    const plan = (await db.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${HISTORY_STREAM_SQL}`, ['h-sql', 'P1', HR, new Date(D0), new Date(D0 + 36 * 3_600_000), QualityFlag.CLOCK_SUSPECT])).rows
      .map((r) => r['QUERY PLAN'])
      .join('\n');
    // On Citus (WARDLINK_TEST_CITUS=1) the plan is the worker's, under the router's task.
    const lines = plan.split('\n');
    const task = lines.findIndex((l) => /Node: host=/.test(l));
    expect(lines[task + 1]!.trim().replace(/^->\s+/, '')).toMatch(/^Nested Loop/);
    expect(plan).not.toMatch(/Sort/);
    expect(plan).toMatch(/Index Scan using vital_blocks_p20260301_pkey/);
  });

  it('plans on the number of hours the range has, so its cost is not guessed past jit_above_cost', async () => {
    const plan = (await db.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${HISTORY_STREAM_SQL}`, ['h-sql', 'P1', HR, new Date(D0 + 1_800_000), new Date(D0 + 36 * 3_600_000), QualityFlag.CLOCK_SUSPECT])).rows
      .map((r) => r['QUERY PLAN'])
      .join('\n');
    // 00:00 to 36:00, from inside the first hour: 36 hours.
    expect(plan).toMatch(/Function Scan on generate_series h {2}\(cost=[\d.]+ rows=36 /);
  });

  it('answers what HISTORY_SQL answers for random readings, compacted or not, over random ranges', async () => {
    const random = lcg(20_261_206);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const H10 = Date.parse('2026-03-01T10:00:00Z');
    /** Readings of 3 devices over hours [fromH, toH) after 10:00: mon-1 every second (whole
     * values: scaled blocks), mon-2 and mon-3 at random µs times, some at the same
     * time as another device's (and each other's), with awkward values, random flags and clocks. */
    const readings = (fromH: number, toH: number, seq: number) => {
      const values = ['72', '36.6', '-0.333333', '1e-7', '3.4028235e38', '-3.4028235e38', "'NaN'", "'Infinity'", "'-Infinity'", '0', '-0', '101.25'];
      const flags = [0, 0, 0, QualityFlag.CLOCK_SUSPECT, QualityFlag.CLOCK_SUSPECT | QualityFlag.INVALID, QualityFlag.INVALID, QualityFlag.SENSOR_OFF];
      const out: string[] = [];
      const row = (tUs: number, device: string, value: string, flag: number) => {
        const lagUs = pick([40_000, -3_600_000_000, 123_457, 86_400_000_000 * 30, 1]);
        const iso = (us: number) => `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 23)}${String(us % 1000).padStart(3, '0')}Z`;
        out.push(`('${iso(tUs)}', '${iso(tUs + lagUs)}', ${seq}, ${value}, ${HR}, ${flag}, 'h-sql', 'PR', 'h-sql-gw', '${device}', 'bed-9')`);
      };
      const taken = new Set<string>();
      for (let s = fromH * 3_600; s < toH * 3_600; s += 1 + Math.floor(random() * 40)) {
        const tUs = (H10 + s * 1000) * 1000;
        row(tUs, 'mon-1', String(60 + Math.floor(random() * 40)), pick([0, 0, 0, QualityFlag.CLOCK_SUSPECT]));
        for (const device of ['mon-2', 'mon-3']) {
          if (random() < 0.3) {
            // The same time as mon-1's reading, or a random one nearby.
            const t = random() < 0.5 ? tUs : tUs + Math.floor(random() * 40_000_000);
            if (taken.has(`${device} ${t}`)) continue;
            taken.add(`${device} ${t}`);
            row(t, device, pick(values), pick(flags));
          }
        }
      }
      return out.join(',\n');
    };
    await insert(readings(0, 6, 7));
    expect((await runCompaction(h.ctx)).ran).toBe(true);
    // Late rows beside the blocks of 10:00-16:00, and hours never compacted after them.
    await insert(readings(2, 4, 8));
    await insert(readings(6, 9, 9));
    const counts = (await db.pool.query<{ rows: number; blocks: number }>(
      `SELECT (SELECT count(*)::int FROM vital_data WHERE hospital_id = 'h-sql' AND patient_id = 'PR') AS rows,
              (SELECT count(*)::int FROM vital_blocks WHERE hospital_id = 'h-sql' AND patient_id = 'PR') AS blocks`,
    )).rows[0]!;
    expect(counts.rows).toBeGreaterThan(1_000);
    expect(counts.blocks).toBeGreaterThan(6);
    const at = (us: number) => `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 23)}${String(us % 1000).padStart(3, '0')}Z`;
    const ranges: Array<[string, string]> = [[at((H10 - 3_600_000) * 1000), at((H10 + 10 * 3_600_000) * 1000)]];
    for (let i = 0; i < 24; i++) {
      const a = (H10 - 1_800_000) * 1000 + Math.floor(random() * 10 * 3_600e6);
      const b = a + Math.floor(random() * pick([60e6, 3_600e6, 4 * 3_600e6]));
      ranges.push([at(a), at(b)]);
    }
    for (const [from, to] of ranges) {
      const { plain, stream, lines, expectedLines } = await both(from, to, 'PR');
      // Readings at the same time come in either order from HISTORY_SQL (its sort is not
      // stable): compared as sets, and the stream's in time order.
      expect(sorted(stream), `${from} ${to}`).toEqual(sorted(plain));
      expect(sorted(lines.split('\n')), `${from} ${to}`).toEqual(sorted(expectedLines.split('\n')));
      const times = stream.map((l) => Number(l.split(' ')[0]));
      expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    }
  }, 60_000);
});

const sorted = (lines: string[]) => [...lines].sort();

/** A small seeded generator (a test's data is the same on every run). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}
