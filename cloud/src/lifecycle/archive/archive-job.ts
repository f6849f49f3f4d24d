/**
 * The archive job of one partition: detach → export → store → verify → drop, each
 * step's state committed in archive_jobs only after its work is done. Every step is
 * idempotent, so a crash anywhere resumes from the last committed state with nothing
 * lost (the partition is dropped only after its objects verified) and nothing
 * duplicated (keys are deterministic, stores overwrite, records are upserts).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { forgetKnownPartitions } from '../../storage/partitions.js';
import { withTransaction } from '../../storage/pool.js';
import { recordAudit } from '../audit.js';
import type { LifecycleContext } from '../context.js';
import { ArchiveVerificationError } from '../errors.js';
import { detachDay, dropDay, partitionStatus } from './detach.js';
import { DuckDbReader } from './duckdb.js';
import { exportTable, stagedFileName } from './export.js';
import { commitState, recordFailure, type ArchiveJob, type ArchiveState } from './jobs.js';
import { buildManifest, fileMetadata, manifestKey, type ArchiveObjectId, type Manifest } from './manifest.js';
import { deleteOtherDayObjects, jobObjects, markStored, markVerified, upsertExported } from './objects.js';
import { sourceStats } from './source-stats.js';
import { verifyStoredObject, withLocalCopy } from './verify.js';

/** Test hooks: a throw from one simulates a crash at that point. */
export interface ArchiveHooks {
  /** After the step's work, before its state is committed. */
  beforeCommit?(state: ArchiveState, job: ArchiveJob): void | Promise<void>;
  /** Right after its state is committed. */
  afterCommit?(state: ArchiveState, job: ArchiveJob): void | Promise<void>;
}

export interface ArchiveTimings {
  detachMs: number;
  exportMs: number;
  storeMs: number;
  verifyMs: number;
  dropMs: number;
}

export interface ArchiveJobResult {
  partition: string;
  day: string;
  generation: number;
  rows: number;
  bytes: number;
  objects: number;
  timings: ArchiveTimings;
}

async function fileSha256(path: string): Promise<string | undefined> {
  if (!(await stat(path).then(() => true, () => false))) return undefined;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function runArchiveJob(ctx: LifecycleContext, start: ArchiveJob, hooks: ArchiveHooks = {}): Promise<ArchiveJobResult> {
  let job = start;
  const dir = join(ctx.stagingDir, `${job.partitionName}.g${job.generation}`);
  const timings: ArchiveTimings = { detachMs: 0, exportMs: 0, storeMs: 0, verifyMs: 0, dropMs: 0 };
  const now = () => new Date(ctx.clock.now());
  const idOf = (hospitalId: string): ArchiveObjectId => ({ hospitalId, day: job.day, generation: job.generation, kind: 'day', patientId: '' });
  const timed = async <T>(key: keyof ArchiveTimings, fn: () => Promise<T>): Promise<T> => {
    const t0 = ctx.clock.monotonicMs();
    try {
      return await fn();
    } finally {
      timings[key] += ctx.clock.monotonicMs() - t0;
    }
  };
  const advance = async (state: ArchiveState, commit: (db: pg.PoolClient) => Promise<ArchiveJob>) => {
    await hooks.beforeCommit?.(state, job);
    job = await withTransaction(ctx.pool, commit);
    ctx.progress({ job: 'archive', step: state, subject: job.partitionName, ...(job.rows !== null ? { rows: job.rows } : {}) });
    await hooks.afterCommit?.(state, job);
  };

  const NEXT: Record<ArchiveState, string> = { pending: 'detaching', detached: 'exporting', exported: 'storing', stored: 'verifying', verified: 'dropping', dropped: '' };
  while (job.state !== 'dropped') {
    ctx.progress({ job: 'archive', step: NEXT[job.state], subject: job.partitionName });
    switch (job.state) {
      case 'pending': {
        const did = await timed('detachMs', () =>
          detachDay(ctx.pool, job.partitionName, { lockTimeoutMs: ctx.settings.ddlLockTimeoutMs, detachTimeoutMs: ctx.settings.detachTimeoutMs }),
        );
        ctx.logger.info({ partition: job.partitionName, did }, 'detached partition for archiving');
        await advance('detached', (db) => commitState(db, job, 'detached', now()));
        break;
      }
      case 'detached': {
        const files = await timed('exportMs', () => exportTable(ctx, job.partitionName, dir, fileMetadata(idOf(''))));
        const manifests = files.map((f) => buildManifest(idOf(f.hospitalId), f.stats, { bytes: f.file.bytes, sha256: f.file.sha256 }, now()));
        const rows = files.reduce((n, f) => n + f.stats.rows, 0);
        const bytes = files.reduce((n, f) => n + f.file.bytes, 0);
        await advance('exported', async (db) => {
          for (const m of manifests) await upsertExported(db, m, now());
          await deleteOtherDayObjects(db, job.day, job.generation, manifests.map((m) => m.key));
          return commitState(db, job, 'exported', now(), { rows, bytes, objects: manifests.length });
        });
        break;
      }
      case 'exported': {
        const objects = await jobObjects(ctx.pool, job.day, job.generation);
        let reexport = false;
        await timed('storeMs', async () => {
          for (const o of objects) {
            if (o.storedAt) continue;
            const staged = join(dir, stagedFileName(o.hospitalId));
            if ((await fileSha256(staged)) === o.sha256) {
              await ctx.store.put(o.key, staged);
            } else if (!(await ctx.store.exists(o.key)) || (await withLocalCopy(ctx.store, o.key, async (_p, sha) => sha)) !== o.sha256) {
              reexport = true; // staged file gone (another instance resumed) and not stored: export again
              return;
            }
            await ctx.store.putBytes(manifestKey(o.key), Buffer.from(JSON.stringify(o.manifest, null, 2)));
            await markStored(ctx.pool, o.key, now());
          }
        });
        if (reexport) {
          ctx.logger.warn({ partition: job.partitionName }, 'staged export files are missing; exporting the detached partition again');
          job = await withTransaction(ctx.pool, (db) => commitState(db, job, 'detached', now()));
          break;
        }
        await advance('stored', (db) => commitState(db, job, 'stored', now()));
        await rm(dir, { recursive: true, force: true });
        break;
      }
      case 'stored': {
        try {
          await timed('verifyMs', () => verifyJob(ctx, job));
        } catch (err) {
          if (err instanceof ArchiveVerificationError) await recordFailure(ctx.pool, job, err, now(), 'detached');
          throw err;
        }
        await advance('verified', (db) => commitState(db, job, 'verified', now()));
        break;
      }
      case 'verified': {
        const dropped = await timed('dropMs', () => dropDay(ctx.pool, job.partitionName, ctx.settings.ddlLockTimeoutMs));
        forgetKnownPartitions(ctx.pool);
        await advance('dropped', async (db) => {
          if (dropped) {
            await recordAudit(db, {
              hospitalId: '',
              at: now(),
              action: 'partition-dropped',
              subject: job.partitionName,
              actor: ctx.actor,
              detail: { day: job.day, generation: job.generation, rows: job.rows, archivedBytes: job.bytes, objects: job.objects },
            });
          }
          return commitState(db, job, 'dropped', now());
        });
        break;
      }
    }
  }
  ctx.metrics?.recordArchived(job.rows ?? 0, job.bytes ?? 0);
  return { partition: job.partitionName, day: job.day, generation: job.generation, rows: job.rows ?? 0, bytes: job.bytes ?? 0, objects: job.objects ?? 0, timings };
}

/** Every object of the job against its manifest, DuckDB, and PostgreSQL over the source. */
async function verifyJob(ctx: LifecycleContext, job: ArchiveJob): Promise<void> {
  const objects = await jobObjects(ctx.pool, job.day, job.generation);
  const sourcePresent = (await partitionStatus(ctx.pool, job.partitionName)) === 'detached';
  // Real time for the pauses: they are about sharing the machine now, not about the job's clock.
  const sources = sourcePresent ? await sourceStats(ctx.pool, job.partitionName, ctx.settings.throttleRatio) : undefined;
  if (!sourcePresent) ctx.logger.warn({ partition: job.partitionName }, 'the source partition is gone; verifying the archive against its manifests only');
  if (sources) {
    const archived = new Set(objects.map((o) => o.hospitalId));
    const missing = [...sources.keys()].filter((h) => !archived.has(h));
    if (missing.length > 0) throw new ArchiveVerificationError(job.partitionName, [`no archive for hospital(s) ${missing.join(', ')} present in the source`]);
  }
  const duck = await DuckDbReader.open();
  try {
    for (const [i, o] of objects.entries()) {
      const result = await verifyStoredObject(ctx.store, duck, o.manifest as Manifest, sources?.get(o.hospitalId));
      await markVerified(ctx.pool, o.key, new Date(ctx.clock.now()));
      ctx.progress({ job: 'verify', step: 'verified', subject: o.key, done: i + 1, total: objects.length, rows: result.rows, bytes: result.bytes });
    }
  } finally {
    duck.close();
  }
}
