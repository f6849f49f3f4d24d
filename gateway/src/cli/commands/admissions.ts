/**
 * `admit`, `discharge` and `admissions list|history`. Admissions have one source of truth
 * (config `admissions.source`): when it is the ADT feed or the monitors, an admission by
 * hand would contradict it, so `admit` and `discharge` refuse unless `--override` says a
 * person decided (the ADT feed is down, a correction is urgent); the override is audited.
 */
import type { Command } from 'commander';
import { UsageError } from '@wardlink/shared';
import type { CliContext } from '../context.js';
import { emit, table } from '../output.js';

function guard(c: CliContext, override: boolean | undefined): void {
  const source = c.loadConfig().admissions.source;
  if (source !== 'cli' && !override) {
    throw new UsageError(`admissions come from ${source === 'adt' ? 'the hospital ADT feed' : 'the monitors'} (admissions.source ${source}); pass --override to change one by hand (audited)`, { source });
  }
}

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

export function registerAdmissionCommands(program: Command, ctx: () => CliContext): void {
  program
    .command('admit')
    .description('admit a patient to a bed (discharging whoever was there, and ending their stay in another bed)')
    .requiredOption('--bed <bedId>', 'the bed')
    .requiredOption('--patient <patientId>', 'the patient id (MRN)')
    .option('--by <name>', 'who decided (kept in the audit trail)')
    .option('--override', 'admit by hand although admissions.source is adt or device')
    .action((opts: { bed: string; patient: string; by?: string; override?: boolean }) => {
      const c = ctx();
      guard(c, opts.override);
      const admission = c.db().registry.admit(opts.bed, opts.patient, 'cli', Date.now(), { reference: opts.by ?? null });
      emit(c.out, admission, () => `patient ${admission.patientId} admitted to ${admission.bedId}`);
    });
  program
    .command('discharge')
    .description('discharge the patient of a bed')
    .requiredOption('--bed <bedId>', 'the bed')
    .option('--by <name>', 'who decided (kept in the audit trail)')
    .option('--override', 'discharge by hand although admissions.source is adt or device')
    .action((opts: { bed: string; by?: string; override?: boolean }) => {
      const c = ctx();
      guard(c, opts.override);
      const admission = c.db().registry.discharge(opts.bed, Date.now(), { reference: opts.by ?? null });
      emit(c.out, admission, () => `patient ${admission.patientId} discharged from ${admission.bedId}`);
    });

  const admissions = program.command('admissions').description('who is in which bed, and every change (the audit trail)');
  admissions
    .command('list')
    .description('the current admissions, with their source')
    .action(() => {
      const c = ctx();
      const open = c.db().registry.admissions.openAdmissions();
      const source = c.loadConfig().admissions.source;
      emit(c.out, { source, admissions: open }, () => `admissions.source ${source}\n${table(open.map((a) => ({ ...a, since: iso(a.admittedAtMs) })), ['bedId', 'patientId', 'since', 'source'])}`);
    });
  admissions
    .command('history')
    .description('admission changes, newest first: admit, transfer, discharge and cancels, with their source')
    .option('--bed <bedId>', 'one bed')
    .option('--patient <patientId>', 'one patient')
    .option('--limit <n>', 'at most this many', '100')
    .action((opts: { bed?: string; patient?: string; limit: string }) => {
      const c = ctx();
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new UsageError('--limit must be an integer from 1 to 100000', { value: opts.limit });
      const events = c.db().registry.admissions.history({ ...(opts.bed ? { bedId: opts.bed } : {}), ...(opts.patient ? { patientId: opts.patient } : {}), limit });
      emit(c.out, events, () =>
        table(
          events.map((e) => ({ at: iso(e.atMs), bed: e.bedId, action: e.action, patient: e.patientId ?? '', previous: e.previousPatientId ?? '', source: e.source, reference: e.reference ?? '' })),
          ['at', 'bed', 'action', 'patient', 'previous', 'source', 'reference'],
        ),
      );
    });
}
