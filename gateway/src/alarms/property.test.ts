/**
 * Property: on random streams (values around random limits, flagged samples, irregular
 * gaps, nurses acknowledging at random moments), the engine emits exactly the phases of
 * the millisecond-stepped reference evaluator in testing/reference.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALARM_PRIORITIES, QualityFlag, type AlarmPriority } from '@wardlink/shared';
import { harness, rule, T0 } from './testing/harness.js';
import { referencePhases, type RefBand, type RefSample } from './testing/reference.js';

const ESCALATE_AFTER_MS = 20_003; // off the 10 ms sample grid, so it never ties with a sample

const bandsArb = fc
  .record({
    priorities: fc.subarray([...ALARM_PRIORITIES], { minLength: 1 }),
    delayMs: fc.constantFrom(0, 1000, 2000, 3000, 10_000),
    limits: fc.array(fc.integer({ min: 70, max: 130 }), { minLength: 3, maxLength: 3 }),
    hysteresis: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 3, maxLength: 3 }),
  })
  .map(({ priorities, delayMs, limits, hysteresis }): RefBand[] =>
    priorities.map((priority: AlarmPriority, i) => ({ priority, limit: limits[i]!, hysteresis: hysteresis[i]!, delayMs })),
  );

const streamArb = fc.array(
  fc.record({
    gapMs: fc.oneof(fc.constantFrom(1000, 1000, 1000, 2000, 500), fc.integer({ min: 1, max: 400 }).map((n) => n * 10)),
    value: fc.integer({ min: 50, max: 150 }),
    flagged: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    ackAfter: fc.integer({ min: 0, max: 11 }).map((n) => n === 0),
  }),
  { minLength: 1, maxLength: 120 },
);

describe('the engine against the reference evaluator', () => {
  for (const direction of ['low', 'high'] as const) {
    it(`agrees on random streams (${direction} limits)`, () => {
      fc.assert(
        fc.property(bandsArb, streamArb, (bands, stream) => {
          const rules = bands.map((b, i) =>
            rule({
              ruleId: `r${i}`,
              metric: 'HR',
              ...(direction === 'low' ? { lowLimit: b.limit, lowPriority: b.priority } : { highLimit: b.limit, highPriority: b.priority }),
              delayMs: b.delayMs,
              hysteresis: b.hysteresis,
            }),
          );
          const h = harness(rules, { escalateAfterMs: ESCALATE_AFTER_MS, commLoss: { defaultMs: 1e9 } });
          const samples: RefSample[] = [];
          const acks: number[] = [];
          let t = T0;
          for (const s of stream) {
            t += s.gapMs;
            samples.push({ atMs: t, value: s.value, flagged: s.flagged });
            h.feed(t, { HR: s.value }, { flags: s.flagged ? { HR: QualityFlag.INVALID } : {} });
            if (s.ackAfter) {
              acks.push(t + 5);
              h.clock.advanceTo(t + 5);
              const live = h.engine.activeAlarms().find((a) => a.condition === direction && !a.acknowledged);
              if (live) h.engine.acknowledge(live.alarmId, 'nurse-prop');
            }
          }
          const endMs = t + ESCALATE_AFTER_MS + 10;
          h.clock.advanceTo(endMs);
          const got = h.events
            .filter((e) => e.source === 'physiological' && e.condition === direction)
            .map((e) => ({ phase: e.phase, priority: e.priority, atMs: e.timeMs, value: e.value }));
          const want = referencePhases(direction, bands, samples, acks, { escalateAfterMs: ESCALATE_AFTER_MS, endMs });
          expect(got).toEqual(want);
        }),
        { numRuns: 150 },
      );
    });
  }
});
