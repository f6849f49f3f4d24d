/** The fleet states, worst first, at and around each threshold. */
import { describe, expect, it } from 'vitest';
import { BEHIND_AFTER_S, fleetState, SILENT_AFTER_S, SKEWED_ABOVE_S } from './thresholds.js';

const fine = { lastSeenAgeS: 3, backlogOldestAgeS: null, clockSkewS: 0.2 };

describe('fleetState', () => {
  it('is ok within every threshold, including at the thresholds themselves', () => {
    expect(fleetState(fine)).toBe('ok');
    expect(fleetState({ lastSeenAgeS: SILENT_AFTER_S, backlogOldestAgeS: BEHIND_AFTER_S, clockSkewS: -SKEWED_ABOVE_S })).toBe('ok');
  });

  it('names the worst problem: silent, then behind, then skewed', () => {
    expect(fleetState({ ...fine, lastSeenAgeS: null })).toBe('silent');
    expect(fleetState({ lastSeenAgeS: SILENT_AFTER_S + 1, backlogOldestAgeS: 9999, clockSkewS: 60 })).toBe('silent');
    expect(fleetState({ ...fine, backlogOldestAgeS: BEHIND_AFTER_S + 1, clockSkewS: 60 })).toBe('behind');
    expect(fleetState({ ...fine, clockSkewS: -(SKEWED_ABOVE_S + 0.1) })).toBe('skewed');
    expect(fleetState({ ...fine, clockSkewS: SKEWED_ABOVE_S + 0.1 })).toBe('skewed');
  });

  it('takes a shorter silence threshold when given one', () => {
    expect(fleetState({ ...fine, lastSeenAgeS: 3 }, 2)).toBe('silent');
  });
});
