import { describe, expect, it } from 'vitest';
import { RuleResolver } from './rule-resolver.js';
import { feedSeries, harness, rule, T0 } from './testing/harness.js';

const WARD_SPO2 = rule({ metric: 'SPO2', lowLimit: 90, lowPriority: 'medium', delayMs: 0 });
const COPD_SPO2 = rule({ metric: 'SPO2', scope: 'patient', scopeId: 'pat-copd', lowLimit: 85, lowPriority: 'medium', delayMs: 0 });

describe('the rule resolver cache over years of admissions', () => {
  it('holds one entry per (bed, metric), not one per patient the bed ever had', () => {
    const resolver = new RuleResolver([WARD_SPO2, COPD_SPO2]);
    for (let admission = 0; admission < 5_000; admission++) {
      for (const bed of ['bed-01', 'bed-02']) {
        resolver.limitsFor(bed, `pat-${bed}-${admission}`, 'SPO2');
        resolver.limitsFor(bed, `pat-${bed}-${admission}`, 'HR');
      }
    }
    expect(resolver.cachedCount).toBe(4);
  });

  it('gives each patient their own limits, back and forth, and the same object while the patient stays', () => {
    const resolver = new RuleResolver([WARD_SPO2, COPD_SPO2]);
    const copd = resolver.limitsFor('bed-01', 'pat-copd', 'SPO2');
    expect(copd.low.map((b) => b.limit)).toEqual([85]);
    expect(resolver.limitsFor('bed-01', 'pat-copd', 'SPO2')).toBe(copd);
    expect(resolver.limitsFor('bed-01', 'pat-other', 'SPO2').low.map((b) => b.limit)).toEqual([90]);
    expect(resolver.limitsFor('bed-01', null, 'SPO2').low.map((b) => b.limit)).toEqual([90]);
    expect(resolver.limitsFor('bed-01', 'pat-copd', 'SPO2').low.map((b) => b.limit)).toEqual([85]);
  });

  it('lets the engine alarm on the current patient\'s limits after the bed changes patients', () => {
    const h = harness([WARD_SPO2, COPD_SPO2]);
    // The COPD patient at 88: within their own limit of 85, no alarm.
    let t = T0;
    for (let i = 0; i < 5; i++) h.feed((t += 1000), { SPO2: 88 }, { patientId: 'pat-copd' });
    expect(h.events).toEqual([]);
    // Discharged; the next patient at 88 is below the ward's 90.
    for (let i = 0; i < 5; i++) h.feed((t += 1000), { SPO2: 88 }, { patientId: 'pat-next' });
    expect(h.phases()).toEqual(['raised:medium:low:88']);
    t = feedSeries(h, 'SPO2', [97, 97], t + 1000);
    expect(h.engine.activeAlarms()).toEqual([]);
    // The COPD patient back in the bed: 88 is theirs to have again.
    const before = h.events.length;
    for (let i = 0; i < 5; i++) h.feed((t += 1000), { SPO2: 88 }, { patientId: 'pat-copd' });
    expect(h.events.slice(before)).toEqual([]);
  });
});
