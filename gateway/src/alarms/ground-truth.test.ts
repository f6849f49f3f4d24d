/**
 * Ground truth: the simulator's 50-bed ward over 6 simulated hours, fed record by record
 * through the engine on a manual clock, against what the simulator says happened:
 *
 * - Physiological: for every default band (metric, direction, priority, limit, delay), the
 *   runs of clean samples beyond the limit (`ward.crossings`). A run that outlasts the
 *   delay (its ending sample comes more than `delay + TOLERANCE` after its first) must be
 *   alarming at that priority or higher within delay + 1 s of its first sample: 0 missed.
 *   Every raise, priority rise or return of the engine must be explained by a run that
 *   started `delay` earlier (within the tolerance): 0 false. Runs whose length is within
 *   the tolerance of the delay are "borderline": either outcome is right, they are
 *   counted apart.
 * - Technical: one sensor-off, invalid-value, demo-mode and comm-loss alarm per scheduled
 *   artifact of that kind, raised and cleared where the schedule says, and none else.
 *
 * TOLERANCE: the engine measures delays on gateway receive time (device time + 5-60 ms
 * here), the runs are in device time, so a run's length differs by up to ~110 ms.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { QualityFlag, type AlarmEvent, type AlarmPriority, type MetricId } from '@wardlink/shared';
import { createWard, mulberry32, readingsOf, type GroundTruthEvent, type Ward } from '@wardlink/simulator';
import { defaultRules } from './defaults.js';
import { AlarmEngine } from './engine.js';
import { alarmingWithin, timelines, type Timeline } from './testing/alarm-timeline.js';
import { ManualClock } from './testing/manual-clock.js';

const START = Date.UTC(2026, 10, 29, 8, 0, 0);
const END = START + 6 * 3_600_000;
const TOLERANCE_MS = 150;
const COMM_LOSS_MS = 5000;
const NURSE_ACK_AFTER_MS = 90_000;

interface BandCheck {
  metric: MetricId;
  direction: 'low' | 'high';
  priority: AlarmPriority;
  limit: number;
  delayMs: number;
}

function bandsOfDefaults(): BandCheck[] {
  const out: BandCheck[] = [];
  for (const r of defaultRules(0)) {
    if (r.lowLimit !== null) out.push({ metric: r.metric, direction: 'low', priority: r.lowPriority!, limit: r.lowLimit, delayMs: r.delayMs });
    if (r.highLimit !== null) out.push({ metric: r.metric, direction: 'high', priority: r.highPriority!, limit: r.highLimit, delayMs: r.delayMs });
  }
  return out;
}

/** Runs the whole ward through the engine; a nurse acknowledges high alarms after 90 s. */
function run(ward: Ward): { events: AlarmEvent[]; records: number; readings: number; ms: number } {
  const clock = new ManualClock(START);
  const events: AlarmEvent[] = [];
  const engine = new AlarmEngine(defaultRules(0), { commLoss: { defaultMs: COMM_LOSS_MS } }, { clock, recorder: { record: (e) => events.push(e) } });
  const pendingAck = new Set<string>();
  engine.events.on('event', (e, alarm) => {
    if (alarm.priority !== 'high' || alarm.acknowledged || e.phase === 'cleared' || pendingAck.has(e.alarmId)) return;
    pendingAck.add(e.alarmId);
    clock.setTimeout(() => {
      pendingAck.delete(e.alarmId);
      const live = engine.activeAlarms().find((a) => a.alarmId === e.alarmId);
      if (live && !live.acknowledged) engine.acknowledge(e.alarmId, 'nurse-sim');
    }, NURSE_ACK_AFTER_MS);
  });
  engine.start();
  const rng = mulberry32(7);
  const started = performance.now();
  let records = 0;
  let readings = 0;
  for (const record of ward.recordsBetween(START, END)) {
    clock.advanceTo(Math.max(clock.now(), record.deviceTimeMs + 5 + Math.floor(rng() * 56)));
    const rs = readingsOf(record, ward.gatewayId, clock.now());
    engine.onRecord(rs, { deviceId: record.deviceId, bedId: record.bedId, kind: 'serial', format: 'ascii-kv' }, record.probe ? QualityFlag.SENSOR_OFF : 0);
    records += 1;
    readings += rs.length;
  }
  clock.advanceTo(END + 60_000);
  engine.stop();
  return { events, records, readings, ms: performance.now() - started };
}

describe('ground truth: 50 beds over 6 simulated hours', () => {
  let ward: Ward;
  let events: AlarmEvent[];
  let schedule: GroundTruthEvent[];
  beforeAll(() => {
    ward = createWard({ beds: 50, seed: 2026, startMs: START, cacheChunks: 50 * 36 });
    schedule = ward.schedule(START, END);
    const result = run(ward);
    events = result.events;
    console.log(`ground truth: ${result.records} records, ${result.readings} readings through the engine in ${Math.round(result.ms)} ms; ${events.length} alarm phases`);
  }, 120_000);

  it('raises every physiological alarm the data calls for within delay + 1 s, and no other', () => {
    const physio = timelines(
      events.filter((e) => e.source === 'physiological'),
      (e) => `${e.bedId}|${e.metric}|${e.condition}`,
    );
    const explained = new Set<string>();
    const missed: string[] = [];
    let expected = 0;
    let borderline = 0;
    for (const bed of ward.beds) {
      for (const band of bandsOfDefaults()) {
        const key = `${bed.bedId}|${band.metric}|${band.direction}`;
        const beyond = band.direction === 'low' ? (v: number) => v < band.limit : (v: number) => v > band.limit;
        const timeline: Timeline | undefined = physio.get(key);
        for (const c of ward.crossings(bed.bedId, band.metric, beyond, START, END)) {
          const lastsMs = (c.clearedAtMs ?? Infinity) - c.startMs;
          // An activation that this run explains: `delay` after its first sample.
          for (const a of timeline?.activations ?? []) {
            const after = a.atMs - c.startMs;
            if (after >= band.delayMs - TOLERANCE_MS && after <= band.delayMs + TOLERANCE_MS && lastsMs >= band.delayMs - TOLERANCE_MS) {
              explained.add(`${key}|${a.atMs}|${a.kind}`);
            }
          }
          if (lastsMs <= band.delayMs + TOLERANCE_MS) {
            if (lastsMs >= band.delayMs - TOLERANCE_MS && band.delayMs > 0) borderline += 1;
            continue;
          }
          expected += 1;
          if (!alarmingWithin(timeline, band.priority, c.startMs, c.startMs + band.delayMs + 1000)) {
            missed.push(`${key} ${band.priority} run at +${c.startMs - START} ms lasting ${lastsMs} ms (${c.min}..${c.max})`);
          }
        }
      }
    }
    const unexplained: string[] = [];
    for (const [key, t] of physio) {
      for (const a of t.activations) {
        if (!explained.has(`${key}|${a.atMs}|${a.kind}`)) unexplained.push(`${key} ${a.kind} ${a.priority} at +${a.atMs - START} ms`);
      }
    }
    const activations = [...physio.values()].reduce((n, t) => n + t.activations.length, 0);
    console.log(`ground truth physiological: ${expected} expected alarms (band runs longer than their delay), ${borderline} borderline, ${activations} engine activations; missed ${missed.length}, false ${unexplained.length}`);
    expect(expected).toBeGreaterThan(50);
    expect(missed).toEqual([]);
    expect(unexplained).toEqual([]);
  });

  it('raises one technical alarm per scheduled artifact, where the schedule puts it, and no other', () => {
    const technical = events.filter((e) => e.source === 'technical');
    const kinds: Record<string, string> = { 'sensor-off': 'sensor-off', 'invalid-marker': 'invalid-value', demo: 'demo-mode', 'device-silent': 'comm-loss' };
    const raised = technical.filter((e) => e.phase === 'raised');
    const cleared = new Map(technical.filter((e) => e.phase === 'cleared').map((e) => [e.alarmId, e]));
    const matched = new Set<string>();
    const missed: string[] = [];
    for (const event of schedule) {
      const condition = kinds[event.kind];
      if (!condition) continue;
      // comm-loss counts from the last record before the silence (one tick earlier).
      const from = condition === 'comm-loss' ? event.startMs - 1000 + COMM_LOSS_MS : event.startMs;
      const hit = raised.find((e) => e.deviceId === event.deviceId && e.condition === condition && !matched.has(e.alarmId) && e.timeMs >= from - TOLERANCE_MS && e.timeMs <= from + 1000 + TOLERANCE_MS);
      const clear = hit && cleared.get(hit.alarmId);
      if (!hit || !clear || clear.timeMs < event.endMs || clear.timeMs > event.endMs + 2000) {
        missed.push(`${event.id} (${condition}) raised ${hit ? hit.timeMs - from : 'never'} cleared ${clear ? clear.timeMs - event.endMs : 'never'}`);
        continue;
      }
      matched.add(hit.alarmId);
    }
    // The simulation ends at END: every monitor falls silent then, rightly a comm-loss each.
    const atEnd = raised.filter((e) => e.condition === 'comm-loss' && e.timeMs > END);
    expect(atEnd.map((e) => e.deviceId).sort()).toEqual(ward.beds.map((b) => b.deviceId).sort());
    const unexpected = raised
      .filter((e) => !matched.has(e.alarmId) && !atEnd.includes(e))
      .map((e) => `${e.deviceId} ${e.condition} at +${e.timeMs - START} ms`);
    const artifacts = schedule.filter((e) => kinds[e.kind]).length;
    console.log(`ground truth technical: ${artifacts} scheduled artifacts, ${raised.length - atEnd.length} technical alarms raised before the end; missed ${missed.length}, false ${unexpected.length}`);
    expect(artifacts).toBeGreaterThan(20);
    expect(missed).toEqual([]);
    expect(unexpected).toEqual([]);
  });

  it('never lets demo or flagged data raise a physiological alarm, and every escalation follows an unacknowledged high alarm', () => {
    for (const demo of schedule.filter((e) => e.kind === 'demo')) {
      const during = events.filter((e) => e.source === 'physiological' && e.bedId === demo.bedId && e.phase === 'raised' && e.timeMs >= demo.startMs && e.timeMs <= demo.endMs + 1000);
      expect(during).toEqual([]);
    }
    // The simulated nurse answers in 90 s, before the 120 s escalation: none escalates.
    expect(events.filter((e) => e.phase === 'escalated')).toEqual([]);
    const acks = events.filter((e) => e.phase === 'acknowledged');
    expect(acks.length).toBeGreaterThan(0);
    expect(acks.every((e) => e.actor === 'nurse-sim' && e.priority === 'high')).toBe(true);
  });
});
