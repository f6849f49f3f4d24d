/** `archive list|jobs|verify|restore`. */
import type { Command } from 'commander';
import { WardlinkError } from '@wardlink/shared';
import { checkId } from '../gateway.js';
import type { CliContext } from '../../context.js';
import { emit, table } from '../../output.js';
import { isoDate, utcDay } from '../../../storage/utc-days.js';
import { DuckDbReader } from '../../../lifecycle/archive/duckdb.js';
import { listJobs } from '../../../lifecycle/archive/jobs.js';
import type { Manifest } from '../../../lifecycle/archive/manifest.js';
import { findObjects, type ObjectFilter } from '../../../lifecycle/archive/objects.js';
import { verifyStoredObject } from '../../../lifecycle/archive/verify.js';
import { restoreRange } from '../../../lifecycle/restore.js';
import { checkPatientId, lifecycleFor, mib, parseTime, type ArchiveDirOption } from './shared.js';

interface FilterOptions {
  hospital?: string;
  patient?: string;
  from?: string;
  to?: string;
}

function filterOf(opts: FilterOptions): ObjectFilter {
  return {
    ...(opts.hospital ? { hospitalId: checkId('--hospital', opts.hospital) } : {}),
    ...(opts.patient ? { patientId: checkPatientId(opts.patient) } : {}),
    ...(opts.from ? { fromDay: isoDate(utcDay(parseTime('--from', opts.from))) } : {}),
    ...(opts.to ? { toDay: isoDate(utcDay(parseTime('--to', opts.to).getTime() - 1)) } : {}),
  };
}

/** Some archives failed verification: see the listed keys. */
export class ArchiveCheckFailedError extends WardlinkError {
  constructor(failed: Array<{ key: string; error: string }>) {
    super('WL_ARCHIVE_VERIFY_FAILED', `${failed.length} archive object(s) failed verification: ${failed.map((f) => f.key).join(', ')}; restore them from a replica of the archive store`, { failed });
  }
}

export function registerArchiveCommands(program: Command, ctx: () => CliContext): void {
  const archive = program.command('archive').description('archived days (Parquet + manifest per hospital and day)');
  const withFilters = (cmd: Command) =>
    cmd
      .option('--hospital <hospitalId>', 'only this hospital')
      .option('--patient <patientId>', "only objects holding this patient's rows")
      .option('--from <date>', 'from this day or time (UTC)')
      .option('--to <date>', 'until this day or time, exclusive (UTC)')
      .option('--archive-dir <path>', 'archive folder (default: <dataDir>/archive)');

  withFilters(archive.command('list').description('what is archived, where, and whether it was verified'))
    .option('--all', 'include purged objects')
    .action(async (opts: FilterOptions & ArchiveDirOption & { all?: boolean }) => {
      const c = ctx();
      const lc = await lifecycleFor(c, opts);
      const objects = await findObjects(lc.pool, { ...filterOf(opts), includePurged: opts.all ?? false });
      const rows = objects.map((o) => ({
        hospitalId: o.hospitalId,
        day: o.day,
        kind: o.kind,
        patientId: o.patientId,
        rows: o.rows,
        size: mib(o.bytes),
        status: o.purgedAt ? 'purged' : o.verifiedAt ? 'verified' : o.storedAt ? 'stored' : 'exported',
        key: o.key,
      }));
      emit(c.out, c.out.json ? objects : rows, () => `${table(rows, ['hospitalId', 'day', 'kind', 'patientId', 'rows', 'size', 'status', 'key'])}\nstore: ${lc.store.description}`);
    });

  archive
    .command('jobs')
    .description('archive jobs and their state (pending, detached, exported, stored, verified, dropped)')
    .action(async () => {
      const c = ctx();
      const jobs = await listJobs(await c.db());
      emit(c.out, jobs, () => table(jobs, ['partitionName', 'generation', 'state', 'rows', 'objects', 'attempts', 'lastError', 'updatedAt']));
    });

  withFilters(archive.command('verify').description('read stored archives back: sha256 and footer against the manifest, and an independent DuckDB read of count, time range and column sums')).action(
    async (opts: FilterOptions & ArchiveDirOption) => {
      const c = ctx();
      const lc = await lifecycleFor(c, opts);
      const objects = (await findObjects(lc.pool, filterOf(opts))).filter((o) => o.storedAt !== null);
      const duck = await DuckDbReader.open();
      const results: Array<{ key: string; ok: boolean; rows: number; checks?: string[]; error?: string }> = [];
      try {
        for (const [i, o] of objects.entries()) {
          try {
            const r = await verifyStoredObject(lc.store, duck, o.manifest as Manifest);
            results.push({ key: o.key, ok: true, rows: r.rows, checks: r.checks });
          } catch (err) {
            results.push({ key: o.key, ok: false, rows: o.rows, error: (err as Error).message });
          }
          lc.progress({ job: 'verify', step: 'checked', subject: o.key, done: i + 1, total: objects.length });
        }
      } finally {
        duck.close();
      }
      emit(c.out, results, () => `${table(results, ['key', 'ok', 'rows', 'error'])}\n${results.filter((r) => r.ok).length} of ${results.length} verified`);
      const failed = results.filter((r) => !r.ok);
      if (failed.length) throw new ArchiveCheckFailedError(failed.map((f) => ({ key: f.key, error: f.error ?? '' })));
    },
  );

  archive
    .command('restore')
    .description('load archived readings of a time range into a table for analysis (default vital_data_restore)')
    .requiredOption('--from <date>', 'from this day or time (UTC), inclusive')
    .requiredOption('--to <date>', 'until this day or time (UTC), exclusive')
    .option('--hospital <hospitalId>', 'only this hospital')
    .option('--patient <patientId>', 'only this patient')
    .option('--into <table>', 'target table, created if missing', 'vital_data_restore')
    .option('--archive-dir <path>', 'archive folder (default: <dataDir>/archive)')
    .action(async (opts: FilterOptions & ArchiveDirOption & { from: string; to: string; into: string }) => {
      const c = ctx();
      const lc = await lifecycleFor(c, opts);
      const result = await restoreRange(lc, {
        from: parseTime('--from', opts.from),
        to: parseTime('--to', opts.to),
        ...(opts.hospital ? { hospitalId: checkId('--hospital', opts.hospital) } : {}),
        ...(opts.patient ? { patientId: checkPatientId(opts.patient) } : {}),
        into: opts.into,
      });
      emit(c.out, result, () => `restored ${result.rowsInserted} reading(s) from ${result.objects} archive object(s) into ${result.table}`);
    });
}
