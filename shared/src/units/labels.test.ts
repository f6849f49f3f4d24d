import { describe, expect, it } from 'vitest';
import { METRICS } from '../catalog/index.js';
import { unitLabel } from './labels.js';

describe('unitLabel', () => {
  it('gives the clinical spelling of the UCUM codes people read, and leaves plain codes alone', () => {
    expect(unitLabel('mm[Hg]')).toBe('mmHg');
    expect(unitLabel('Cel')).toBe('°C');
    expect(unitLabel('%')).toBe('%');
    expect(unitLabel('/min')).toBe('/min');
  });

  it('has no bracketed UCUM annotation left in any catalog metric label', () => {
    for (const m of Object.values(METRICS)) expect(unitLabel(m.ucum)).not.toMatch(/[[\]{}]/);
  });
});
