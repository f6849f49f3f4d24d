/**
 * Ground truth for the alarm tests: the schedule as events with device times and the
 * extremes actually emitted, and the exact runs where an emitted metric satisfies a
 * predicate.
 */
import type { MetricId } from '@wardlink/shared';
import { BedCursor } from './bed-cursor.js';
import type { BedTraits } from './beds.js';
import { deviceTimeAt, firstTickNear } from './device-clock.js';
import { IDX, METRIC_COUNT } from './metric-index.js';
import { BLOCK_TICKS, type PlannedEvent } from './schedule.js';
import { CHUNK_TICKS, type SeriesCache } from './series.js';
import type { Crossing, GroundTruthEvent, GroundTruthKind } from './types.js';

const PRESSURES: MetricId[] = ['NIBP_SYS', 'NIBP_DIA', 'NIBP_MEAN'];
const ARTERIAL: MetricId[] = ['ABP_SYS', 'ABP_DIA', 'ABP_MEAN'];

function affected(kind: GroundTruthKind, bed: BedTraits, marker: MetricId | null): { metric: MetricId | null; metrics: MetricId[] } {
  switch (kind) {
    case 'desaturation': return { metric: 'SPO2', metrics: ['SPO2', 'HR', 'PR', 'RR'] };
    case 'tachycardia': return { metric: 'HR', metrics: ['HR', 'PR', 'RR'] };
    case 'bradycardia': return { metric: 'HR', metrics: ['HR', 'PR'] };
    case 'hypotension': return { metric: 'NIBP_SYS', metrics: [...PRESSURES, ...(bed.hasAbp ? ARTERIAL : []), 'HR', 'PR', 'PI'] };
    case 'sensor-off':
    case 'motion': return { metric: 'SPO2', metrics: ['SPO2', 'PR', 'PI'] };
    case 'invalid-marker': return { metric: marker, metrics: marker ? [marker] : [] };
    case 'device-silent':
    case 'demo': {
      const all: MetricId[] = ['HR', 'PR', 'SPO2', 'PI', 'RR', 'TEMP', ...PRESSURES];
      if (bed.hasEtco2) all.push('ETCO2');
      if (bed.hasAbp) all.push(...ARTERIAL);
      return { metric: null, metrics: all };
    }
  }
}

/** Whether the event's extreme is its highest value (tachycardia) or lowest. */
function wantsMax(kind: GroundTruthKind): boolean {
  return kind === 'tachycardia';
}

function extremesOf(cache: SeriesCache, bed: BedTraits, event: PlannedEvent, metrics: MetricId[]): Partial<Record<MetricId, number>> {
  const out: Partial<Record<MetricId, number>> = {};
  const max = wantsMax(event.kind);
  for (let tick = event.startTick; tick <= event.endTick; tick++) {
    const chunk = cache.chunk(bed.index, Math.floor(tick / CHUNK_TICKS));
    const row = tick - chunk.firstTick;
    if (chunk.present[row] === 0) continue;
    for (const m of metrics) {
      const v = chunk.values[row * METRIC_COUNT + IDX[m]]!;
      if (Number.isNaN(v)) continue;
      const seen = out[m];
      if (seen === undefined || (max ? v > seen : v < seen)) out[m] = v;
    }
  }
  return out;
}

export function toGroundTruth(cache: SeriesCache, startMs: number, bed: BedTraits, event: PlannedEvent): GroundTruthEvent {
  const { metric, metrics } = affected(event.kind, bed, event.marker);
  const extremes = extremesOf(cache, bed, event, metrics);
  const truth: GroundTruthEvent = {
    id: `${bed.bedId}:${event.kind}:${event.startTick}`,
    bedId: bed.bedId,
    deviceId: bed.deviceId,
    patientId: bed.patientId,
    kind: event.kind,
    startMs: deviceTimeAt(startMs, bed.clock, event.startTick),
    endMs: deviceTimeAt(startMs, bed.clock, event.endTick),
    metric,
    metrics,
    extreme: metric ? (extremes[metric] ?? null) : null,
    extremes,
  };
  if (event.plateauTicks > 0) {
    const plateauStart = event.startTick + event.rampInTicks;
    truth.plateauStartMs = deviceTimeAt(startMs, bed.clock, plateauStart);
    truth.plateauEndMs = deviceTimeAt(startMs, bed.clock, plateauStart + event.plateauTicks - 1);
    truth.target = event.target;
  }
  return truth;
}

/** Every event of every bed overlapping [fromMs, toMs), by start time then bed. */
export function scheduleBetween(cache: SeriesCache, startMs: number, beds: readonly BedTraits[], fromMs: number, toMs: number): GroundTruthEvent[] {
  const out: GroundTruthEvent[] = [];
  for (const bed of beds) {
    const firstBlock = Math.floor(firstTickNear(startMs, bed.clock, fromMs) / BLOCK_TICKS);
    const lastBlock = Math.floor((firstTickNear(startMs, bed.clock, toMs) + 4) / BLOCK_TICKS);
    for (let block = firstBlock; block <= lastBlock; block++) {
      for (const event of cache.timeline.eventsInBlock(bed.index, block)) {
        const start = deviceTimeAt(startMs, bed.clock, event.startTick);
        const end = deviceTimeAt(startMs, bed.clock, event.endTick);
        if (end >= fromMs && start < toMs) out.push(toGroundTruth(cache, startMs, bed, event));
      }
    }
  }
  return out.sort((a, b) => a.startMs - b.startMs || a.bedId.localeCompare(b.bedId));
}

export interface CrossingOptions {
  /** A run also ends when two consecutive samples of the metric are further apart than
   * this (a silent device). Default Infinity: only a value ends a run. */
  maxGapMs?: number;
}

/**
 * The maximal runs of emitted samples of `metric` on one bed, within [fromMs, toMs),
 * whose value satisfies `predicate`. Only unflagged values count: a flagged sample
 * (sensor-off, invalid marker, demo) ends a run just as a non-satisfying value does.
 * Records that do not carry the metric (NIBP between cuff cycles) are skipped.
 */
export function crossingsOf(
  cache: SeriesCache,
  startMs: number,
  bed: BedTraits,
  metric: MetricId,
  predicate: (v: number) => boolean,
  fromMs: number,
  toMs: number,
  opts: CrossingOptions = {},
): Crossing[] {
  const maxGapMs = opts.maxGapMs ?? Number.POSITIVE_INFINITY;
  const col = IDX[metric];
  const out: Crossing[] = [];
  let run: Crossing | null = null;
  let lastSampleMs = Number.NEGATIVE_INFINITY;
  const cursor = new BedCursor(cache, bed, startMs, fromMs, toMs);
  while (cursor.next()) {
    const chunk = cursor.chunk!;
    const at = cursor.row * METRIC_COUNT + col;
    const v = chunk.values[at]!;
    if (Number.isNaN(v)) continue;
    const t = cursor.timeMs;
    if (run && t - lastSampleMs > maxGapMs) {
      out.push(run);
      run = null;
    }
    lastSampleMs = t;
    if (chunk.flags[at] === 0 && predicate(v)) {
      if (run) {
        run.endMs = t;
        run.samples++;
        run.min = Math.min(run.min, v);
        run.max = Math.max(run.max, v);
      } else {
        run = { startMs: t, endMs: t, clearedAtMs: null, samples: 1, min: v, max: v };
      }
    } else if (run) {
      run.clearedAtMs = t;
      out.push(run);
      run = null;
    }
  }
  if (run) out.push(run);
  return out;
}
