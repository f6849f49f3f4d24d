/**
 * What the compaction bench's helpers share (scripts/bench/compaction.ts): the bench
 * hospital, the ward's gateway size, the metrics' MDC codes, and small number helpers.
 */
import { METRICS } from '@wardlink/shared';

export const HOSPITAL = 'h-bench';
export const BEDS_PER_GATEWAY = 20;
export const M = {
  HR: METRICS.HR.mdcCode,
  PR: METRICS.PR.mdcCode,
  SPO2: METRICS.SPO2.mdcCode,
  RR: METRICS.RR.mdcCode,
  PI: METRICS.PI.mdcCode,
  TEMP: METRICS.TEMP.mdcCode,
  NIBP_SYS: METRICS.NIBP_SYS.mdcCode,
  NIBP_DIA: METRICS.NIBP_DIA.mdcCode,
  NIBP_MEAN: METRICS.NIBP_MEAN.mdcCode,
};

export const round = (n: number, digits = 0) => Number(n.toFixed(digits));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
