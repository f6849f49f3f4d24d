/**
 * Turns a unit's rows (and the readings of the blocks they fall into) into blocks.
 * Readings are grouped by series and hour (hospital, patient, metric, gateway, device,
 * UTC hour) here, so the rows can be taken in any order (a DELETE ... RETURNING has no
 * ORDER BY); within a group both inputs are put in time order and merged in one pass. A reading already in a block wins over a row with the same
 * (metric, gateway, device, t): that is the same reading sent again (a re-sent batch, a
 * gateway's replay), and the first stored copy is the one kept, as vital_data's
 * ON CONFLICT DO NOTHING does.
 */
import type { VitalColumns } from '../archive/columns.js';
import { encodeBlock, hourOf, type EncodedBlock, type SeriesReadings } from './block-encoder.js';
import type { BlockKey } from './block-copy.js';

export interface MergedBlock {
  key: BlockKey;
  block: EncodedBlock;
}

export interface MergeResult {
  blocks: MergedBlock[];
  /** Rows dropped because the same reading was already stored. */
  duplicates: number;
}

/** Pause for the event loop this often: the service's HTTP ingest shares the thread. */
const SLICE_MS = 10;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Group {
  key: Omit<BlockKey, 'bedId'>;
  /** Row indexes of the stored readings (`old`) and of the new rows, each in time order. */
  old: number[];
  rows: number[];
}

type TextName = 'hospital_id' | 'patient_id' | 'gateway_id' | 'device_id' | 'bed_id';

function text(cols: VitalColumns, column: TextName, i: number): string {
  const c = cols.text[column];
  return c.dict[c.ids[i]!]!;
}

/** Adds every reading of `cols` to its group, in the order of `cols`. */
function groupInto(groups: Map<string, Group>, cols: VitalColumns, side: 'old' | 'rows'): void {
  const ids = cols.text;
  for (let i = 0; i < cols.length; i++) {
    const hour = hourOf(cols.tUs[i]!);
    const id = `${ids.hospital_id.ids[i]}\u0000${ids.patient_id.ids[i]}\u0000${cols.metric[i]}\u0000${ids.gateway_id.ids[i]}\u0000${ids.device_id.ids[i]}\u0000${hour}`;
    let g = groups.get(id);
    if (!g) {
      const key = {
        hospitalId: text(cols, 'hospital_id', i),
        patientId: text(cols, 'patient_id', i),
        metric: cols.metric[i]!,
        gatewayId: text(cols, 'gateway_id', i),
        deviceId: text(cols, 'device_id', i),
      };
      // Keyed by dictionary ids, which differ between the two inputs: the old side is
      // looked up by its own ids, then re-keyed by value below.
      g = { key, old: [], rows: [] };
      groups.set(id, g);
    }
    g[side].push(i);
  }
}

/** Sorts a group's row indexes by time, unless they already are (the usual case: the
 * rows come from an index scan in primary key order). */
function inTimeOrder(indexes: number[], tUs: ArrayLike<number>): void {
  for (let k = 1; k < indexes.length; k++) {
    if (tUs[indexes[k]!]! < tUs[indexes[k - 1]!]!) {
      indexes.sort((a, b) => tUs[a]! - tUs[b]!);
      return;
    }
  }
}

/** Merges `rows` (from vital_data) into `old` (readings of existing blocks). */
export async function mergeIntoBlocks(rows: VitalColumns, old: VitalColumns | undefined, aggMask: number): Promise<MergeResult> {
  // Group each side by its own dictionary ids (cheap), then join the two by value.
  const byRows = new Map<string, Group>();
  groupInto(byRows, rows, 'rows');
  for (const g of byRows.values()) inTimeOrder(g.rows, rows.tUs);
  const groups = new Map<string, Group>();
  const valueKey = (g: Group, hourUs: number) => JSON.stringify([g.key.hospitalId, g.key.patientId, g.key.metric, g.key.gatewayId, g.key.deviceId, hourUs]);
  for (const g of byRows.values()) groups.set(valueKey(g, hourOf(rows.tUs[g.rows[0]!]!)), g);
  if (old) {
    const byOld = new Map<string, Group>();
    groupInto(byOld, old, 'old');
    for (const g of byOld.values()) {
      const k = valueKey(g, hourOf(old.tUs[g.old[0]!]!));
      const match = groups.get(k);
      if (match) match.old = g.old;
      else groups.set(k, g);
    }
  }

  const out: MergedBlock[] = [];
  let duplicates = 0;
  let sliceStart = performance.now();
  for (const g of groups.values()) {
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
    const series = new Gathered();
    let a = 0;
    let b = 0;
    while (a < g.old.length || b < g.rows.length) {
      const ta = a < g.old.length ? old!.tUs[g.old[a]!]! : Infinity;
      const tb = b < g.rows.length ? rows.tUs[g.rows[b]!]! : Infinity;
      if (ta === tb) {
        b++; // the stored copy wins
        duplicates++;
      } else if (ta < tb) series.push(old!, g.old[a++]!);
      else series.push(rows, g.rows[b++]!);
    }
    for (const [bedId, readings] of series.byBed()) out.push({ key: { ...g.key, bedId }, block: encodeBlock(readings, aggMask) });
  }
  return { blocks: out, duplicates };
}

/** One group's readings in time order, split by bed (almost always one) when encoded. */
class Gathered {
  private readonly tUs: number[] = [];
  private readonly receivedUs: number[] = [];
  private readonly batchSeq: number[] = [];
  private readonly value: number[] = [];
  private readonly flags: number[] = [];
  private readonly bed: string[] = [];

  push(cols: VitalColumns, i: number): void {
    this.tUs.push(cols.tUs[i]!);
    this.receivedUs.push(cols.receivedUs[i]!);
    this.batchSeq.push(cols.batchSeq[i]!);
    this.value.push(cols.value[i]!);
    this.flags.push(cols.flags[i]!);
    this.bed.push(text(cols, 'bed_id', i));
  }

  *byBed(): Generator<[string, SeriesReadings]> {
    const beds = new Set(this.bed);
    for (const bed of beds) {
      const pick = beds.size === 1 ? undefined : this.bed.map((x, i) => (x === bed ? i : -1)).filter((i) => i >= 0);
      const sel = <T>(xs: T[]): T[] => (pick ? pick.map((i) => xs[i]!) : xs);
      const tUs = sel(this.tUs);
      yield [bed, { tUs, receivedUs: sel(this.receivedUs), batchSeq: sel(this.batchSeq), value: sel(this.value), flags: sel(this.flags), start: 0, end: tUs.length }];
    }
  }
}

export type { EncodedBlock };
