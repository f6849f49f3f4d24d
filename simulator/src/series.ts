/**
 * Generated values, in chunks of 10 minutes per bed, kept in a small LRU cache. Records,
 * ground truth and crossings all read the same chunks, so what the ground truth says
 * is exactly what was emitted.
 */
import type { BedTraits } from './beds.js';
import type { Cadence } from './cadence.js';
import { deviceTimeAt } from './device-clock.js';
import { METRIC_IDS } from '@wardlink/shared';
import { METRIC_COUNT } from './metric-index.js';
import { fillTick, type TickRow } from './physiology.js';
import { BLOCK_TICKS, planBlock, type PlanContext, type PlannedEvent } from './schedule.js';
import { overlay } from './script.js';

/** Ticks per chunk; divides BLOCK_TICKS, so a chunk lies in one schedule block. */
export const CHUNK_TICKS = 600;

export const PROBE_NONE = 0;
export const PROBE_OFF = 1;
export const PROBE_NO_SENSOR = 2;

export interface SeriesChunk {
  firstTick: number;
  /** 1 when the device emits a record at the tick (0 while it is silent). */
  present: Uint8Array;
  /** The device time stamped on each tick's record. */
  timeMs: Float64Array;
  /** Row-major values, `values[i * METRIC_COUNT + IDX[m]]`; NaN when absent. */
  values: Float64Array;
  flags: Uint8Array;
  /** PROBE_* per tick: the pulse-oximetry sensor state. */
  probe: Uint8Array;
}

export interface SeriesSource {
  readonly startMs: number;
  readonly beds: readonly BedTraits[];
  readonly plan: PlanContext;
  /** Scripted events per bed index (script.ts), laid over the seeded plan. */
  readonly script?: ReadonlyMap<number, readonly PlannedEvent[]>;
  /** Which ticks carry a record and which metrics it holds (cadence.ts). */
  readonly cadence: Cadence;
}

/** Each bed's planned events per schedule block, computed on first use. */
export class Timeline {
  private readonly blocks = new Map<number, PlannedEvent[]>();
  constructor(private readonly source: SeriesSource) {}

  eventsInBlock(bedIndex: number, block: number): PlannedEvent[] {
    if (block < 0) return [];
    const key = block * this.source.beds.length + bedIndex;
    let events = this.blocks.get(key);
    if (!events) {
      const seeded = planBlock(this.source.plan, this.source.beds[bedIndex]!, block);
      const scripted = (this.source.script?.get(bedIndex) ?? []).filter((e) => Math.floor(e.startTick / BLOCK_TICKS) === block);
      events = overlay(seeded, scripted);
      this.blocks.set(key, events);
    }
    return events;
  }
}

function generateChunk(source: SeriesSource, timeline: Timeline, bedIndex: number, chunkIndex: number): SeriesChunk {
  const bed = source.beds[bedIndex]!;
  const firstTick = chunkIndex * CHUNK_TICKS;
  const chunk: SeriesChunk = {
    firstTick,
    present: new Uint8Array(CHUNK_TICKS),
    timeMs: new Float64Array(CHUNK_TICKS),
    values: new Float64Array(CHUNK_TICKS * METRIC_COUNT),
    flags: new Uint8Array(CHUNK_TICKS * METRIC_COUNT),
    probe: new Uint8Array(CHUNK_TICKS),
  };
  const events = timeline.eventsInBlock(bedIndex, Math.floor(firstTick / BLOCK_TICKS));
  const nibpEvery = source.plan.nibpIntervalTicks;
  const row: TickRow = { values: chunk.values, flags: chunk.flags, base: 0 };
  const cadence = source.cadence;
  const bedKey = bed.clock.jitterKey;
  let e = 0;
  for (let i = 0; i < CHUNK_TICKS; i++) {
    const tick = firstTick + i;
    chunk.timeMs[i] = deviceTimeAt(source.startMs, bed.clock, tick);
    while (e < events.length && events[e]!.endTick < tick) e++;
    const candidate = events[e];
    const event = candidate && candidate.startTick <= tick ? candidate : null;
    if (event?.kind === 'device-silent') continue;
    const cycle = cadence.cycleAt(bedKey, tick);
    if (cycle < 0) continue;
    chunk.present[i] = 1;
    if (event?.kind === 'sensor-off') chunk.probe[i] = event.probe === 'no-sensor' ? PROBE_NO_SENSOR : PROBE_OFF;
    const nibpDue = cadence.periodTicks === 1
      ? tick >= bed.nibpPhaseTicks && (tick - bed.nibpPhaseTicks) % nibpEvery === 0
      : cadence.nibpDue(bedKey, cycle, tick, bed.nibpPhaseTicks, nibpEvery);
    row.base = i * METRIC_COUNT;
    fillTick(bed, tick, event, nibpDue, row);
    if (cadence.intermittent) dropMetrics(cadence, bedKey, tick, row);
  }
  return chunk;
}

/** Drops the metrics the intermittent profile leaves out of this record; never a flagged value. */
function dropMetrics(cadence: Cadence, bedKey: number, tick: number, row: TickRow): void {
  for (let m = 0; m < METRIC_COUNT; m++) {
    const at = row.base + m;
    if (row.flags[at] !== 0 || Number.isNaN(row.values[at]!)) continue;
    if (cadence.dropped(bedKey, METRIC_IDS[m]!, m, tick)) row.values[at] = Number.NaN;
  }
}

/** An LRU of generated chunks keyed by (bed, chunk index). */
export class SeriesCache {
  private readonly chunks = new Map<number, SeriesChunk>();
  readonly timeline: Timeline;

  constructor(
    private readonly source: SeriesSource,
    private readonly maxChunks: number,
  ) {
    this.timeline = new Timeline(source);
  }

  chunk(bedIndex: number, chunkIndex: number): SeriesChunk {
    const key = chunkIndex * this.source.beds.length + bedIndex;
    const hit = this.chunks.get(key);
    if (hit) {
      // Re-insert to mark as most recently used (Map keeps insertion order).
      this.chunks.delete(key);
      this.chunks.set(key, hit);
      return hit;
    }
    const made = generateChunk(this.source, this.timeline, bedIndex, chunkIndex);
    this.chunks.set(key, made);
    if (this.chunks.size > this.maxChunks) this.chunks.delete(this.chunks.keys().next().value!);
    return made;
  }
}
