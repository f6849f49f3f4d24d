/**
 * Ward default rules for adults, seeded into `alarm_rules` once, and the per-metric
 * defaults a new rule takes when the CLI does not say.
 *
 * Where the numbers come from (each row below names its source):
 *
 * - [MON] Adult factory defaults of bedside monitors, from their operator's manuals:
 *   - Edan M3A Vital Signs Monitor user manual §9 and Contec CMS8000 user manual §12:
 *     SpO2 low 90 %, pulse rate 50-120 /min (adult).
 *   - Mindray TM80/TM70 telemetry monitor operator's manual ch. 12 (CMS factory
 *     defaults): SpO2 low 90 %; "SpO2 Desat" 80 % at high priority; NIBP systolic 90-160,
 *     diastolic 50-90, mean 60-110 mmHg.
 *   - Physio-Control LIFEPAK 15 operating instructions, table A-3 (default limits):
 *     respiration rate 5-30 /min, EtCO2 15-50 mmHg, temperature 35-39 °C.
 *   - Welch Allyn 1500 patient monitor directions for use: respiration rate 5-30 /min.
 * - [NEWS2] Royal College of Physicians, National Early Warning Score (NEWS) 2, 2017,
 *   chart 1: a single parameter scoring 3 (the "red" band) calls for urgent clinical
 *   review: pulse <= 40 or >= 131 /min, systolic <= 90 or >= 220 mmHg, RR <= 8 or
 *   >= 25 /min, SpO2 (scale 1) <= 91 %, temperature <= 35.0 °C.
 *
 * How they combine: medium priority at the monitors' default limits [MON]; high priority
 * where NEWS2's red band lies beyond those limits (pulse <= 40 and >= 131, systolic >= 220),
 * or where a monitor ships its own high-priority limit (SpO2 desat 80 %). Where NEWS2's red
 * band lies inside the monitor limits (RR, SpO2, low systolic, temperature) we keep the
 * monitor limit and add no high band, so one value never alarms twice. Limits are strict
 * (`v < low`, `v > high`), so "<= 40" is written as a low limit of 41 for an integer rate.
 * The arterial line (ABP) takes the NIBP numbers: no source above gives ABP defaults.
 *
 * Condition delays and hysteresis are OUR choices, not from a standard: 10 s for
 * continuous numerics (it rides out 3-8 s motion artifacts; Mindray's alarm delay setting
 * allows up to 15 s), 0 s for NIBP (one cuff measurement is the whole evidence, and the
 * next comes minutes later), and a hysteresis of a few units of monitor resolution.
 * A clinician can change every one of them with `rule set`.
 */
import type { AlarmPriority, MetricId } from '@wardlink/shared';
import type { AlarmRule } from './types.js';

export interface MetricDefaults {
  delayMs: number;
  hysteresis: number;
}

/** What a new rule takes for the fields the CLI leaves out. */
export const METRIC_DEFAULTS: Readonly<Record<MetricId, MetricDefaults>> = {
  HR: { delayMs: 10_000, hysteresis: 3 },
  PR: { delayMs: 10_000, hysteresis: 3 },
  SPO2: { delayMs: 10_000, hysteresis: 2 },
  PI: { delayMs: 10_000, hysteresis: 0.1 },
  RR: { delayMs: 10_000, hysteresis: 2 },
  NIBP_SYS: { delayMs: 0, hysteresis: 5 },
  NIBP_DIA: { delayMs: 0, hysteresis: 5 },
  NIBP_MEAN: { delayMs: 0, hysteresis: 5 },
  ABP_SYS: { delayMs: 10_000, hysteresis: 5 },
  ABP_DIA: { delayMs: 10_000, hysteresis: 5 },
  ABP_MEAN: { delayMs: 10_000, hysteresis: 5 },
  TEMP: { delayMs: 10_000, hysteresis: 0.2 },
  ETCO2: { delayMs: 10_000, hysteresis: 2 },
};

type DefaultRow = [ruleId: string, metric: MetricId, low: [number, AlarmPriority] | null, high: [number, AlarmPriority] | null, note: string];

const ROWS: DefaultRow[] = [
  ['default-hr', 'HR', [50, 'medium'], [120, 'medium'], 'MON: pulse rate 50-120 (Edan M3A, Contec CMS8000)'],
  ['default-hr-news2', 'HR', [41, 'high'], [130, 'high'], 'NEWS2 red band: pulse <= 40 or >= 131'],
  ['default-pr', 'PR', [50, 'medium'], [120, 'medium'], 'MON: pulse rate 50-120 (Edan M3A, Contec CMS8000)'],
  ['default-pr-news2', 'PR', [41, 'high'], [130, 'high'], 'NEWS2 red band: pulse <= 40 or >= 131'],
  ['default-spo2', 'SPO2', [90, 'medium'], null, 'MON: SpO2 low 90 (Edan M3A, Contec CMS8000, Mindray TM70)'],
  ['default-spo2-desat', 'SPO2', [80, 'high'], null, 'MON: SpO2 Desat 80, high priority (Mindray TM70)'],
  ['default-rr', 'RR', [5, 'medium'], [30, 'medium'], 'MON: respiration rate 5-30 (LIFEPAK 15, Welch Allyn 1500)'],
  ['default-nibp-sys', 'NIBP_SYS', [90, 'medium'], [160, 'medium'], 'MON: NIBP systolic 90-160 (Mindray TM70)'],
  ['default-nibp-sys-news2', 'NIBP_SYS', null, [219, 'high'], 'NEWS2 red band: systolic >= 220'],
  ['default-nibp-dia', 'NIBP_DIA', [50, 'medium'], [90, 'medium'], 'MON: NIBP diastolic 50-90 (Mindray TM70)'],
  ['default-nibp-mean', 'NIBP_MEAN', [60, 'medium'], [110, 'medium'], 'MON: NIBP mean 60-110 (Mindray TM70)'],
  ['default-abp-sys', 'ABP_SYS', [90, 'medium'], [160, 'medium'], 'NIBP systolic defaults applied to the arterial line'],
  ['default-abp-sys-news2', 'ABP_SYS', null, [219, 'high'], 'NEWS2 red band: systolic >= 220'],
  ['default-abp-dia', 'ABP_DIA', [50, 'medium'], [90, 'medium'], 'NIBP diastolic defaults applied to the arterial line'],
  ['default-abp-mean', 'ABP_MEAN', [60, 'medium'], [110, 'medium'], 'NIBP mean defaults applied to the arterial line'],
  ['default-temp', 'TEMP', [35, 'medium'], [39, 'medium'], 'MON: temperature 35-39 (LIFEPAK 15)'],
  ['default-etco2', 'ETCO2', [15, 'medium'], [50, 'medium'], 'MON: EtCO2 15-50 mmHg (LIFEPAK 15)'],
];

/** The ward defaults as rules (timestamps filled in when seeded). */
export function defaultRules(nowMs: number): AlarmRule[] {
  return ROWS.map(([ruleId, metric, low, high, note]) => ({
    ruleId,
    scope: 'ward',
    scopeId: '',
    metric,
    lowLimit: low?.[0] ?? null,
    lowPriority: low?.[1] ?? null,
    highLimit: high?.[0] ?? null,
    highPriority: high?.[1] ?? null,
    delayMs: METRIC_DEFAULTS[metric].delayMs,
    hysteresis: METRIC_DEFAULTS[metric].hysteresis,
    enabled: true,
    note,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  }));
}
