/**
 * Checks a rule once, where it enters (CLI or API), so the engine never meets a rule it
 * cannot evaluate. Each failure names the field and the rule it broke.
 */
import { ALARM_PRIORITIES, METRICS, RuleInvalidError, isMetricId, unitLabel, type AlarmPriority, type MetricId } from '@wardlink/shared';
import { RULE_SCOPES, type AlarmRule, type RuleScope } from './types.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
/** Longest condition delay accepted: IEC 60601-1-8 asks for short delays; a minute is generous. */
export const MAX_DELAY_MS = 120_000;

export function checkRuleId(ruleId: string): void {
  if (!ID.test(ruleId)) throw new RuleInvalidError('ruleId', "must be 1-64 letters, digits, '.', '_', ':' or '-'", ruleId);
}

export function checkMetric(metric: string): MetricId {
  if (!isMetricId(metric)) throw new RuleInvalidError('metric', `must be one of ${Object.keys(METRICS).join(', ')}`, metric);
  return metric;
}

export function checkPriority(field: string, priority: string): AlarmPriority {
  if (!(ALARM_PRIORITIES as readonly string[]).includes(priority)) throw new RuleInvalidError(field, 'must be high, medium or low', priority);
  return priority as AlarmPriority;
}

export function checkScope(scope: string, scopeId: string): RuleScope {
  if (!(RULE_SCOPES as readonly string[]).includes(scope)) throw new RuleInvalidError('scope', 'must be ward, bed or patient', scope);
  if (scope === 'ward' && scopeId !== '') throw new RuleInvalidError('scopeId', 'must be empty for a ward rule', scopeId);
  if (scope !== 'ward' && !ID.test(scopeId)) throw new RuleInvalidError('scopeId', `must be the ${scope} id`, scopeId);
  return scope as RuleScope;
}

/** Validates every field of a complete rule; returns it unchanged. */
export function validateRule(rule: AlarmRule): AlarmRule {
  checkRuleId(rule.ruleId);
  checkScope(rule.scope, rule.scopeId);
  const metric = METRICS[checkMetric(rule.metric)];
  if (rule.lowLimit === null && rule.highLimit === null) throw new RuleInvalidError('limits', 'need a low limit, a high limit or both');
  for (const [side, limit, priority] of [
    ['low', rule.lowLimit, rule.lowPriority],
    ['high', rule.highLimit, rule.highPriority],
  ] as const) {
    if (limit === null) {
      if (priority !== null) throw new RuleInvalidError(`${side}Priority`, `needs a ${side} limit`);
      continue;
    }
    if (!Number.isFinite(limit) || limit < metric.possibleMin || limit > metric.possibleMax) {
      throw new RuleInvalidError(`${side}Limit`, `must be a number within ${metric.possibleMin}-${metric.possibleMax} ${unitLabel(metric.ucum)} for ${metric.id}`, limit);
    }
    checkPriority(`${side}Priority`, priority ?? '');
  }
  if (rule.lowLimit !== null && rule.highLimit !== null && rule.lowLimit >= rule.highLimit) {
    throw new RuleInvalidError('lowLimit', `must be below the high limit ${rule.highLimit}`, rule.lowLimit);
  }
  if (!Number.isInteger(rule.delayMs) || rule.delayMs < 0 || rule.delayMs > MAX_DELAY_MS) {
    throw new RuleInvalidError('delay', `must be 0 to ${MAX_DELAY_MS / 1000} s in whole milliseconds`, rule.delayMs / 1000);
  }
  const span = metric.possibleMax - metric.possibleMin;
  if (!Number.isFinite(rule.hysteresis) || rule.hysteresis < 0 || rule.hysteresis > span / 4) {
    throw new RuleInvalidError('hysteresis', `must be 0 to ${span / 4} ${unitLabel(metric.ucum)}`, rule.hysteresis);
  }
  if (rule.note !== null && rule.note.length > 200) throw new RuleInvalidError('note', 'must be at most 200 characters');
  return rule;
}
