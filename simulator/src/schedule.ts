/**
 * Plans each bed's episodes and artifacts, deterministically from the seed.
 *
 * Time is cut into 6 h blocks of ticks. Each (bed, block) draws its own events from its
 * own generator and places them inside the block without overlap, with a guard between
 * them. So any window's schedule is found without simulating what came before, and at
 * most one event touches a bed at a time: the ground truth stays unambiguous.
 */
import type { MetricId } from '@wardlink/shared';
import type { BedTraits } from './beds.js';
import { between, hash32, intBetween, logBetween, mulberry32 } from './prng.js';
import type { GroundTruthKind } from './types.js';

export const BLOCK_TICKS = 6 * 3600;
/** Quiet ticks between two events on one bed, so alarms clear in between. */
export const GUARD_TICKS = 180;
/** Quiet ticks at each block edge, so events never straddle blocks. */
export const EDGE_TICKS = 120;
/** Sensor-off spans longer than this are an unplugged sensor (`no-sensor`). */
export const NO_SENSOR_AFTER_TICKS = 600;

export interface PlannedEvent {
  kind: GroundTruthKind;
  startTick: number;
  /** Last affected tick, inclusive. */
  endTick: number;
  /** Physiological ramps and plateau, in ticks (zero for artifacts). */
  rampInTicks: number;
  plateauTicks: number;
  rampOutTicks: number;
  /** Plateau value (physiological), dip depth (motion), otherwise 0. */
  target: number;
  /** invalid-marker: the metric that carries the marker. */
  marker: MetricId | null;
  probe: 'probe-off' | 'no-sensor' | null;
}

export interface PlanContext {
  seed: number;
  beds: number;
  episodes: boolean;
  artifacts: boolean;
  nibpIntervalTicks: number;
}

type Draft = Omit<PlannedEvent, 'startTick' | 'endTick'> & { length: number };

const TAG_PLAN = 0x706c_616e;
const TAG_DEMO = 0x64656d6f;
const TAG_SILENT = 0x73696c74;

function physiological(rng: () => number, nibpTicks: number): Draft {
  const kind = (['desaturation', 'tachycardia', 'bradycardia', 'hypotension'] as const)[intBetween(rng, 0, 3)]!;
  let rampIn: number, plateau: number, rampOut: number, target: number;
  switch (kind) {
    case 'desaturation':
      [rampIn, plateau, rampOut, target] = [intBetween(rng, 30, 90), intBetween(rng, 120, 480), intBetween(rng, 30, 90), between(rng, 82, 87)];
      break;
    case 'tachycardia':
      [rampIn, plateau, rampOut, target] = [intBetween(rng, 30, 120), intBetween(rng, 180, 900), intBetween(rng, 30, 120), between(rng, 135, 160)];
      break;
    case 'bradycardia':
      [rampIn, plateau, rampOut, target] = [intBetween(rng, 20, 60), intBetween(rng, 120, 600), intBetween(rng, 20, 60), between(rng, 35, 45)];
      break;
    case 'hypotension':
      // The plateau outlasts one NIBP cycle, so at least one cuff reading lands in it.
      [rampIn, plateau, rampOut, target] = [
        intBetween(rng, 180, 300),
        intBetween(rng, nibpTicks + 60, Math.round(nibpTicks * 1.5) + 60),
        intBetween(rng, 180, 300),
        between(rng, 68, 77),
      ];
      break;
  }
  return { kind, length: rampIn + plateau + rampOut, rampInTicks: rampIn, plateauTicks: plateau, rampOutTicks: rampOut, target, marker: null, probe: null };
}

function artifact(kind: GroundTruthKind, length: number, extra: Partial<Draft> = {}): Draft {
  return { kind, length, rampInTicks: 0, plateauTicks: 0, rampOutTicks: 0, target: 0, marker: null, probe: null, ...extra };
}

function markerMetric(rng: () => number, bed: BedTraits): MetricId {
  const candidates: MetricId[] = ['HR', 'PR', 'SPO2', 'PI', 'RR', 'TEMP'];
  if (bed.hasEtco2) candidates.push('ETCO2');
  return candidates[intBetween(rng, 0, candidates.length - 1)]!;
}

/** The drafts for one bed and block, most important first (they are kept when space runs out). */
function draftBlock(ctx: PlanContext, bed: BedTraits, block: number, rng: () => number): Draft[] {
  const drafts: Draft[] = [];
  if (ctx.episodes) {
    const r = rng();
    const count = r < 0.35 ? 0 : r < 0.8 ? 1 : 2;
    for (let i = 0; i < count; i++) drafts.push(physiological(rng, ctx.nibpIntervalTicks));
  }
  if (!ctx.artifacts) return drafts;
  // One bed per block is guaranteed a silent device and one a demo-mode device.
  const silentBed = hash32(ctx.seed, block, TAG_SILENT) % ctx.beds;
  const demoBed = hash32(ctx.seed, block, TAG_DEMO) % ctx.beds;
  const silent = logBetween(rng, 30, 1200);
  if (bed.index === silentBed || rng() < 0.05) drafts.push(artifact('device-silent', Math.round(silent)));
  const demo = intBetween(rng, 600, 1800);
  if (bed.index === demoBed) drafts.push(artifact('demo', demo));
  const sensorOff = Math.round(logBetween(rng, 5, 2400));
  if (rng() < 0.4) {
    drafts.push(artifact('sensor-off', sensorOff, { probe: sensorOff > NO_SENSOR_AFTER_TICKS ? 'no-sensor' : 'probe-off' }));
  }
  for (let i = intBetween(rng, 0, 4); i > 0; i--) drafts.push(artifact('motion', intBetween(rng, 3, 8), { target: between(rng, 6, 14) }));
  for (let i = intBetween(rng, 0, 3); i > 0; i--) drafts.push(artifact('invalid-marker', 1, { marker: markerMetric(rng, bed) }));
  return drafts;
}

/** The events of one bed in one 6 h block, sorted by start tick. */
export function planBlock(ctx: PlanContext, bed: BedTraits, block: number): PlannedEvent[] {
  const rng = mulberry32(hash32(ctx.seed, bed.index, block, TAG_PLAN));
  const drafts = draftBlock(ctx, bed, block, rng);
  const room = () => BLOCK_TICKS - 2 * EDGE_TICKS - drafts.reduce((sum, d) => sum + d.length + GUARD_TICKS, 0) + GUARD_TICKS;
  while (drafts.length > 0 && room() < 0) drafts.pop();
  const free = room();
  // Shuffle (Fisher-Yates), then spread the free ticks as random gaps between events.
  for (let i = drafts.length - 1; i > 0; i--) {
    const j = intBetween(rng, 0, i);
    [drafts[i], drafts[j]] = [drafts[j]!, drafts[i]!];
  }
  const cuts = drafts.map(() => Math.floor(rng() * (free + 1))).sort((a, b) => a - b);
  const events: PlannedEvent[] = [];
  let cursor = block * BLOCK_TICKS + EDGE_TICKS;
  drafts.forEach((draft, i) => {
    const startTick = cursor + cuts[i]!;
    const { length, ...rest } = draft;
    events.push({ ...rest, startTick, endTick: startTick + length - 1 });
    cursor += length + GUARD_TICKS;
  });
  return events;
}

function smoothstep(x: number): number {
  return x * x * (3 - 2 * x);
}

/** How far into its plateau a physiological episode is at `tick`: 0 outside, 1 on the plateau. */
export function episodeWeight(event: PlannedEvent, tick: number): number {
  if (tick < event.startTick || tick > event.endTick) return 0;
  const intoRamp = tick - event.startTick;
  if (intoRamp < event.rampInTicks) return smoothstep((intoRamp + 1) / (event.rampInTicks + 1));
  const plateauEnd = event.startTick + event.rampInTicks + event.plateauTicks;
  if (tick < plateauEnd) return 1;
  return smoothstep((event.endTick - tick + 1) / (event.rampOutTicks + 1));
}
