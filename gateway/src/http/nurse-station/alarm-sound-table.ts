/**
 * The auditory alarm signals of IEC 60601-1-8:2006+A1:2012 (medical electrical equipment,
 * alarm systems), as the page plays them. The standard's values this table keeps to:
 *
 * Table 3, the burst:
 *   pulses per burst            high 10, medium 3, low 1 or 2 (we use 2)
 *   pulse spacing ts            high: x between pulses 1-2, 2-3, 4-5, 6-7, 7-8, 9-10;
 *                               2x + td between 3-4 and 8-9 (the "3 + 2" rhythm);
 *                               0.35 s to 1.30 s between 5-6 (the two halves)
 *                               medium and low: y between pulses
 *                               x = 50 ms to 125 ms, y = 125 ms to 250 ms
 *   interburst interval tb      high 2.5 s to 15 s, medium 2.5 s to 30 s, low > 15 s
 *   amplitude difference        at most 10 dB between pulses (all ours are equal)
 *   medium td + y >= high td + x
 * Table 4, the pulse:
 *   fundamental f0              150 Hz to 1000 Hz
 *   harmonics                   at least 4 in 300 Hz to 4000 Hz
 *   effective duration td       high 75 ms to 200 ms, medium and low 125 ms to 250 ms
 *   rise time tr                10 % to 20 % of td; fall time no longer than the spacing
 *
 * Pitch falls with priority (not required, but usual, and it tells them apart by ear).
 * The page's script receives the table as JSON (page-script.ts), so tests read the same
 * numbers the page plays.
 */
export type AlarmPriority = 'high' | 'medium' | 'low';

export interface BurstPattern {
  /** Fundamental, Hz. */
  f0Hz: number;
  /** Harmonics 1..n at amplitude 1/k: 880 Hz gives 880, 1760, 2640 and 3520 Hz in 300-4000 Hz. */
  harmonics: number;
  /** Effective pulse duration td, ms. */
  pulseMs: number;
  /** Rise and fall time, ms (15 % of td). */
  rampMs: number;
  /** Spacing ts after each pulse but the last, ms (end of one pulse to start of the next). */
  spacingMs: number[];
  /** Interburst interval tb, ms (end of a burst's last pulse to the next burst's first). */
  interburstMs: number;
}

const X = 100; // high priority spacing x (50-125 ms)
const TD_HIGH = 150; // high priority td (75-200 ms)
const Y = 200; // medium and low spacing y (125-250 ms); 200 + 200 >= 150 + 100
const TD_LOW = 200; // medium and low td (125-250 ms)

export const BURSTS: Readonly<Record<AlarmPriority, BurstPattern>> = {
  high: { f0Hz: 880, harmonics: 5, pulseMs: TD_HIGH, rampMs: 0.15 * TD_HIGH, spacingMs: [X, X, 2 * X + TD_HIGH, X, 600, X, X, 2 * X + TD_HIGH, X], interburstMs: 3000 },
  medium: { f0Hz: 660, harmonics: 5, pulseMs: TD_LOW, rampMs: 0.15 * TD_LOW, spacingMs: [Y, Y], interburstMs: 6000 },
  low: { f0Hz: 523, harmonics: 5, pulseMs: TD_LOW, rampMs: 0.15 * TD_LOW, spacingMs: [Y], interburstMs: 20000 },
};

/** Start of each pulse from the burst's start, ms. */
export function pulseStartsMs(p: BurstPattern): number[] {
  const starts = [0];
  for (const gap of p.spacingMs) starts.push(starts[starts.length - 1]! + p.pulseMs + gap);
  return starts;
}
