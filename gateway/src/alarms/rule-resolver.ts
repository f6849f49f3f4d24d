/**
 * Turns the rule rows into the bands one (bed, patient, metric) is evaluated against, and
 * caches them, so a reading costs one Map lookup. The cache holds one entry per (bed,
 * metric), for the patient last asked about: keyed by patient too, it would keep every
 * patient a bed ever had until the rules change, and a gateway runs for years of admissions.
 *
 * Override model: every (metric, direction, priority) is a slot. For each slot the most
 * specific enabled rule wins: patient over bed over ward. So a COPD patient's
 * "SpO2 low 88 medium" replaces the ward's medium SpO2 band and keeps its high band.
 * Two enabled rules of the same scope for one slot: the one that alarms first wins (the
 * higher low limit, the lower high limit), the safer choice. Disabled rules take no part.
 */
import { ALARM_PRIORITIES, type MetricId } from '@wardlink/shared';
import { PRIORITY_RANK, type AlarmRule, type Band, type Direction, type MetricLimits, type RuleScope } from './types.js';

const SCOPE_RANK: Readonly<Record<RuleScope, number>> = { patient: 0, bed: 1, ward: 2 };
const EMPTY: readonly Band[] = [];

function bandOf(rule: AlarmRule, direction: Direction): Band | null {
  const limit = direction === 'low' ? rule.lowLimit : rule.highLimit;
  const priority = direction === 'low' ? rule.lowPriority : rule.highPriority;
  if (limit === null || priority === null) return null;
  return { ruleId: rule.ruleId, scope: rule.scope, direction, limit, priority, delayMs: rule.delayMs, hysteresis: rule.hysteresis };
}

/** True when band `a` should win its slot over `b`. */
function beats(a: Band, b: Band): boolean {
  if (SCOPE_RANK[a.scope] !== SCOPE_RANK[b.scope]) return SCOPE_RANK[a.scope] < SCOPE_RANK[b.scope];
  if (a.limit !== b.limit) return a.direction === 'low' ? a.limit > b.limit : a.limit < b.limit;
  return a.ruleId < b.ruleId;
}

/** The bands of one direction from the rules that apply, one per priority, most urgent first. */
export function bandsFor(rules: readonly AlarmRule[], direction: Direction): Band[] {
  const slots = new Map<string, Band>();
  for (const rule of rules) {
    if (!rule.enabled) continue;
    const band = bandOf(rule, direction);
    if (!band) continue;
    const held = slots.get(band.priority);
    if (!held || beats(band, held)) slots.set(band.priority, band);
  }
  return ALARM_PRIORITIES.map((p) => slots.get(p)).filter((b): b is Band => b !== undefined).sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority]);
}

export class RuleResolver {
  private byMetric = new Map<MetricId, AlarmRule[]>();
  /** Per (bed, metric): the limits of the patient last asked about. */
  private cache = new Map<string, { patientId: string | null; limits: MetricLimits }>();

  constructor(rules: readonly AlarmRule[] = []) {
    this.load(rules);
  }

  /** Replaces the rules; every cached `MetricLimits` object is dropped, so trackers rebind. */
  load(rules: readonly AlarmRule[]): void {
    this.byMetric = new Map();
    for (const r of rules) {
      const list = this.byMetric.get(r.metric) ?? [];
      list.push(r);
      this.byMetric.set(r.metric, list);
    }
    this.cache = new Map();
  }

  /** The rules that apply to this bed and patient for the metric, before slot selection. */
  applicable(bedId: string, patientId: string | null, metric: MetricId): AlarmRule[] {
    return (this.byMetric.get(metric) ?? []).filter(
      (r) => r.scope === 'ward' || (r.scope === 'bed' && r.scopeId === bedId) || (r.scope === 'patient' && patientId !== null && r.scopeId === patientId),
    );
  }

  /**
   * The bands for (bed, patient, metric). The same object is returned until `load` or a
   * question about another patient of that bed (the engine asks again only when the bed's
   * patient changes: it keeps the object it was given).
   */
  limitsFor(bedId: string, patientId: string | null, metric: MetricId): MetricLimits {
    const key = `${bedId}\u0000${metric}`;
    const cached = this.cache.get(key);
    if (cached && cached.patientId === patientId) return cached.limits;
    const rules = this.applicable(bedId, patientId, metric);
    const low = bandsFor(rules, 'low');
    const high = bandsFor(rules, 'high');
    const limits: MetricLimits = { metric, low: low.length ? low : EMPTY, high: high.length ? high : EMPTY };
    this.cache.set(key, { patientId, limits });
    return limits;
  }

  /** How many (bed, metric) limits are cached: at most beds × metrics, whatever the admissions. */
  get cachedCount(): number {
    return this.cache.size;
  }
}
