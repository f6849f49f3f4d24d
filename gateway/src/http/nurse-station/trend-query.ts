/**
 * Read-only trend queries on the gateway's buffer for the nurse-station page: one bed's
 * readings over the last hour or day, downsampled to at most `buckets` buckets per
 * metric, each with its min and max (a 10 s desaturation in a 5 min bucket stays visible,
 * where an average would hide it), plus the bed's alarm events in the same window.
 *
 * It reads the buffer's trend index (buffer/trend-index.ts) and picks the
 * per-metric items out of each record's JSON; values flagged INVALID or SENSOR_OFF are
 * left out (they are not physiology: a sensor-off SpO2 of -999 would flatten the line).
 */
import type Database from 'better-sqlite3';
import { QualityFlag } from '@wardlink/shared';
import { prepareTrendReader, type TrendReader } from '../../buffer/trend-index.js';

export interface TrendBucket {
  /** The bucket's start, UTC ms. */
  t: number;
  min: number;
  max: number;
}

export interface AlarmMark {
  alarmId: string;
  metric: string | null;
  priority: 'high' | 'medium' | 'low';
  phase: 'raised' | 'acknowledged' | 'cleared' | 'escalated';
  timeMs: number;
  value: number | null;
  message: string;
}

export interface BedTrend {
  bedId: string;
  fromMs: number;
  toMs: number;
  bucketMs: number;
  /** Per metric id, buckets in time order (only buckets that hold a value). */
  series: Record<string, TrendBucket[]>;
  marks: AlarmMark[];
}

/** Alarm marks per answer at most: a bed that alarmed all day still gets a bounded answer. */
export const MAX_MARKS = 500;
/** The range is read this much at a time (see the constructor). */
const SLICE_MS = 3_600_000;
const NOT_PHYSIOLOGY = QualityFlag.INVALID | QualityFlag.SENSOR_OFF;

export class TrendQuery {
  private readonly records: TrendReader;
  private readonly alarms: Database.Statement;

  constructor(db: Database.Database) {
    // The index gives one bed's records (in no particular order: bucketing needs none); the range is widened by a minute
    // so items whose own time delta moves them into the window are not missed. The items
    // are bucketed here rather than in SQL: json_each plus GROUP BY sorted every item of a
    // day (9 s for 86,400 records of 6 metrics on a loaded test box); JSON.parse of each
    // record in one pass is linear and needs no sort. The range is read in slices of
    // SLICE_MS with a turn of the event loop between them, so a day's trend does not hold
    // up ingest and alarms for its whole read (the iterator is closed at each slice's
    // end: better-sqlite3 lets no other statement run while one is open).
    this.records = prepareTrendReader(db);
    this.alarms = db.prepare(`
      SELECT alarm_id AS alarmId, metric, priority, phase, time_ms AS timeMs, value, message
      FROM alarm_events
      WHERE bed_id = :bedId AND time_ms BETWEEN :fromMs AND :toMs AND phase IN ('raised', 'acknowledged', 'cleared', 'escalated')
      ORDER BY time_ms DESC LIMIT ${MAX_MARKS}`);
  }

  /** `metric` null: every metric of the bed. */
  async bedTrend(input: { bedId: string; fromMs: number; toMs: number; buckets: number; metric: string | null }): Promise<BedTrend> {
    const { fromMs, toMs, buckets } = input;
    const bucketMs = Math.max(1, Math.ceil((toMs - fromMs) / buckets));
    const lo = new Map<string, Float64Array>();
    const hi = new Map<string, Float64Array>();
    for (let sliceFrom = fromMs - 60_000; sliceFrom <= toMs; sliceFrom += SLICE_MS) {
      if (sliceFrom > fromMs - 60_000) await new Promise((resolve) => setImmediate(resolve));
      const rows = this.records.records(input.bedId, sliceFrom, Math.min(sliceFrom + SLICE_MS, toMs + 1));
      for (const [timeMs, items] of rows) this.add(timeMs, items, input, bucketMs, lo, hi);
    }
    const series: Record<string, TrendBucket[]> = {};
    for (const metric of [...lo.keys()].sort()) {
      const l = lo.get(metric)!;
      const h = hi.get(metric)!;
      const out: TrendBucket[] = [];
      for (let b = 0; b < buckets; b++) if (l[b]! <= h[b]!) out.push({ t: fromMs + b * bucketMs, min: l[b]!, max: h[b]! });
      series[metric] = out;
    }
    const marks = (this.alarms.all({ bedId: input.bedId, fromMs, toMs }) as AlarmMark[]).reverse();
    return { bedId: input.bedId, fromMs, toMs, bucketMs, series, marks };
  }

  private add(timeMs: number, items: string, input: { fromMs: number; toMs: number; buckets: number; metric: string | null }, bucketMs: number, lo: Map<string, Float64Array>, hi: Map<string, Float64Array>): void {
    const { fromMs, toMs, buckets } = input;
    for (const [metric, value, flags, deltaMs] of JSON.parse(items) as [string, number, number?, number?][]) {
      if ((flags ?? 0) & NOT_PHYSIOLOGY || (input.metric !== null && metric !== input.metric)) continue;
      const t = timeMs + (deltaMs ?? 0);
      if (t < fromMs || t > toMs) continue;
      const b = Math.min(buckets - 1, Math.floor((t - fromMs) / bucketMs));
      let l = lo.get(metric);
      let h = hi.get(metric);
      if (!l || !h) {
        lo.set(metric, (l = new Float64Array(buckets).fill(Infinity)));
        hi.set(metric, (h = new Float64Array(buckets).fill(-Infinity)));
      }
      if (value < l[b]!) l[b] = value;
      if (value > h[b]!) h[b] = value;
    }
  }
}
