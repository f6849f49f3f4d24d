import { afterEach, describe, expect, it, vi } from 'vitest';
import { convertUcum, ucumCodeOf } from './ucum.js';

afterEach(() => vi.restoreAllMocks());

describe('UCUM through @lhncbc/ucum-lhc', () => {
  it('reads and converts real UCUM', () => {
    expect(ucumCodeOf('mm[Hg]')).toBe('mm[Hg]');
    expect(convertUcum(98.6, '[degF]', 'Cel')).toBeCloseTo(37, 5);
    expect(convertUcum(1, 'kPa', 'mm[Hg]')).toBeCloseTo(7.50062, 4);
  });

  it('never hands the library an object-key trap, which made it log a line per message (found by pnpm bench fuzz)', () => {
    const log = vi.spyOn(console, 'log');
    const error = vi.spyOn(console, 'error');
    for (const unit of ['__proto__', '26268__proto__8', 'constructor', 'mm[Hg]prototype', 'x'.repeat(200), 'mm Hg']) {
      expect(ucumCodeOf(unit)).toBeNull();
      expect(convertUcum(1, unit, 'Cel')).toBeNull();
    }
    expect(log).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });
});
