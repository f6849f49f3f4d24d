import { METRICS } from '@wardlink/shared';
import { describe, expect, it } from 'vitest';
import { checkUnit } from './units.js';

function converted(metric: keyof typeof METRICS, ids: string[], value: number): number | 'mismatch' {
  const check = checkUnit(METRICS[metric], ids);
  return check.ok ? check.convert(value) : 'mismatch';
}

describe('checkUnit', () => {
  it('accepts the catalog unit by MDC code, reference id, UCUM or common spelling, and no unit at all', () => {
    expect(converted('HR', ['264864', 'MDC_DIM_BEAT_PER_MIN'], 72)).toBe(72);
    expect(converted('RR', ['', '{breaths}/min'], 16)).toBe(16);
    expect(converted('RR', ['264864'], 16)).toBe(16); // a per-minute rate either way
    expect(converted('SPO2', ['%'], 97)).toBe(97);
    expect(converted('NIBP_SYS', ['', 'mmHg'], 120)).toBe(120);
    expect(converted('TEMP', ['Cel'], 36.6)).toBe(36.6);
    expect(converted('TEMP', ['', ''], 36.6)).toBe(36.6);
  });

  it('takes a percentage labelled dimensionless as a percentage (monitors do that for PI)', () => {
    expect(converted('PI', ['262656', 'MDC_DIM_DIMLESS'], 3.1)).toBe(3.1);
  });

  it('converts with UCUM: degF and K to Cel, kPa and cmH2O to mmHg', () => {
    expect(converted('TEMP', ['266528'], 310.15)).toBeCloseTo(37, 6);
    expect(converted('ABP_MEAN', ['cm[H2O]'], 136)).toBeCloseTo(100.036, 3);
  });

  it('converts degF to Cel and kPa to mmHg', () => {
    expect(converted('TEMP', ['266560', 'MDC_DIM_FAHR'], 98.6)).toBeCloseTo(37, 6);
    expect(converted('TEMP', ['[degF]'], 212)).toBeCloseTo(100, 6);
    expect(converted('ETCO2', ['265987'], 5.3)).toBeCloseTo(39.753, 3);
  });

  it('refuses other units', () => {
    expect(converted('SPO2', ['266016'], 97)).toBe('mismatch');
    expect(converted('TEMP', ['kPa'], 5)).toBe('mismatch');
    expect(converted('HR', ['furlongs'], 3)).toBe('mismatch');
    expect(converted('ETCO2', ['%'], 5.2)).toBe('mismatch'); // % CO2 needs the barometric pressure
    expect(converted('TEMP', ['mm[Hg]'], 37)).toBe('mismatch');
  });
});
