/**
 * Turns a unit's rows (and the readings of the blocks they fall into) into blocks. Both
 * inputs arrive sorted by (metric, gateway, device, t); they are merged in one pass.
 * A reading already in a block wins over a row with the same (metric, gateway, device,
 * t): that is the same reading sent again (a re-sent batch, a gateway's replay), and the
 * first stored copy is the one kept, as vital_data's ON CONFLICT DO NOTHING does.
 */
import type { VitalColumns } from '../archive/columns.js';
import { encodeBlock, hourOf, type EncodedBlock } from './block-encoder.js';
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

interface Cursor {
  cols: VitalColumns;
  i: number;
}

/** Pause for the event loop this often: the service's HTTP ingest shares the thread. */
const SLICE_MS = 10;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Merges `rows` (from vital_data) into `old` (readings of existing blocks). */
export async function mergeIntoBlocks(rows: VitalColumns, old: VitalColumns | undefined, aggMask: number): Promise<MergeResult> {
  let sliceStart = performance.now();
  let step = 0;
  const a: Cursor = { cols: old ?? rows, i: old ? 0 : rows.length };
  const b: Cursor = { cols: rows, i: 0 };
  const out: MergedBlock[] = [];
  let duplicates = 0;

  // Readings of the current group (metric, gateway, device, hour, bed), gathered here.
  let group: Gathered | undefined;
  const flush = () => {
    if (!group || group.tUs.length === 0) return;
    for (const [bedId, series] of group.byBed()) {
      out.push({ key: { ...group.key, bedId }, block: encodeBlock(series, aggMask) });
    }
    group = undefined;
  };

  for (;;) {
    if ((++step & 1023) === 0 && performance.now() - sliceStart >= SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
    const hasA = a.i < a.cols.length;
    const hasB = b.i < b.cols.length;
    if (!hasA && !hasB) break;
    let take: Cursor;
    if (hasA && hasB) {
      const c = compare(a, b);
      if (c === 0) {
        b.i++; // the stored copy wins
        duplicates++;
        continue;
      }
      take = c < 0 ? a : b;
    } else take = hasA ? a : b;
    const cols = take.cols;
    const i = take.i++;
    const hospitalId = text(cols, 'hospital_id', i);
    const patientId = text(cols, 'patient_id', i);
    const gatewayId = text(cols, 'gateway_id', i);
    const deviceId = text(cols, 'device_id', i);
    const metric = cols.metric[i]!;
    const hour = hourOf(cols.tUs[i]!);
    if (!group || !group.matches(hospitalId, patientId, metric, gatewayId, deviceId, hour)) {
      flush();
      group = new Gathered({ hospitalId, patientId, metric, gatewayId, deviceId }, hour);
    }
    group.push(cols.tUs[i]!, cols.receivedUs[i]!, cols.batchSeq[i]!, cols.value[i]!, cols.flags[i]!, text(cols, 'bed_id', i));
  }
  flush();
  return { blocks: out, duplicates };
}

type TextName = 'hospital_id' | 'patient_id' | 'gateway_id' | 'device_id' | 'bed_id';

function text(cols: VitalColumns, column: TextName, i: number): string {
  const c = cols.text[column];
  return c.dict[c.ids[i]!]!;
}

/** Orders by (hospital, patient, metric, gateway, device, t), the order both inputs come
 * in: PostgreSQL's COLLATE "C", the order of the UTF-8 bytes, which is not JavaScript's
 * UTF-16 order for characters above U+FFFF against U+E000..U+FFFF. */
function compare(a: Cursor, b: Cursor): number {
  for (const column of ['hospital_id', 'patient_id'] as const) {
    const c = compareC(text(a.cols, column, a.i), text(b.cols, column, b.i));
    if (c !== 0) return c;
  }
  const m = a.cols.metric[a.i]! - b.cols.metric[b.i]!;
  if (m !== 0) return m;
  for (const column of ['gateway_id', 'device_id'] as const) {
    const c = compareC(text(a.cols, column, a.i), text(b.cols, column, b.i));
    if (c !== 0) return c;
  }
  return a.cols.tUs[a.i]! - b.cols.tUs[b.i]!;
}

/** Byte order of the UTF-8 encodings (COLLATE "C"); equal strings, the usual case, cost one comparison. */
export function compareC(x: string, y: string): number {
  if (x === y) return 0;
  return Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8'));
}

class Gathered {
  readonly tUs: number[] = [];
  private readonly receivedUs: number[] = [];
  private readonly batchSeq: number[] = [];
  private readonly value: number[] = [];
  private readonly flags: number[] = [];
  private readonly bed: string[] = [];

  constructor(
    readonly key: Omit<BlockKey, 'bedId'>,
    private readonly hour: number,
  ) {}

  matches(hospitalId: string, patientId: string, metric: number, gatewayId: string, deviceId: string, hour: number): boolean {
    const k = this.key;
    return hour === this.hour && metric === k.metric && deviceId === k.deviceId && gatewayId === k.gatewayId && patientId === k.patientId && hospitalId === k.hospitalId;
  }

  push(tUs: number, receivedUs: number, batchSeq: number, value: number, flags: number, bed: string): void {
    this.tUs.push(tUs);
    this.receivedUs.push(receivedUs);
    this.batchSeq.push(batchSeq);
    this.value.push(value);
    this.flags.push(flags);
    this.bed.push(bed);
  }

  /** The readings of each bed (almost always one) as encodable series. */
  *byBed(): Generator<[string, Parameters<typeof encodeBlock>[0]]> {
    const beds = new Set(this.bed);
    for (const bed of beds) {
      const pick = beds.size === 1 ? undefined : this.bed.map((b, i) => (b === bed ? i : -1)).filter((i) => i >= 0);
      const sel = <T>(xs: T[]): T[] => (pick ? pick.map((i) => xs[i]!) : xs);
      const tUs = sel(this.tUs);
      yield [bed, { tUs, receivedUs: sel(this.receivedUs), batchSeq: sel(this.batchSeq), value: sel(this.value), flags: sel(this.flags), start: 0, end: tUs.length }];
    }
  }
}

export type { EncodedBlock };
