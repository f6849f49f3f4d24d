/**
 * `createWard`: a deterministic, seeded ward of bedside monitors. Every output is a pure
 * function of (options, time window): the same seed gives the same records whatever
 * windows they are asked for in.
 */
import type { MetricId, Reading } from '@wardlink/shared';
import { BedCursor } from './bed-cursor.js';
import { Cadence, JITTER_LIMIT_MS } from './cadence.js';
import { JITTER_MAX_MS } from './device-clock.js';
import { createBeds, type BedTraits } from './beds.js';
import { SimulatorOptionError, UnknownBedError } from './errors.js';
import { crossingsOf, scheduleBetween, type CrossingOptions } from './ground-truth.js';
import { mergeByTime } from './merge.js';
import { hash32 } from './prng.js';
import { readingsOf, recordAt } from './records.js';
import { planScript } from './script.js';
import { SeriesCache } from './series.js';
import type { BedInfo, Crossing, DeviceRecord, GroundTruthEvent, WardOptions } from './types.js';

export interface Ward {
  readonly seed: number;
  readonly startMs: number;
  readonly gatewayId: string;
  readonly nibpIntervalMs: number;
  readonly beds: readonly BedInfo[];
  /** Every record with device time in [fromMs, toMs), in device-time order across the
   * ward (ties by bed). Lazy: a long window costs no memory up front. */
  recordsBetween(fromMs: number, toMs: number): Generator<DeviceRecord>;
  /** One bed's records in [fromMs, toMs). */
  bedRecordsBetween(bedId: string, fromMs: number, toMs: number): Generator<DeviceRecord>;
  /** The same records as `Reading`s. `receivedAtMs` is `deviceTimeMs` plus
   * `receivedDelayMs`, or by default a per-record delay of 5-60 ms. */
  readingsBetween(fromMs: number, toMs: number, receivedDelayMs?: number): Reading[];
  /** Every episode and artifact overlapping [fromMs, toMs), by start time. */
  schedule(fromMs: number, toMs: number): GroundTruthEvent[];
  /** Runs of emitted, unflagged `metric` values of one bed satisfying `predicate`. */
  crossings(bedId: string, metric: MetricId, predicate: (v: number) => boolean, fromMs: number, toMs: number, opts?: CrossingOptions): Crossing[];
}

function check(ok: boolean, option: string, rule: string, value: unknown): void {
  if (!ok) throw new SimulatorOptionError(option, rule, value);
}

export function createWard(opts: WardOptions): Ward {
  const nibpIntervalMs = opts.nibpIntervalMs ?? 15 * 60_000;
  const cacheChunks = opts.cacheChunks ?? 256;
  check(Number.isInteger(opts.beds) && opts.beds >= 1 && opts.beds <= 9999, 'beds', 'must be an integer from 1 to 9999', opts.beds);
  check(Number.isInteger(opts.seed), 'seed', 'must be an integer', opts.seed);
  check(Number.isInteger(opts.startMs) && opts.startMs >= 0, 'startMs', 'must be a non-negative integer (UTC ms)', opts.startMs);
  check(
    Number.isInteger(nibpIntervalMs) && nibpIntervalMs % 1000 === 0 && nibpIntervalMs >= 60_000 && nibpIntervalMs <= 3_600_000,
    'nibpIntervalMs',
    'must be whole seconds from 60000 to 3600000',
    nibpIntervalMs,
  );
  check(Number.isInteger(cacheChunks) && cacheChunks >= 1, 'cacheChunks', 'must be a positive integer', cacheChunks);
  const recordPeriodMs = opts.recordPeriodMs ?? 1000;
  const jitterMaxMs = opts.jitterMaxMs ?? JITTER_MAX_MS;
  check(Number.isInteger(recordPeriodMs) && recordPeriodMs % 1000 === 0 && recordPeriodMs >= 1000 && recordPeriodMs <= 60_000, 'recordPeriodMs', 'must be whole seconds from 1000 to 60000', recordPeriodMs);
  check(Number.isInteger(jitterMaxMs) && jitterMaxMs >= 0 && jitterMaxMs <= JITTER_LIMIT_MS, 'jitterMaxMs', `must be an integer from 0 to ${JITTER_LIMIT_MS}`, jitterMaxMs);
  const cadence = new Cadence(recordPeriodMs, jitterMaxMs, opts.intermittent ?? false);

  const seed = hash32(opts.seed | 0, Math.floor(opts.seed / 4294967296));
  const nibpIntervalTicks = nibpIntervalMs / 1000;
  const beds: BedTraits[] = createBeds(seed, opts.beds, nibpIntervalTicks, jitterMaxMs);
  const plan = { seed, beds: opts.beds, episodes: opts.episodes ?? true, artifacts: opts.artifacts ?? true, nibpIntervalTicks };
  const scriptByBed = planScript(opts.script ?? [], new Set(beds.map((b) => b.bedId)));
  const script = new Map(beds.filter((b) => scriptByBed.has(b.bedId)).map((b) => [b.index, scriptByBed.get(b.bedId)!]));
  const cache = new SeriesCache({ startMs: opts.startMs, beds, plan, script, cadence }, cacheChunks);
  const gatewayId = opts.gatewayId ?? 'gw-sim-01';
  const byId = new Map(beds.map((b) => [b.bedId, b]));
  const bedOf = (bedId: string) => {
    const bed = byId.get(bedId);
    if (!bed) throw new UnknownBedError(bedId, beds.length);
    return bed;
  };
  const cursors = (list: BedTraits[], fromMs: number, toMs: number) =>
    list.map((b) => new BedCursor(cache, b, opts.startMs, fromMs, toMs));

  function* records(list: BedTraits[], fromMs: number, toMs: number): Generator<DeviceRecord> {
    for (const c of mergeByTime(cursors(list, fromMs, toMs))) yield recordAt(c.bed, c.chunk!, c.row);
  }

  return {
    seed: opts.seed,
    startMs: opts.startMs,
    gatewayId,
    nibpIntervalMs,
    beds: beds.map(({ index, bedId, deviceId, patientId, hasAbp, hasEtco2 }) => ({ index, bedId, deviceId, patientId, hasAbp, hasEtco2 })),
    recordsBetween: (fromMs, toMs) => records(beds, fromMs, toMs),
    bedRecordsBetween: (bedId, fromMs, toMs) => records([bedOf(bedId)], fromMs, toMs),
    readingsBetween(fromMs, toMs, receivedDelayMs) {
      const out: Reading[] = [];
      for (const c of mergeByTime(cursors(beds, fromMs, toMs))) {
        const record = recordAt(c.bed, c.chunk!, c.row);
        const delay = receivedDelayMs ?? 5 + (hash32(seed, c.bed.index, c.tick) % 56);
        for (const r of readingsOf(record, gatewayId, record.deviceTimeMs + delay)) out.push(r);
      }
      return out;
    },
    schedule: (fromMs, toMs) => scheduleBetween(cache, opts.startMs, beds, fromMs, toMs),
    crossings: (bedId, metric, predicate, fromMs, toMs, crossingOpts) =>
      crossingsOf(cache, opts.startMs, bedOf(bedId), metric, predicate, fromMs, toMs, crossingOpts),
  };
}
