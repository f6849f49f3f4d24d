import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RuleStore } from './rule-store.js';
import { testRule } from './rule-test.js';
import { tempDb, type TempDb } from './testing/temp-db.js';

let tmp: TempDb;
let store: RuleStore;
let clock = 1000;

beforeEach(() => {
  tmp = tempDb();
  store = new RuleStore(tmp.connect(), () => clock++);
});
afterEach(() => tmp.cleanup());

describe('rule store', () => {
  it('seeds the ward defaults once, and a removed default stays removed', () => {
    expect(store.seedDefaults()).toBeGreaterThan(10);
    const spo2 = store.list({ metric: 'SPO2' });
    expect(spo2.map((r) => [r.ruleId, r.lowLimit, r.lowPriority, r.delayMs])).toEqual([
      ['default-spo2', 90, 'medium', 10_000],
      ['default-spo2-desat', 80, 'high', 10_000],
    ]);
    expect(spo2.every((r) => r.note && /MON|NEWS2/.test(r.note))).toBe(true);
    store.remove('default-spo2-desat', 'it-admin');
    expect(store.seedDefaults()).toBe(0);
    expect(store.list({ metric: 'SPO2' })).toHaveLength(1);
  });

  it('adds, changes, disables and removes rules, auditing each change with who made it', () => {
    const v0 = store.version();
    const rule = store.add({ scope: 'patient', scopeId: 'P-copd', metric: 'SPO2', lowLimit: 88, note: 'COPD target 88-92' }, 'dr-lee');
    expect(rule).toMatchObject({ lowPriority: 'medium', delayMs: 10_000, hysteresis: 2, enabled: true });
    expect(store.version()).toBeGreaterThan(v0);
    store.set(rule.ruleId, { lowLimit: 86, lowPriority: 'high', delayMs: 15_000 }, 'dr-lee');
    store.set(rule.ruleId, { enabled: false }, 'nurse-ann');
    store.remove(rule.ruleId, 'it-admin');
    const changes = store.changes({ ruleId: rule.ruleId });
    expect(changes.map((c) => [c.action, c.actor])).toEqual([
      ['remove', 'it-admin'],
      ['disable', 'nurse-ann'],
      ['set', 'dr-lee'],
      ['add', 'dr-lee'],
    ]);
    expect(changes[2]!.before?.lowLimit).toBe(88);
    expect(changes[2]!.after?.lowLimit).toBe(86);
    expect(() => store.get(rule.ruleId)).toThrow(expect.objectContaining({ code: 'WL_RULE_NOT_FOUND' }));
  });

  it('refuses invalid rules with the field named, and leaves nothing behind', () => {
    const bad = [
      { metric: 'NOPE', lowLimit: 1 },
      { metric: 'HR' },
      { metric: 'HR', lowLimit: 130, highLimit: 120 },
      { metric: 'SPO2', lowLimit: 120 },
      { metric: 'HR', lowLimit: 40, lowPriority: 'urgent' as never },
      { metric: 'HR', lowLimit: 40, delayMs: 600_000 },
      { metric: 'HR', lowLimit: 40, scope: 'bed' as const, scopeId: '' },
    ];
    for (const input of bad) expect(() => store.add(input), JSON.stringify(input)).toThrow(expect.objectContaining({ code: 'WL_RULE_INVALID' }));
    const ok = store.add({ ruleId: 'mine', metric: 'HR', highLimit: 140 });
    expect(() => store.add({ ruleId: 'mine', metric: 'HR', highLimit: 150 })).toThrow(expect.objectContaining({ code: 'WL_RULE_INVALID' }));
    expect(() => store.set(ok.ruleId, { lowLimit: 150 })).toThrow(expect.objectContaining({ field: 'lowLimit' }));
    expect(store.list()).toHaveLength(1);
    expect(store.get('mine').lowLimit).toBeNull();
  });

  it('answers "rule test": which band fires, at which priority, after what delay, with overrides', () => {
    store.seedDefaults();
    store.add({ ruleId: 'copd', scope: 'patient', scopeId: 'P-copd', metric: 'SPO2', lowLimit: 88 });
    const ward = testRule(store.list(), { bedId: 'bed-1', patientId: null, metric: 'SPO2', value: 89 });
    expect(ward.alarm).toEqual({ direction: 'low', priority: 'medium', ruleId: 'default-spo2', afterMs: 10_000 });
    const copd = testRule(store.list(), { bedId: 'bed-1', patientId: 'P-copd', metric: 'SPO2', value: 89 });
    expect(copd.alarm).toBeNull();
    expect(copd.summary).toMatch(/within every limit/);
    const deep = testRule(store.list(), { bedId: 'bed-1', patientId: 'P-copd', metric: 'SPO2', value: 75 });
    expect(deep.fires.map((b) => [b.ruleId, b.priority])).toEqual([
      ['default-spo2-desat', 'high'],
      ['copd', 'medium'],
    ]);
    expect(deep.summary).toMatch(/high SpO2 low alarm .* after 10 s/);
  });
});
