/**
 * `alarms list|ack|history`. The CLI reads alarms from the audit trail the daemon writes
 * (within ~100 ms of each phase) and acknowledges through the daemon (see
 * alarms/ack-requests.ts), because only the running engine holds the live alarms.
 */
import type { Command } from 'commander';
import { AlarmNotFoundError, UsageError } from '@wardlink/shared';
import { AckRequests } from '../../alarms/ack-requests.js';
import { AuditQuery, type AuditedAlarm } from '../../alarms/audit-query.js';
import { alarmMigrations } from '../../alarms/migrations.js';
import { registerMigrations } from '../../db.js';
import type { CliContext } from '../context.js';
import { emit, table } from '../output.js';

registerMigrations(...alarmMigrations);

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@ -]{0,63}$/;

function count(name: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${name} must be a positive integer`, { value: text });
  return Number(text);
}

/** An ISO 8601 time or epoch milliseconds. */
function time(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new UsageError(`${name} must be an ISO 8601 time (2026-01-31T08:00:00Z) or epoch milliseconds`, { value: text });
  return ms;
}

function state(a: AuditedAlarm): string {
  if (!a.active) return 'cleared';
  const parts = [a.acknowledged ? `acked by ${a.acknowledgedBy}` : 'UNACKED'];
  if (!a.conditionPresent) parts.push('latched');
  if (a.escalated) parts.push('escalated');
  return parts.join(', ');
}

function alarmRow(a: AuditedAlarm): Record<string, unknown> {
  return {
    alarmId: a.alarmId,
    priority: a.priority,
    bed: a.bedId,
    what: a.metric ? `${a.metric} ${a.condition}` : a.condition,
    value: a.value,
    state: state(a),
    raised: new Date(a.raisedAtMs).toISOString(),
    message: a.message,
  };
}

export function registerAlarmCommands(program: Command, ctx: () => CliContext): void {
  const alarms = program.command('alarms').description('local alarms: list, acknowledge, history');

  alarms
    .command('list')
    .description('alarms, newest first (from the audit trail)')
    .option('--active', 'only alarms not cleared yet')
    .option('--since <time>', 'only alarms with a phase since this time (ISO 8601 or epoch ms)')
    .option('--limit <n>', 'at most this many', '100')
    .action((opts: { active?: boolean; since?: string; limit: string }) => {
      const c = ctx();
      const since = time('--since', opts.since);
      const list = new AuditQuery(c.db().db).alarms({ activeOnly: Boolean(opts.active), limit: count('--limit', opts.limit), ...(since !== undefined ? { sinceMs: since } : {}) });
      emit(c.out, list, () => table(list.map(alarmRow), ['alarmId', 'priority', 'bed', 'what', 'value', 'state', 'raised', 'message']));
    });

  alarms
    .command('ack <alarmId>')
    .description('acknowledge an alarm in the running gateway (audited with who)')
    .requiredOption('--by <nurse>', 'who acknowledges (nurse id or name)')
    .option('--timeout-ms <ms>', 'how long to wait for the gateway', '3000')
    .action(async (alarmId: string, opts: { by: string; timeoutMs: string }) => {
      const c = ctx();
      if (!NAME.test(opts.by)) throw new UsageError('--by must be 1-64 letters, digits, spaces or . _ @ -', { value: opts.by });
      const { db } = c.db();
      // An alarm the audit shows cleared cannot be acknowledged. One not in the audit yet
      // (raised in the last ~100 ms) is left to the daemon to judge.
      const known = new AuditQuery(db).history({ alarmId, limit: 1 })[0];
      if (known?.phase === 'cleared') throw new AlarmNotFoundError(alarmId);
      const acks = new AckRequests(db);
      const done = await acks.await(acks.request(alarmId, opts.by), { timeoutMs: count('--timeout-ms', opts.timeoutMs) });
      const result = { alarmId, acknowledgedBy: opts.by, atMs: done.handledAtMs, requestId: done.requestId };
      emit(c.out, result, () => `alarm ${alarmId} acknowledged by ${opts.by}`);
    });

  alarms
    .command('history')
    .description('every alarm phase (raised, updated, acknowledged, escalated, cleared), newest first')
    .option('--bed <bedId>', 'only this bed ("-" for gateway alarms)')
    .option('--alarm <alarmId>', 'only this alarm')
    .option('--since <time>', 'from this time (ISO 8601 or epoch ms)')
    .option('--until <time>', 'before this time (ISO 8601 or epoch ms)')
    .option('--limit <n>', 'at most this many', '100')
    .action((opts: { bed?: string; alarm?: string; since?: string; until?: string; limit: string }) => {
      const c = ctx();
      const since = time('--since', opts.since);
      const until = time('--until', opts.until);
      const events = new AuditQuery(c.db().db).history({
        ...(opts.bed !== undefined ? { bedId: opts.bed } : {}),
        ...(opts.alarm !== undefined ? { alarmId: opts.alarm } : {}),
        ...(since !== undefined ? { sinceMs: since } : {}),
        ...(until !== undefined ? { untilMs: until } : {}),
        limit: count('--limit', opts.limit),
      });
      emit(c.out, events, () =>
        table(
          events.map((e) => ({ time: new Date(e.timeMs).toISOString(), alarmId: e.alarmId, phase: e.phase, priority: e.priority, bed: e.bedId, condition: e.metric ? `${e.metric} ${e.condition}` : e.condition, value: e.value, by: e.actor, message: e.message })),
          ['time', 'alarmId', 'phase', 'priority', 'bed', 'condition', 'value', 'by', 'message'],
        ),
      );
    });
}
