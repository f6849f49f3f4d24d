/**
 * Rules in SQLite: add, list, change, enable/disable and remove, each with an audit row
 * in `alarm_rule_changes` written in the same transaction. The CLI writes here; the
 * daemon's engine reads through `RuleWatcher` (it reloads when `rules_version` moves).
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { RuleInvalidError, RuleNotFoundError, type AlarmPriority, type MetricId } from '@wardlink/shared';
import { defaultRules, METRIC_DEFAULTS } from './defaults.js';
import { checkMetric, checkScope, validateRule } from './rule-validate.js';
import type { AlarmRule, RuleScope } from './types.js';

interface RuleRow {
  rule_id: string;
  scope: string;
  scope_id: string;
  metric: string;
  low_limit: number | null;
  low_priority: string | null;
  high_limit: number | null;
  high_priority: string | null;
  delay_ms: number;
  hysteresis: number;
  enabled: number;
  note: string | null;
  created_at_ms: number;
  updated_at_ms: number;
}

function toRule(r: RuleRow): AlarmRule {
  return {
    ruleId: r.rule_id,
    scope: r.scope as RuleScope,
    scopeId: r.scope_id,
    metric: r.metric as MetricId,
    lowLimit: r.low_limit,
    lowPriority: r.low_priority as AlarmPriority | null,
    highLimit: r.high_limit,
    highPriority: r.high_priority as AlarmPriority | null,
    delayMs: r.delay_ms,
    hysteresis: r.hysteresis,
    enabled: r.enabled === 1,
    note: r.note,
    createdAtMs: r.created_at_ms,
    updatedAtMs: r.updated_at_ms,
  };
}

/** A rule to add; the fields left out take the metric's defaults (see defaults.ts). */
export interface NewRule {
  ruleId?: string;
  scope?: RuleScope;
  scopeId?: string;
  metric: string;
  lowLimit?: number | null;
  lowPriority?: AlarmPriority | null;
  highLimit?: number | null;
  highPriority?: AlarmPriority | null;
  delayMs?: number;
  hysteresis?: number;
  enabled?: boolean;
  note?: string | null;
}

/** A change to a rule: only the fields given change; `null` removes a limit. */
export type RulePatch = Partial<Pick<AlarmRule, 'lowLimit' | 'lowPriority' | 'highLimit' | 'highPriority' | 'delayMs' | 'hysteresis' | 'enabled' | 'note'>>;

export interface RuleFilter {
  scope?: RuleScope;
  scopeId?: string;
  metric?: MetricId;
}

export class RuleStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seeds the ward defaults once per database (a rule IT removed stays removed). */
  seedDefaults(): number {
    return this.db.transaction(() => {
      const seeded = this.db.prepare("SELECT value FROM alarm_meta WHERE key = 'defaults_seeded'").pluck().get() as number;
      if (seeded) return 0;
      const rules = defaultRules(this.now());
      for (const rule of rules) this.insert(rule, 'seed', 'wardlink');
      this.db.prepare("UPDATE alarm_meta SET value = 1 WHERE key = 'defaults_seeded'").run();
      return rules.length;
    }).immediate();
  }

  /** Changes whenever any rule changes, whichever process changed it. */
  version(): number {
    return this.db.prepare("SELECT value FROM alarm_meta WHERE key = 'rules_version'").pluck().get() as number;
  }

  list(filter: RuleFilter = {}): AlarmRule[] {
    const rows = this.db.prepare('SELECT * FROM alarm_rules ORDER BY metric, scope, scope_id, rule_id').all() as RuleRow[];
    return rows
      .map(toRule)
      .filter((r) => (filter.scope === undefined || r.scope === filter.scope) && (filter.scopeId === undefined || r.scopeId === filter.scopeId))
      .filter((r) => filter.metric === undefined || r.metric === filter.metric);
  }

  get(ruleId: string): AlarmRule {
    const row = this.db.prepare('SELECT * FROM alarm_rules WHERE rule_id = ?').get(ruleId) as RuleRow | undefined;
    if (!row) throw new RuleNotFoundError(ruleId);
    return toRule(row);
  }

  add(input: NewRule, actor: string | null = null): AlarmRule {
    const metric = checkMetric(input.metric);
    const scope = input.scope ?? 'ward';
    const scopeId = input.scopeId ?? '';
    checkScope(scope, scopeId);
    const now = this.now();
    const rule = validateRule({
      ruleId: input.ruleId ?? this.newId(scope, metric),
      scope,
      scopeId,
      metric,
      lowLimit: input.lowLimit ?? null,
      lowPriority: input.lowLimit == null ? null : (input.lowPriority ?? 'medium'),
      highLimit: input.highLimit ?? null,
      highPriority: input.highLimit == null ? null : (input.highPriority ?? 'medium'),
      delayMs: input.delayMs ?? METRIC_DEFAULTS[metric].delayMs,
      hysteresis: input.hysteresis ?? METRIC_DEFAULTS[metric].hysteresis,
      enabled: input.enabled ?? true,
      note: input.note ?? null,
      createdAtMs: now,
      updatedAtMs: now,
    });
    this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM alarm_rules WHERE rule_id = ?').get(rule.ruleId)) {
        throw new RuleInvalidError('ruleId', 'is already used by another rule', rule.ruleId);
      }
      this.insert(rule, 'add', actor);
    }).immediate();
    return rule;
  }

  set(ruleId: string, patch: RulePatch, actor: string | null = null): AlarmRule {
    return this.db.transaction(() => {
      const before = this.get(ruleId);
      const merged: AlarmRule = { ...before, ...patch, updatedAtMs: this.now() };
      // A limit given without its priority keeps the old priority, or medium if it had none.
      if (patch.lowLimit != null && merged.lowPriority === null) merged.lowPriority = 'medium';
      if (patch.highLimit != null && merged.highPriority === null) merged.highPriority = 'medium';
      if (patch.lowLimit === null) merged.lowPriority = null;
      if (patch.highLimit === null) merged.highPriority = null;
      validateRule(merged);
      this.db
        .prepare(
          `UPDATE alarm_rules SET low_limit = ?, low_priority = ?, high_limit = ?, high_priority = ?, delay_ms = ?,
             hysteresis = ?, enabled = ?, note = ?, updated_at_ms = ? WHERE rule_id = ?`,
        )
        .run(merged.lowLimit, merged.lowPriority, merged.highLimit, merged.highPriority, merged.delayMs, merged.hysteresis, merged.enabled ? 1 : 0, merged.note, merged.updatedAtMs, ruleId);
      const onlyEnabled = Object.keys(patch).length === 1 && patch.enabled !== undefined;
      const action = onlyEnabled ? (patch.enabled ? 'enable' : 'disable') : 'set';
      this.audit(ruleId, action, actor, before, merged);
      return merged;
    }).immediate();
  }

  remove(ruleId: string, actor: string | null = null): AlarmRule {
    return this.db.transaction(() => {
      const before = this.get(ruleId);
      this.db.prepare('DELETE FROM alarm_rules WHERE rule_id = ?').run(ruleId);
      this.audit(ruleId, 'remove', actor, before, null);
      return before;
    }).immediate();
  }

  /** The rule-change audit, newest first. */
  changes(opts: { ruleId?: string; limit?: number } = {}): { ruleId: string; action: string; actor: string | null; before: AlarmRule | null; after: AlarmRule | null; atMs: number }[] {
    const rows = this.db
      .prepare(`SELECT * FROM alarm_rule_changes ${opts.ruleId ? 'WHERE rule_id = @ruleId' : ''} ORDER BY id DESC LIMIT @limit`)
      .all({ ...(opts.ruleId ? { ruleId: opts.ruleId } : {}), limit: opts.limit ?? 100 }) as {
      rule_id: string;
      action: string;
      actor: string | null;
      before_json: string | null;
      after_json: string | null;
      at_ms: number;
    }[];
    return rows.map((r) => ({
      ruleId: r.rule_id,
      action: r.action,
      actor: r.actor,
      before: r.before_json ? (JSON.parse(r.before_json) as AlarmRule) : null,
      after: r.after_json ? (JSON.parse(r.after_json) as AlarmRule) : null,
      atMs: r.at_ms,
    }));
  }

  private insert(rule: AlarmRule, action: 'seed' | 'add', actor: string | null): void {
    this.db
      .prepare(
        `INSERT INTO alarm_rules (rule_id, scope, scope_id, metric, low_limit, low_priority, high_limit, high_priority,
           delay_ms, hysteresis, enabled, note, created_at_ms, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        rule.ruleId, rule.scope, rule.scopeId, rule.metric, rule.lowLimit, rule.lowPriority, rule.highLimit, rule.highPriority,
        rule.delayMs, rule.hysteresis, rule.enabled ? 1 : 0, rule.note, rule.createdAtMs, rule.updatedAtMs,
      );
    this.audit(rule.ruleId, action, actor, null, rule);
  }

  private audit(ruleId: string, action: string, actor: string | null, before: AlarmRule | null, after: AlarmRule | null): void {
    this.db
      .prepare('INSERT INTO alarm_rule_changes (rule_id, action, actor, before_json, after_json, at_ms) VALUES (?, ?, ?, ?, ?, ?)')
      .run(ruleId, action, actor, before && JSON.stringify(before), after && JSON.stringify(after), this.now());
  }

  private newId(scope: RuleScope, metric: MetricId): string {
    return `${scope}-${metric.toLowerCase()}-${randomBytes(3).toString('hex')}`;
  }
}
