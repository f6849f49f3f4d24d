import { describe, expect, it } from 'vitest';
import { hasCode } from '@wardlink/shared';
import { defaultRules } from './defaults.js';
import { feedSeries, harness, rule, T0 } from './testing/harness.js';

const s = (sec: number) => T0 + sec * 1000;
const repeat = (v: number, n: number) => Array.from({ length: n }, () => v);
const SPO2_LOW = rule({ metric: 'SPO2', lowLimit: 90, lowPriority: 'medium', delayMs: 10_000, hysteresis: 2 });

describe('condition delay and hysteresis', () => {
  it('raises exactly the condition delay after the first sample beyond the limit, and clears only past the hysteresis', () => {
    const h = harness([SPO2_LOW]);
    let t = feedSeries(h, 'SPO2', repeat(97, 5), s(0));
    t = feedSeries(h, 'SPO2', repeat(85, 9), t); // 85 from 5 s to 13 s
    h.clock.advanceTo(s(15) - 1);
    expect(h.events).toEqual([]);
    t = feedSeries(h, 'SPO2', repeat(85, 17), t);
    expect(h.events.map((e) => [e.phase, e.timeMs - T0, e.value])).toEqual([['raised', 15_000, 85]]);
    t = feedSeries(h, 'SPO2', repeat(91, 10), t); // back above 90 but below 90 + 2: still alarming
    expect(h.engine.activeAlarms()).toHaveLength(1);
    feedSeries(h, 'SPO2', [92], t);
    expect(h.phases()).toEqual(['raised:medium:low:85', 'cleared:medium:low:92']);
    expect(h.engine.activeAlarms()).toEqual([]);
  });

  it('does not raise when the condition ends before the delay', () => {
    const h = harness([SPO2_LOW]);
    const t = feedSeries(h, 'SPO2', repeat(85, 9), s(0)); // 0..8 s below, 9 s back
    feedSeries(h, 'SPO2', repeat(95, 30), t);
    expect(h.events).toEqual([]);
  });

  it('does not flap on a value oscillating around the limit', () => {
    const h = harness([SPO2_LOW]);
    // Alternating 89/91 every second for 10 min: each 91 restarts the delay, no alarm.
    let t = feedSeries(h, 'SPO2', Array.from({ length: 600 }, (_, i) => (i % 2 ? 91 : 89)), s(0));
    expect(h.events).toEqual([]);
    // A slow swing 87..91 (limit 90, clears at 92): one alarm, held through every swing.
    const swing = Array.from({ length: 1800 }, (_, i) => Math.round(89 + 2 * Math.sin((2 * Math.PI * i) / 60)));
    t = feedSeries(h, 'SPO2', swing, t);
    expect(h.phases()).toEqual(['raised:medium:low:88', 'updated:medium:low:87']);
    feedSeries(h, 'SPO2', [95], t);
    expect(h.phases().at(-1)).toBe('cleared:medium:low:95');
  });

  it('lets a flagged sample restart a pending condition but not clear a raised alarm', () => {
    const h = harness([SPO2_LOW]);
    let t = feedSeries(h, 'SPO2', repeat(85, 8), s(0));
    h.feed(t, { SPO2: -999 }, { flags: { SPO2: 1 } });
    t = feedSeries(h, 'SPO2', repeat(85, 8), t + 1000);
    const physiological = (e: { source: string }) => e.source === 'physiological';
    expect(h.phases(physiological)).toEqual([]);
    t = feedSeries(h, 'SPO2', repeat(85, 5), t);
    expect(h.phases(physiological)).toEqual(['raised:medium:low:85']);
    h.feed(t, { SPO2: -999 }, { flags: { SPO2: 2 | 1 } });
    expect(h.engine.activeAlarms().filter((a) => a.source === 'physiological')).toHaveLength(1);
  });
});

describe('a tracker with every band idle (judged without visiting its bands, issue 18)', () => {
  it('sees the first value beyond a limit, after a long quiet run and after the rules change', () => {
    const h = harness([SPO2_LOW]);
    let t = feedSeries(h, 'SPO2', repeat(97, 30), s(0));
    t = feedSeries(h, 'SPO2', repeat(89, 11), t); // 89 from 30 s: raised at 40 s
    expect(h.phases()).toEqual(['raised:medium:low:89']);
    t = feedSeries(h, 'SPO2', repeat(97, 30), t); // cleared, then quiet again
    h.engine.setRules([{ ...SPO2_LOW, lowLimit: 95 }]);
    t = feedSeries(h, 'SPO2', repeat(96, 5), t);
    const from = t;
    feedSeries(h, 'SPO2', repeat(93, 11), t); // beyond the new limit only
    expect(h.phases()).toEqual(['raised:medium:low:89', 'cleared:medium:low:97', 'raised:medium:low:93']);
    expect(h.events.at(-1)!.timeMs).toBe(from + 10_000);
  });

  it('raises each band of several as the value passes it', () => {
    const h = harness([SPO2_LOW, rule({ metric: 'SPO2', lowLimit: 85, lowPriority: 'high', delayMs: 10_000, hysteresis: 2 })]);
    let t = feedSeries(h, 'SPO2', repeat(97, 30), s(0));
    t = feedSeries(h, 'SPO2', repeat(87, 11), t);
    feedSeries(h, 'SPO2', repeat(83, 11), t);
    expect(h.phases()).toEqual(['raised:medium:low:87', 'updated:medium:low:83', 'updated:high:low:83']);
  });
});

describe('priority bands, latching and acknowledgement', () => {
  it('escalates the priority as the value worsens, latches high, and clears on acknowledgement', () => {
    const h = harness(); // ward defaults: HR medium > 120, high > 130, 10 s, hysteresis 3
    let t = feedSeries(h, 'HR', repeat(100, 5), s(0));
    t = feedSeries(h, 'HR', repeat(125, 20), t);
    t = feedSeries(h, 'HR', repeat(135, 20), t);
    feedSeries(h, 'HR', repeat(80, 5), t);
    expect(h.phases()).toEqual(['raised:medium:high:125', 'updated:medium:high:135', 'updated:high:high:135', 'updated:high:high:80']);
    expect(h.events.map((e) => e.timeMs - T0)).toEqual([15_000, 25_000, 35_000, 45_000]);
    const [alarm] = h.engine.activeAlarms();
    expect(alarm).toMatchObject({ priority: 'high', latched: true, conditionPresent: false, acknowledged: false, value: 135 });
    h.engine.acknowledge(alarm!.alarmId, 'nurse-ann');
    expect(h.phases().slice(4)).toEqual(['acknowledged:high:high', 'cleared:high:high']);
    expect(h.events[4]!.actor).toBe('nurse-ann');
    expect(h.engine.activeAlarms()).toEqual([]);
  });

  it('keeps an acknowledged alarm while its condition lasts, and refuses a second or unknown acknowledgement', () => {
    const h = harness([SPO2_LOW]);
    const t = feedSeries(h, 'SPO2', repeat(85, 15), s(0));
    const id = h.engine.activeAlarms()[0]!.alarmId;
    h.engine.acknowledge(id, 'nurse-bo');
    expect(h.engine.activeAlarms()[0]).toMatchObject({ acknowledged: true, acknowledgedBy: 'nurse-bo' });
    expect(() => h.engine.acknowledge(id, 'nurse-cy')).toThrow(expect.objectContaining({ code: 'WL_ALARM_ALREADY_ACKNOWLEDGED' }));
    let caught: unknown;
    try {
      h.engine.acknowledge('no-such-alarm', 'nurse-cy');
    } catch (err) {
      caught = err;
    }
    expect(hasCode(caught, 'WL_ALARM_NOT_FOUND')).toBe(true);
    feedSeries(h, 'SPO2', repeat(95, 2), t);
    expect(h.phases()).toEqual(['raised:medium:low:85', 'acknowledged:medium:low', 'cleared:medium:low:95']);
  });

  it('re-notifies an unacknowledged high alarm every 30 s, escalates once after 120 s, and stops when acknowledged', () => {
    const h = harness([rule({ metric: 'HR', highLimit: 130, highPriority: 'high', delayMs: 10_000, hysteresis: 3 })]);
    feedSeries(h, 'HR', repeat(140, 200), s(0)); // raised at 10 s
    expect(h.reminders.map((r) => r.atMs - T0)).toEqual([40_000, 70_000, 100_000, 130_000, 160_000, 190_000]);
    expect(h.reminders.map((r) => r.count)).toEqual([1, 2, 3, 4, 5, 6]);
    const escalated = h.events.filter((e) => e.phase === 'escalated');
    expect(escalated.map((e) => e.timeMs - T0)).toEqual([130_000]);
    h.engine.acknowledge(h.engine.activeAlarms()[0]!.alarmId, 'nurse-di');
    h.clock.advanceTo(s(1000));
    expect(h.reminders).toHaveLength(6);
    expect(h.events.filter((e) => e.phase === 'escalated')).toHaveLength(1);
  });

  it('re-arms an acknowledged alarm whose priority rises', () => {
    const h = harness();
    let t = feedSeries(h, 'HR', repeat(125, 15), s(0));
    h.engine.acknowledge(h.engine.activeAlarms()[0]!.alarmId, 'nurse-ed');
    t = feedSeries(h, 'HR', repeat(140, 15), t);
    expect(h.engine.activeAlarms()[0]).toMatchObject({ priority: 'high', acknowledged: false });
    h.clock.advanceTo(t + 30_000);
    expect(h.reminders.length).toBeGreaterThan(0);
  });

  it('applies a patient override slot by slot: COPD SpO2 low 88 keeps the ward high band', () => {
    const copd = rule({ ruleId: 'copd', metric: 'SPO2', scope: 'patient', scopeId: 'pat-copd', lowLimit: 88, lowPriority: 'medium' });
    const h = harness([...defaultRules(0).filter((r) => r.metric === 'SPO2'), copd]);
    const copdBed = { deviceId: 'mon-2', bedId: 'bed-2', kind: 'serial', format: 'ascii-kv' };
    for (let i = 0; i < 15; i++) {
      h.feed(s(i), { SPO2: 89 }); // pat-1 on bed-1: ward limit 90
      h.feed(s(i), { SPO2: 89 }, { device: copdBed, patientId: 'pat-copd' });
    }
    expect(h.engine.activeAlarms().map((a) => a.bedId)).toEqual(['bed-1']);
    for (let i = 15; i < 30; i++) h.feed(s(i), { SPO2: 78 }, { device: copdBed, patientId: 'pat-copd' });
    expect(h.engine.bedState('bed-2')).toMatchObject({ highest: 'high' });
  });

  it('sorts active alarms by priority, then age', () => {
    const h = harness([
      rule({ metric: 'HR', highLimit: 120, highPriority: 'low', delayMs: 0 }),
      rule({ metric: 'SPO2', lowLimit: 90, lowPriority: 'high', delayMs: 0 }),
      rule({ metric: 'RR', highLimit: 30, highPriority: 'high', delayMs: 0 }),
    ]);
    h.feed(s(0), { HR: 130 });
    h.feed(s(1), { RR: 35 });
    h.feed(s(2), { SPO2: 80 });
    expect(h.engine.activeAlarms().map((a) => `${a.priority}:${a.metric}`)).toEqual(['high:RR', 'high:SPO2', 'low:HR']);
  });
});

describe('alarm texts', () => {
  it('spell the unit as the bed card does (mmHg, not the UCUM code mm[Hg])', () => {
    const h = harness([rule({ metric: 'NIBP_SYS', highLimit: 160, highPriority: 'medium', delayMs: 0, hysteresis: 5 })]);
    feedSeries(h, 'NIBP_SYS', [120, 185], s(0));
    const raised = h.events.find((e) => e.phase === 'raised');
    expect(raised?.message).toMatch(/^.* 185 mmHg above 160 \(bed /);
    expect(raised?.message).not.toContain('mm[Hg]');
  });
});
