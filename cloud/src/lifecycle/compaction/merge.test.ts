import { describe, expect, it } from 'vitest';
import { ColumnBuilder, gather, type VitalColumns } from '../archive/columns.js';
import { mergeIntoBlocks } from './merge.js';

const HOUR_US = 3_600_000_000;
const T0 = 1_780_000_000 * 1_000_000 - ((1_780_000_000 * 1_000_000) % HOUR_US);

/** Two series (HR, SpO2) over two hours of one patient, every 30 s, in primary key order. */
function rows(): VitalColumns {
  const b = new ColumnBuilder(Number.MAX_SAFE_INTEGER);
  for (const metric of [1, 2]) {
    for (let t = T0; t < T0 + 2 * HOUR_US; t += 30_000_000) {
      const i = b.next();
      const c = b.columns;
      c.tUs[i] = t;
      c.receivedUs[i] = t + 800_000;
      c.batchSeq[i] = 1 + Math.floor((t - T0) / 300_000_000);
      c.value[i] = 60 + ((t / 30_000_000) % 17);
      c.metric[i] = metric;
      c.flags[i] = 0;
      c.text.hospital_id.ids[i] = b.intern('hospital_id', 'H1');
      c.text.patient_id.ids[i] = b.intern('patient_id', 'P1');
      c.text.gateway_id.ids[i] = b.intern('gateway_id', 'gw');
      c.text.device_id.ids[i] = b.intern('device_id', 'mon-1');
      c.text.bed_id.ids[i] = b.intern('bed_id', 'bed-1');
    }
  }
  return b.take()!;
}

describe('mergeIntoBlocks', () => {
  it('makes the same blocks from rows in any order (DELETE ... RETURNING has no ORDER BY)', async () => {
    const ordered = rows();
    const reversed = Uint32Array.from({ length: ordered.length }, (_, i) => ordered.length - 1 - i);
    const shuffled = Uint32Array.from({ length: ordered.length }, (_, i) => i);
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const expected = await mergeIntoBlocks(ordered, undefined, 0);
    expect(expected.blocks).toHaveLength(4); // 2 metrics x 2 hours
    expect(expected.blocks.map((b) => b.block.n)).toEqual([120, 120, 120, 120]);
    for (const order of [reversed, shuffled]) {
      const got = await mergeIntoBlocks(gather(ordered, order), undefined, 0);
      const key = (m: (typeof got.blocks)[number]) => `${m.key.metric}/${m.block.blockStartUs}`;
      const sorted = (xs: typeof got.blocks) => [...xs].sort((a, b) => key(a).localeCompare(key(b)));
      expect(sorted(got.blocks)).toEqual(sorted(expected.blocks));
      expect(got.duplicates).toBe(0);
    }
  });
});

/** Readings of one patient: [metric, t offset in s, bed, value] each, on one gateway and device. */
function readings(list: [number, number, string, number][]): VitalColumns {
  const b = new ColumnBuilder(Number.MAX_SAFE_INTEGER);
  for (const [metric, s, bed, value] of list) {
    const i = b.next();
    const c = b.columns;
    c.tUs[i] = T0 + s * 1_000_000;
    c.receivedUs[i] = T0 + s * 1_000_000 + 500_000;
    c.batchSeq[i] = 7;
    c.value[i] = value;
    c.metric[i] = metric;
    c.flags[i] = 0;
    c.text.hospital_id.ids[i] = b.intern('hospital_id', 'H1');
    c.text.patient_id.ids[i] = b.intern('patient_id', 'P1');
    c.text.gateway_id.ids[i] = b.intern('gateway_id', 'gw');
    c.text.device_id.ids[i] = b.intern('device_id', 'mon-1');
    c.text.bed_id.ids[i] = b.intern('bed_id', bed);
  }
  return b.take()!;
}

describe('mergeIntoBlocks, edge cases', () => {
  it('keeps a stored reading over a re-sent row, and splits a series whose bed changed mid-hour', async () => {
    const old = readings([[1, 0, 'bed-1', 60], [1, 20, 'bed-1', 62]]);
    const rows = readings([[1, 30, 'bed-2', 63], [1, 20, 'bed-1', 99], [1, 10, 'bed-1', 61]]);
    const got = await mergeIntoBlocks(rows, old, 0);
    expect(got.duplicates).toBe(1);
    const byBed = new Map(got.blocks.map((m) => [m.key.bedId, m.block]));
    expect([...byBed.keys()].sort()).toEqual(['bed-1', 'bed-2']);
    expect(byBed.get('bed-1')).toMatchObject({ n: 3, tFirstUs: T0, tLastUs: T0 + 20_000_000, vMin: 60, vMax: 62, vSum: 183 });
    expect(byBed.get('bed-2')).toMatchObject({ n: 1, tFirstUs: T0 + 30_000_000 });
  });

  it('keeps series apart past 64 metrics in one unit (numbered by string beyond that)', async () => {
    const list: [number, number, string, number][] = [];
    for (let m = 1; m <= 70; m++) for (const s of [2, 1]) list.push([m, s, 'bed-1', m]);
    const got = await mergeIntoBlocks(readings(list), undefined, 0);
    expect(got.blocks).toHaveLength(70);
    for (const b of got.blocks) expect(b.block).toMatchObject({ n: 2, vMin: b.key.metric, vMax: b.key.metric, tFirstUs: T0 + 1_000_000 });
  });
});
