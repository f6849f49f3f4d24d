/**
 * Each phase's ORU^R40, field by field, against the PCD-04 tables (IHE PCD TF-2, ACM):
 * MSH (profile, acknowledgement modes), PID-3, PV1-3, OBR-3/4/7/29, and the seven OBX
 * facets (event, source with value and limits, phase, state, inactivation state,
 * priority, alert type), for real phases of the real engine.
 */
import { describe, expect, it } from 'vitest';
import { parseHl7Time, parseHl7Structure, type Hl7Segment } from '../../ingest/formats/hl7/index.js';
import { harness } from '../testing/harness.js';
import { build, highHrLifecycle, recordPhases, type Phase } from './testing/phases.js';

function parse(text: string): { names: string[]; seg: (name: string) => Hl7Segment; obx: (setId: number) => Hl7Segment } {
  const m = parseHl7Structure(text);
  return {
    names: m.segments.map((s) => s.name),
    seg: (name) => m.segments.find((s) => s.name === name)!,
    obx: (setId) => m.segments.find((s) => s.name === 'OBX' && s.fields[1] === String(setId))!,
  };
}

const f = (s: Hl7Segment, n: number) => s.fields[n] ?? '';

/** The facets that say where the alarm is in its life: OBX 3..7, OBX-5. */
function facets(p: ReturnType<typeof parse>): string[] {
  return [3, 4, 5, 6, 7].map((i) => f(p.obx(i), 5));
}

describe('PCD-04 ORU^R40, phase by phase', () => {
  const { phases } = highHrLifecycle();
  const byPhase = (phase: string): Phase => phases.find((p) => p.event.phase === phase)!;

  it('the engine gave every phase of a high alarm', () => {
    expect(phases.map((p) => p.event.phase)).toEqual(['raised', 'updated', 'escalated', 'acknowledged', 'cleared']);
  });

  it('start (raised): header, patient, location, the alert, its seven facets', () => {
    const p = byPhase('raised');
    const m = parse(build(p).text);
    expect(m.names).toEqual(['MSH', 'PID', 'PV1', 'OBR', 'OBX', 'OBX', 'OBX', 'OBX', 'OBX', 'OBX', 'OBX']);
    const msh = m.seg('MSH');
    // MSH: fields[n] is MSH-n (the parser counts the field separator as MSH-1).
    expect([f(msh, 3), f(msh, 4), f(msh, 5), f(msh, 9), f(msh, 10), f(msh, 11), f(msh, 12), f(msh, 15), f(msh, 16), f(msh, 18), f(msh, 21)]).toEqual([
      'WARDLINK', 'icu-3a', 'ASCOM', 'ORU^R40^ORU_R40', p.event.eventId, 'P', '2.6', 'AL', 'NE', 'UNICODE UTF-8', 'IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.4.1^ISO',
    ]);
    expect(f(m.seg('PID'), 3)).toBe('pat-1^^^^PI');
    expect([f(m.seg('PV1'), 2), f(m.seg('PV1'), 3)]).toEqual(['I', 'ICU3A^^Bed 1']);
    const obr = m.seg('OBR');
    expect([f(obr, 1), f(obr, 3), f(obr, 4), f(obr, 29)]).toEqual(['1', `${p.event.alarmId}^WARDLINK`, '196616^MDC_EVT_ALARM^MDC', '']);
    expect(parseHl7Time(f(obr, 7))).toBe(p.event.timeMs);
    const event = m.obx(1);
    expect([f(event, 2), f(event, 3), f(event, 4), f(event, 5), f(event, 8), f(event, 11)]).toEqual(['ST', '196648^MDC_EVT_HI^MDC', '1.0.0.0.1', p.event.message, 'H~PH~SP', 'F']);
    expect(parseHl7Time(f(event, 14))).toBe(p.event.timeMs);
    const source = m.obx(2);
    // The high-priority HR bands: < 41 and > 130 (ward defaults); 130 was crossed.
    expect([f(source, 2), f(source, 3), f(source, 4), f(source, 5), f(source, 6), f(source, 7), f(source, 11), f(source, 18)]).toEqual([
      'NM', '147842^MDC_ECG_HEART_RATE^MDC', '1.0.0.0.2', '145', '264864^MDC_DIM_BEAT_PER_MIN^MDC', '41-130', 'F', 'mon-1',
    ]);
    expect(build(p).alert.limit).toBe(130);
    const ids = [3, 4, 5, 6, 7].map((i) => [f(m.obx(i), 2), f(m.obx(i), 3), f(m.obx(i), 4), f(m.obx(i), 11)]);
    expect(ids).toEqual([
      ['ST', '68481^MDC_ATTR_EVENT_PHASE^MDC', '1.0.0.0.3', 'F'],
      ['ST', '68482^MDC_ATTR_ALARM_STATE^MDC', '1.0.0.0.4', 'F'],
      ['ST', '68483^MDC_ATTR_ALARM_INACTIVATION_STATE^MDC', '1.0.0.0.5', 'F'],
      ['ST', '68484^MDC_ATTR_ALARM_PRIORITY^MDC', '1.0.0.0.6', 'F'],
      ['ST', '68485^MDC_ATTR_ALERT_TYPE^MDC', '1.0.0.0.7', 'F'],
    ]);
    expect(facets(m)).toEqual(['start', 'active', 'enabled', 'PH', 'SP']);
  });

  it.each([
    ['updated', ['update', 'active', 'enabled', 'PH', 'SP'], '150'],
    ['escalated', ['escalate', 'active', 'enabled', 'PH', 'SP'], '150'],
    ['acknowledged', ['continue', 'active', 'alert-acknowledged', 'PH', 'SP'], '150'],
    ['cleared', ['end', 'inactive', 'alert-acknowledged', 'PH', 'SP'], '80'],
  ])('%s: its own report id, the alert as parent, and the facets %j', (phase, expected, value) => {
    const p = byPhase(phase);
    const m = parse(build(p).text);
    const obr = m.seg('OBR');
    // OBR-3 names this report; OBR-29 (EIP-2, subcomponents) names the alert: the raise's OBR-3.
    expect([f(obr, 3), f(obr, 29)]).toEqual([`${p.event.eventId}^WARDLINK`, `^${p.event.alarmId}&WARDLINK`]);
    expect(f(m.seg('MSH'), 10)).toBe(p.event.eventId);
    expect(facets(m)).toEqual(expected);
    expect(f(m.obx(2), 5)).toBe(value);
    expect(f(m.obx(1), 3)).toBe('196648^MDC_EVT_HI^MDC');
  });

  it('a low limit: MDC_EVT_LO, L, the measured value and the range at its priority', () => {
    const h = harness();
    const phases = recordPhases(h);
    const t0 = h.clock.now();
    for (let s = 0; s <= 10; s++) h.feed(t0 + s * 1000, { SPO2: 86 });
    const m = parse(build(phases[0]!).text);
    expect([f(m.obx(1), 3), f(m.obx(1), 8)]).toEqual(['196670^MDC_EVT_LO^MDC', 'L~PM~SP']);
    expect([f(m.obx(2), 3), f(m.obx(2), 5), f(m.obx(2), 6), f(m.obx(2), 7)]).toEqual(['150456^MDC_PULS_OXIM_SAT_O2^MDC', '86', '262688^MDC_DIM_PERCENT^MDC', '>=90']);
    expect(facets(m)).toEqual(['start', 'active', 'enabled', 'PM', 'SP']);
  });

  it('a technical alarm of the gateway: no patient, the unit as location, a local condition code, ST', () => {
    const h = harness();
    const phases = recordPhases(h);
    h.engine.onAlarmManagerState(false, 'no answer');
    const p = phases[0]!;
    expect(p.event).toMatchObject({ condition: 'alarm-manager-down', bedId: '-', priority: 'medium' });
    const m = parse(build(p, { pointOfCare: 'ICU3A', bedLabel: null }).text);
    expect(m.names.slice(0, 4)).toEqual(['MSH', 'PID', 'PV1', 'OBR']);
    expect(f(m.seg('PID'), 3)).toBe('');
    expect(f(m.seg('PV1'), 3)).toBe('ICU3A');
    const event = m.obx(1);
    expect([f(event, 2), f(event, 3), f(event, 8)]).toEqual(['CWE', '196616^MDC_EVT_ALARM^MDC', 'PM~ST']);
    expect(f(event, 5).split('^')[0]).toBe('alarm-manager-down');
    expect(f(event, 5).split('^')[2]).toBe('99WARDLINK');
    expect([f(m.obx(2), 2), f(m.obx(2), 3), f(m.obx(2), 5)]).toEqual(['ST', '68480^MDC_ATTR_ALERT_SOURCE^MDC', 'gateway']);
    expect(facets(m)).toEqual(['start', 'active', 'enabled', 'PM', 'ST']);
  });

  it('escapes what a value carries, so no text can break a field or a segment', () => {
    const p = byPhase('raised');
    const tricky = { ...p, event: { ...p.event, message: 'a|b^c&d~e\\f\rMSH|x' } };
    const m = parse(build(tricky).text);
    expect(m.names.filter((n) => n === 'MSH')).toHaveLength(1);
    expect(f(m.obx(1), 5)).toBe('a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\X0D\\MSH\\F\\x');
  });
});
