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
