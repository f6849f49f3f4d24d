/**
 * `rule test`: which rule a value would trip on a bed, at which priority, after what
 * delay. Uses the same resolver and comparison as the engine.
 */
import { METRICS, type AlarmPriority, type MetricId } from '@wardlink/shared';
import { beyond } from './limit-tracker.js';
import { RuleResolver } from './rule-resolver.js';
import type { AlarmRule, Band, Direction } from './types.js';

export interface RuleTestResult {
  bedId: string;
  patientId: string | null;
  metric: MetricId;
  value: number;
  /** Every band in force for this bed and metric, most urgent first, low then high. */
  bands: (Band & { fires: boolean })[];
  /** The bands the value trips, most urgent first. */
  fires: Band[];
  /** The alarm the value would end in, or null if it is within every limit. */
  alarm: null | { direction: Direction; priority: AlarmPriority; ruleId: string; afterMs: number };
  summary: string;
}

export function testRule(rules: readonly AlarmRule[], q: { bedId: string; patientId: string | null; metric: MetricId; value: number }): RuleTestResult {
  const limits = new RuleResolver(rules).limitsFor(q.bedId, q.patientId, q.metric);
  const all = [...limits.low, ...limits.high];
  const bands = all.map((b) => ({ ...b, fires: beyond(b.direction, q.value, b.limit) }));
  const fires = bands.filter((b) => b.fires).map(({ fires: _f, ...b }) => b);
  const top = fires[0] ?? null;
  const m = METRICS[q.metric];
  const who = `bed ${q.bedId}${q.patientId ? ` (patient ${q.patientId})` : ''}`;
  let summary: string;
  if (all.length === 0) summary = `no enabled rule watches ${m.displayName} on ${who}`;
  else if (!top) summary = `${m.displayName} ${q.value} ${m.ucum} is within every limit on ${who}`;
  else {
    summary = fires
      .map((b) => `${b.priority} ${m.displayName} ${b.direction} alarm (${b.direction === 'low' ? '<' : '>'} ${b.limit}, rule ${b.ruleId}, ${b.scope}) after ${b.delayMs / 1000} s`)
      .join('; then ');
    summary = `${m.displayName} ${q.value} ${m.ucum} on ${who} raises: ${summary}`;
  }
  return {
    bedId: q.bedId,
    patientId: q.patientId,
    metric: q.metric,
    value: q.value,
    bands,
    fires,
    alarm: top && { direction: top.direction, priority: top.priority, ruleId: top.ruleId, afterMs: Math.min(...fires.filter((b) => b.direction === top.direction).map((b) => b.delayMs)) },
    summary,
  };
}
