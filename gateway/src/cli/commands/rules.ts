/**
 * `rule add|list|set|remove|test|changes`: the alarm threshold rules. Changes are written
 * to SQLite with an audit row; a running daemon applies them within a second.
 */
import type { Command } from 'commander';
import { METRICS, NotFoundError, UsageError, type AlarmPriority } from '@wardlink/shared';
import { alarmMigrations } from '../../alarms/migrations.js';
import { RuleStore, type RulePatch } from '../../alarms/rule-store.js';
import { testRule } from '../../alarms/rule-test.js';
import { checkMetric, checkPriority } from '../../alarms/rule-validate.js';
import type { AlarmRule, RuleScope } from '../../alarms/types.js';
import { registerMigrations } from '../../db.js';
import type { CliContext } from '../context.js';
import { emit, table } from '../output.js';

registerMigrations(...alarmMigrations);

interface LimitOptions {
  low?: string;
  lowPriority?: string;
  high?: string;
  highPriority?: string;
  delay?: string;
  hysteresis?: string;
  note?: string;
  by?: string;
}

/** A number option; `none` (where allowed) removes the limit. */
function num(name: string, text: string | undefined, allowNone = false): number | null | undefined {
  if (text === undefined) return undefined;
  if (allowNone && text === 'none') return null;
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new UsageError(`${name} must be a number${allowNone ? ' or "none"' : ''}`, { value: text });
  return Number(text);
}

function delayMs(text: string | undefined): number | undefined {
  const s = num('--delay', text);
  return s == null ? undefined : Math.round(s * 1000);
}

function priority(name: string, text: string | undefined): AlarmPriority | undefined {
  return text === undefined ? undefined : checkPriority(name, text);
}

function actor(c: CliContext, by: string | undefined): string {
  return by ?? c.env.USER ?? 'cli';
}

function rulesOf(c: CliContext): RuleStore {
  const store = new RuleStore(c.db().db);
  store.seedDefaults();
  return store;
}

function row(r: AlarmRule): Record<string, unknown> {
  const limit = (v: number | null, p: AlarmPriority | null) => (v === null ? null : `${v} (${p})`);
  return {
    ruleId: r.ruleId,
    scope: r.scope === 'ward' ? 'ward' : `${r.scope}:${r.scopeId}`,
    metric: r.metric,
    low: limit(r.lowLimit, r.lowPriority),
    high: limit(r.highLimit, r.highPriority),
    delayS: r.delayMs / 1000,
    hysteresis: r.hysteresis,
    enabled: r.enabled ? 'yes' : 'NO',
    note: r.note,
  };
}

const COLUMNS = ['ruleId', 'scope', 'metric', 'low', 'high', 'delayS', 'hysteresis', 'enabled', 'note'];

function addLimitOptions(cmd: Command): Command {
  return cmd
    .option('--low <value>', 'alarm when the value is below this')
    .option('--low-priority <p>', 'high, medium or low (default medium)')
    .option('--high <value>', 'alarm when the value is above this')
    .option('--high-priority <p>', 'high, medium or low (default medium)')
    .option('--delay <seconds>', 'how long the condition must hold before the alarm (default: per metric)')
    .option('--hysteresis <units>', 'how far back inside the limit the value must come to clear (default: per metric)')
    .option('--note <text>', 'why this rule exists')
    .option('--by <name>', 'who makes the change, for the audit (default $USER)');
}

export function registerRuleCommands(program: Command, ctx: () => CliContext): void {
  const rule = program.command('rule').description('alarm threshold rules: ward defaults, bed and patient overrides');

  addLimitOptions(
    rule
      .command('add')
      .description('add a rule (ward-wide, or an override for one bed or patient)')
      .requiredOption('--metric <metric>', `one of ${Object.keys(METRICS).join(', ')}`)
      .option('--bed <bedId>', 'override for this bed')
      .option('--patient <patientId>', 'override for this patient (wins over bed and ward)')
      .option('--id <ruleId>', 'the rule id (default: generated)')
      .option('--disabled', 'add it switched off'),
  ).action((opts: LimitOptions & { metric: string; bed?: string; patient?: string; id?: string; disabled?: boolean }) => {
    const c = ctx();
    if (opts.bed && opts.patient) throw new UsageError('give --bed or --patient, not both');
    const scope: RuleScope = opts.patient ? 'patient' : opts.bed ? 'bed' : 'ward';
    const lowLimit = num('--low', opts.low);
    const highLimit = num('--high', opts.high);
    const lowPriority = priority('--low-priority', opts.lowPriority);
    const highPriority = priority('--high-priority', opts.highPriority);
    const delay = delayMs(opts.delay);
    const hysteresis = num('--hysteresis', opts.hysteresis);
    const added = rulesOf(c).add(
      {
        metric: checkMetric(opts.metric),
        scope,
        scopeId: opts.patient ?? opts.bed ?? '',
        ...(opts.id !== undefined ? { ruleId: opts.id } : {}),
        ...(lowLimit != null ? { lowLimit } : {}),
        ...(lowPriority ? { lowPriority } : {}),
        ...(highLimit != null ? { highLimit } : {}),
        ...(highPriority ? { highPriority } : {}),
        ...(delay !== undefined ? { delayMs: delay } : {}),
        ...(hysteresis != null ? { hysteresis } : {}),
        ...(opts.note !== undefined ? { note: opts.note } : {}),
        enabled: !opts.disabled,
      },
      actor(c, opts.by),
    );
    emit(c.out, added, () => `rule ${added.ruleId} added\n${table([row(added)], COLUMNS)}`);
  });

  rule
    .command('list')
    .description('list rules (all, or those of one metric, bed or patient)')
    .option('--metric <metric>', 'only this metric')
    .option('--bed <bedId>', 'only overrides for this bed')
    .option('--patient <patientId>', 'only overrides for this patient')
    .option('--ward', 'only ward-wide rules')
    .action((opts: { metric?: string; bed?: string; patient?: string; ward?: boolean }) => {
      const c = ctx();
      const scope: RuleScope | undefined = opts.ward ? 'ward' : opts.patient ? 'patient' : opts.bed ? 'bed' : undefined;
      const rules = rulesOf(c).list({
        ...(opts.metric ? { metric: checkMetric(opts.metric) } : {}),
        ...(scope ? { scope } : {}),
        ...(opts.patient ?? opts.bed ? { scopeId: opts.patient ?? opts.bed } : {}),
      });
      emit(c.out, rules, () => table(rules.map(row), COLUMNS));
    });

  addLimitOptions(
    rule
      .command('set <ruleId>')
      .description('change a rule; --low none / --high none removes that limit')
      .option('--enable', 'switch the rule on')
      .option('--disable', 'switch the rule off'),
  ).action((ruleId: string, opts: LimitOptions & { enable?: boolean; disable?: boolean }) => {
    const c = ctx();
    if (opts.enable && opts.disable) throw new UsageError('give --enable or --disable, not both');
    const patch: RulePatch = {};
    const low = num('--low', opts.low, true);
    const high = num('--high', opts.high, true);
    if (low !== undefined) patch.lowLimit = low;
    if (high !== undefined) patch.highLimit = high;
    const lowPriority = priority('--low-priority', opts.lowPriority);
    const highPriority = priority('--high-priority', opts.highPriority);
    if (lowPriority) patch.lowPriority = lowPriority;
    if (highPriority) patch.highPriority = highPriority;
    const delay = delayMs(opts.delay);
    if (delay !== undefined) patch.delayMs = delay;
    const hysteresis = num('--hysteresis', opts.hysteresis);
    if (hysteresis != null) patch.hysteresis = hysteresis;
    if (opts.note !== undefined) patch.note = opts.note;
    if (opts.enable || opts.disable) patch.enabled = Boolean(opts.enable);
    if (Object.keys(patch).length === 0) throw new UsageError('nothing to change: give at least one of --low, --high, --delay, --hysteresis, --enable, --disable, --note');
    const changed = rulesOf(c).set(ruleId, patch, actor(c, opts.by));
    emit(c.out, changed, () => `rule ${ruleId} changed\n${table([row(changed)], COLUMNS)}`);
  });

  rule
    .command('remove <ruleId>')
    .description('remove a rule (audited)')
    .option('--by <name>', 'who removes it, for the audit (default $USER)')
    .action((ruleId: string, opts: { by?: string }) => {
      const c = ctx();
      const removed = rulesOf(c).remove(ruleId, actor(c, opts.by));
      emit(c.out, removed, () => `rule ${ruleId} removed`);
    });

  rule
    .command('test')
    .description('which rule a value would trip on a bed, at which priority, after what delay')
    .requiredOption('--bed <bedId>', 'the bed')
    .requiredOption('--metric <metric>', 'the metric')
    .requiredOption('--value <value>', 'the value to test')
    .option('--patient <patientId>', 'test for this patient (default: the one admitted to the bed)')
    .action((opts: { bed: string; metric: string; value: string; patient?: string }) => {
      const c = ctx();
      const { registry } = c.db();
      if (!registry.hasBed(opts.bed)) throw new NotFoundError('bed', opts.bed);
      const value = num('--value', opts.value)!;
      const result = testRule(rulesOf(c).list(), { bedId: opts.bed, patientId: opts.patient ?? registry.patientOf(opts.bed), metric: checkMetric(opts.metric), value });
      emit(c.out, result, () => result.summary);
    });

  rule
    .command('changes [ruleId]')
    .description('the audit of rule changes, newest first')
    .option('--limit <n>', 'at most this many', '50')
    .action((ruleId: string | undefined, opts: { limit: string }) => {
      const c = ctx();
      const limit = num('--limit', opts.limit)!;
      const changes = rulesOf(c).changes({ ...(ruleId ? { ruleId } : {}), limit });
      emit(c.out, changes, () => table(changes.map((x) => ({ at: new Date(x.atMs).toISOString(), ruleId: x.ruleId, action: x.action, by: x.actor })), ['at', 'ruleId', 'action', 'by']));
    });
}
