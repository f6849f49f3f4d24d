/**
 * Scripted episodes: events placed by the caller at a known second of the ward, on a
 * known bed, on top of the seeded schedule. A demo or a test uses them to have a
 * desaturation or a silent monitor happen now, not somewhere in a 6 h block.
 *
 * A scripted event replaces whatever the seeded plan had on that bed within a guard of
 * it (GUARD_TICKS either side), so one event still touches a bed at a time and the
 * ground truth (`ward.schedule`) stays unambiguous. The values around it keep the
 * seeded noise: the same seed and script give the same records.
 */
import { SimulatorOptionError } from './errors.js';
import { BLOCK_TICKS, GUARD_TICKS, NO_SENSOR_AFTER_TICKS, type PlannedEvent } from './schedule.js';
import { PHYSIOLOGICAL_KINDS, type GroundTruthKind, type PhysiologicalKind } from './types.js';

export type ScriptedKind = PhysiologicalKind | 'device-silent' | 'sensor-off' | 'demo';

export interface ScriptedEvent {
  bedId: string;
  kind: ScriptedKind;
  /** First affected tick: whole seconds after the ward's start. */
  atS: number;
  /** Physiological: ramp in, plateau and ramp out, whole seconds. Defaults 10, 40, 10. */
  rampInS?: number;
  plateauS?: number;
  rampOutS?: number;
  /** Physiological: the plateau value. Defaults: SpO2 84 %, HR 150 or 38 /min, MAP 70 mmHg. */
  target?: number;
  /** Artifacts: how long, whole seconds. Default 30. */
  durationS?: number;
}

const DEFAULT_TARGET: Record<PhysiologicalKind, number> = { desaturation: 84, tachycardia: 150, bradycardia: 38, hypotension: 70 };

function wholeSeconds(value: number | undefined, fallback: number, option: string, min: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw new SimulatorOptionError(option, `must be a whole number of seconds >= ${min}`, value);
  return v;
}

/** The planned event for one scripted event (checked). */
export function plannedFromScript(e: ScriptedEvent, i: number): PlannedEvent {
  const at = wholeSeconds(e.atS, 0, `script[${i}].atS`, 0);
  const physio = (PHYSIOLOGICAL_KINDS as readonly string[]).includes(e.kind);
  let planned: PlannedEvent;
  if (physio) {
    const rampIn = wholeSeconds(e.rampInS, 10, `script[${i}].rampInS`, 0);
    const plateau = wholeSeconds(e.plateauS, 40, `script[${i}].plateauS`, 1);
    const rampOut = wholeSeconds(e.rampOutS, 10, `script[${i}].rampOutS`, 0);
    const target = e.target ?? DEFAULT_TARGET[e.kind as PhysiologicalKind];
    if (!Number.isFinite(target)) throw new SimulatorOptionError(`script[${i}].target`, 'must be a finite number', e.target);
    planned = { kind: e.kind, startTick: at, endTick: at + rampIn + plateau + rampOut - 1, rampInTicks: rampIn, plateauTicks: plateau, rampOutTicks: rampOut, target, marker: null, probe: null };
  } else if (e.kind === 'device-silent' || e.kind === 'sensor-off' || e.kind === 'demo') {
    const length = wholeSeconds(e.durationS, 30, `script[${i}].durationS`, 1);
    const probe = e.kind === 'sensor-off' ? (length > NO_SENSOR_AFTER_TICKS ? 'no-sensor' : 'probe-off') : null;
    planned = { kind: e.kind as GroundTruthKind, startTick: at, endTick: at + length - 1, rampInTicks: 0, plateauTicks: 0, rampOutTicks: 0, target: 0, marker: null, probe };
  } else {
    throw new SimulatorOptionError(`script[${i}].kind`, 'must be desaturation, tachycardia, bradycardia, hypotension, device-silent, sensor-off or demo', e.kind);
  }
  if (Math.floor(planned.startTick / BLOCK_TICKS) !== Math.floor(planned.endTick / BLOCK_TICKS)) {
    throw new SimulatorOptionError(`script[${i}]`, `must lie within one ${BLOCK_TICKS / 3600} h schedule block`, e);
  }
  return planned;
}

/**
 * The seeded events of one bed and block with the scripted ones laid over them: seeded
 * events within GUARD_TICKS of a scripted one are dropped. Scripted events of one bed
 * must not overlap each other (checked when the ward is created).
 */
export function overlay(seeded: readonly PlannedEvent[], scripted: readonly PlannedEvent[]): PlannedEvent[] {
  if (scripted.length === 0) return [...seeded];
  const kept = seeded.filter((p) => scripted.every((s) => p.endTick < s.startTick - GUARD_TICKS || p.startTick > s.endTick + GUARD_TICKS));
  return [...kept, ...scripted].sort((a, b) => a.startTick - b.startTick);
}

/** Checks a script against the ward's beds; returns each bed's planned events by bed id. */
export function planScript(script: readonly ScriptedEvent[], bedIds: ReadonlySet<string>): Map<string, PlannedEvent[]> {
  const byBed = new Map<string, PlannedEvent[]>();
  script.forEach((e, i) => {
    if (!bedIds.has(e.bedId)) throw new SimulatorOptionError(`script[${i}].bedId`, 'must name a bed of the ward', e.bedId);
    const list = byBed.get(e.bedId) ?? [];
    list.push(plannedFromScript(e, i));
    byBed.set(e.bedId, list);
  });
  for (const [bedId, list] of byBed) {
    list.sort((a, b) => a.startTick - b.startTick);
    for (let k = 1; k < list.length; k++) {
      if (list[k]!.startTick <= list[k - 1]!.endTick) throw new SimulatorOptionError('script', `has overlapping events on ${bedId}`, bedId);
    }
  }
  return byBed;
}
