/**
 * The figures an archive is verified by: row count, time range, and per-column sums.
 * Integer sums are exact (bigint, kept as decimal strings in JSON) so three independent
 * computations (the export in Node, PostgreSQL over the source, DuckDB over the file)
 * must agree to the last digit; the float sum of `value` is compared with a tolerance,
 * since each engine adds in its own order.
 */
import { TEXT_COLUMNS, type VitalColumns } from './columns.js';

export interface ArchiveStats {
  rows: number;
  /** µs since the epoch, as decimal strings; null when there are no rows. */
  minTUs: string | null;
  maxTUs: string | null;
  sumTUs: string;
  sumReceivedUs: string;
  sumBatchSeq: string;
  sumMetric: string;
  sumFlags: string;
  /** Total UTF-8 bytes of the five text columns. */
  textBytes: string;
  /** Sum of the finite values (an INVALID raw value may be stored as ±Infinity). */
  sumValue: number;
  /** Values that are ±Infinity or NaN, counted instead of summed. */
  nonFiniteValues: number;
}

const SPLIT = 2 ** 24;

/** An exact sum of integers below 2^53 in magnitude, without a BigInt per value. */
export class ExactSum {
  private hi = 0;
  private lo = 0;
  private count = 0;
  private total = 0n;

  add(v: number): void {
    const h = Math.floor(v / SPLIT);
    this.hi += h;
    this.lo += v - h * SPLIT;
    if (++this.count === 1 << 20) this.flush();
  }

  addBig(v: bigint): void {
    this.total += v;
  }

  value(): bigint {
    this.flush();
    return this.total;
  }

  private flush(): void {
    this.total += BigInt(this.hi) * BigInt(SPLIT) + BigInt(this.lo);
    this.hi = 0;
    this.lo = 0;
    this.count = 0;
  }
}

const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');

export class StatsAccumulator {
  private rows = 0;
  private min = Infinity;
  private max = -Infinity;
  private readonly t = new ExactSum();
  private readonly received = new ExactSum();
  private readonly seq = new ExactSum();
  private readonly metric = new ExactSum();
  private readonly flags = new ExactSum();
  private readonly text = new ExactSum();
  private value = 0;
  private nonFinite = 0;

  add(cols: VitalColumns): void {
    const n = cols.length;
    for (let i = 0; i < n; i++) {
      const t = cols.tUs[i]!;
      if (t < this.min) this.min = t;
      if (t > this.max) this.max = t;
      this.t.add(t);
      this.received.add(cols.receivedUs[i]!);
      this.seq.add(cols.batchSeq[i]!);
      this.metric.add(cols.metric[i]!);
      this.flags.add(cols.flags[i]!);
      const v = cols.value[i]!;
      if (Number.isFinite(v)) this.value += v;
      else this.nonFinite++;
    }
    for (const c of TEXT_COLUMNS) {
      const { dict, ids } = cols.text[c];
      const counts = new Float64Array(dict.length);
      for (let i = 0; i < n; i++) {
        const d = ids[i]!;
        counts[d] = counts[d]! + 1;
      }
      for (let d = 0; d < dict.length; d++) if (counts[d]! > 0) this.text.add(counts[d]! * utf8Length(dict[d]!));
    }
    this.rows += n;
  }

  result(): ArchiveStats {
    return {
      rows: this.rows,
      minTUs: this.rows === 0 ? null : String(this.min),
      maxTUs: this.rows === 0 ? null : String(this.max),
      sumTUs: String(this.t.value()),
      sumReceivedUs: String(this.received.value()),
      sumBatchSeq: String(this.seq.value()),
      sumMetric: String(this.metric.value()),
      sumFlags: String(this.flags.value()),
      textBytes: String(this.text.value()),
      sumValue: this.value,
      nonFiniteValues: this.nonFinite,
    };
  }
}

/** Mismatches between two sets of figures, as readable phrases; empty when they agree. */
export function compareStats(expected: ArchiveStats, actual: ArchiveStats, label: string): string[] {
  const out: string[] = [];
  const exact: Array<keyof ArchiveStats> = ['rows', 'minTUs', 'maxTUs', 'sumTUs', 'sumReceivedUs', 'sumBatchSeq', 'sumMetric', 'sumFlags', 'textBytes', 'nonFiniteValues'];
  for (const k of exact) {
    if (String(expected[k]) !== String(actual[k])) out.push(`${label} ${k} ${String(actual[k])} != ${String(expected[k])}`);
  }
  const tolerance = 1e-9 * Math.max(1, Math.abs(expected.sumValue)) + 1e-6;
  if (!(Math.abs(expected.sumValue - actual.sumValue) <= tolerance)) out.push(`${label} sumValue ${actual.sumValue} != ${expected.sumValue}`);
  return out;
}

/** µs since the epoch → ISO 8601 with microseconds. */
export function isoMicros(us: number): string;
export function isoMicros(us: string | number | null): string | null;
export function isoMicros(us: string | number | null): string | null {
  if (us === null) return null;
  const n = Number(us);
  const ms = Math.floor(n / 1000);
  const micros = n - ms * 1000;
  return new Date(ms).toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);
}
