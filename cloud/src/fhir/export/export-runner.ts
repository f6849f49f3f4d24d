/**
 * The service's bulk-export worker: claims queued jobs (at most `maxConcurrent` at a
 * time in this instance), runs them, and deletes expired jobs with their folders. It
 * polls every `pollMs` and is woken at once by a kick-off in this instance. Stopping
 * hands running jobs back to the queue after their current chunk; a crashed instance's
 * job is taken over once its heartbeat is `staleMs` old.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '@wardlink/shared';
import type { ArchiveStore } from '../../lifecycle/store/archive-store.js';
import { runExport } from './export-job.js';
import { claimExport, deleteExpiredExports, exportIds, finishExport, heartbeatExport, releaseExport, type ExportJob } from './export-store.js';

export interface ExportRunnerOptions {
  maxConcurrent: number;
  /** Queued or running jobs one hospital may have; more are refused with 429. */
  maxActivePerHospital: number;
  pollMs: number;
  /** How long a job and its files are kept after the kick-off. */
  expiryMs: number;
  staleMs: number;
  cleanupEveryMs: number;
  chunkMs: number;
  maxFileBytes: number;
}

export const DEFAULT_EXPORT_OPTIONS: ExportRunnerOptions = {
  maxConcurrent: 2,
  maxActivePerHospital: 4,
  pollMs: 2_000,
  expiryMs: 24 * 3_600_000,
  staleMs: 120_000,
  cleanupEveryMs: 600_000,
  // A day per chunk: the readings have no index on time alone, so a shorter chunk would
  // read its day's partition once per chunk (and one archived day is one DuckDB sort).
  chunkMs: 86_400_000,
  maxFileBytes: 1 << 30,
};

export interface ExportRunnerDeps {
  /** Jobs live on the primary. */
  primary: pg.Pool;
  /** Readings are read from the replica. */
  replica: pg.Pool;
  archive?: ArchiveStore;
  clock: Clock;
  logger: Logger;
  /** Parent folder of every job's folder. */
  dir: string;
}

export class FhirExportRunner {
  readonly options: ExportRunnerOptions;
  private readonly running = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private timer: TimerHandle | undefined;
  private ticking: Promise<void> | undefined;
  private lastCleanupMs = -Infinity;

  constructor(
    private readonly deps: ExportRunnerDeps,
    options: Partial<ExportRunnerOptions> = {},
  ) {
    this.options = { ...DEFAULT_EXPORT_OPTIONS, ...options };
    if (86_400_000 % this.options.chunkMs !== 0) throw new RangeError('chunkMs must divide a day, so no chunk spans two UTC days');
  }

  dirOf(jobId: string): string {
    return join(this.deps.dir, jobId);
  }

  start(): void {
    this.schedule(0);
  }

  /** A job was queued here: look for work now rather than at the next poll. */
  wake(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.timer?.cancel();
    await this.ticking;
    await Promise.all(this.running.values());
  }

  private schedule(delayMs: number): void {
    if (this.abort.signal.aborted) return;
    this.timer?.cancel();
    this.timer = this.deps.clock.setTimeout(() => void this.tick(), delayMs).unref();
  }

  private async tick(): Promise<void> {
    if (this.ticking !== undefined) return;
    this.ticking = this.work()
      .catch((err: unknown) => this.deps.logger.warn({ err }, 'the FHIR export worker could not reach the database; it tries again'))
      .finally(() => {
        this.ticking = undefined;
        this.schedule(this.options.pollMs);
      });
    await this.ticking;
  }

  private async work(): Promise<void> {
    const now = this.deps.clock.now();
    if (now - this.lastCleanupMs >= this.options.cleanupEveryMs) {
      this.lastCleanupMs = now;
      await this.cleanup();
    }
    while (this.running.size < this.options.maxConcurrent && !this.abort.signal.aborted) {
      const job = await claimExport(this.deps.primary, new Date(this.deps.clock.now()), new Date(this.deps.clock.now() - this.options.staleMs));
      if (job === undefined) return;
      if (this.running.has(job.jobId)) continue; // our own, its heartbeat late: it runs on
      const run = this.run(job).finally(() => {
        this.running.delete(job.jobId);
        this.schedule(0);
      });
      this.running.set(job.jobId, run);
    }
  }

  private async run(job: ExportJob): Promise<void> {
    const log = this.deps.logger.child({ jobId: job.jobId, hospitalId: job.hospitalId });
    const started = this.deps.clock.monotonicMs();
    // A chunk can take minutes: the heartbeat keeps the job ours, and learns of a DELETE.
    const cancel = new AbortController();
    const heartbeat = this.deps.clock.setInterval(() => {
      heartbeatExport(this.deps.primary, job.jobId, new Date(this.deps.clock.now())).then(
        (alive) => (alive ? undefined : cancel.abort()),
        (err: unknown) => log.warn({ err }, 'the FHIR export heartbeat failed'),
      );
    }, Math.max(1_000, Math.floor(this.options.staleMs / 4)));
    try {
      const deps = { pool: this.deps.replica, jobs: this.deps.primary, clock: this.deps.clock, dir: this.dirOf(job.jobId), chunkMs: this.options.chunkMs, maxFileBytes: this.options.maxFileBytes };
      const outcome = await runExport(this.deps.archive === undefined ? deps : { ...deps, archive: this.deps.archive }, job, { stop: this.abort.signal, cancel: cancel.signal });
      if (outcome === 'done') {
        await finishExport(this.deps.primary, job.jobId, 'done', null, new Date(this.deps.clock.now()));
        log.info({ durationMs: Math.round(this.deps.clock.monotonicMs() - started) }, 'FHIR bulk export done');
      } else if (outcome === 'stopped') {
        await releaseExport(this.deps.primary, job.jobId);
      } else {
        await rm(this.dirOf(job.jobId), { recursive: true, force: true });
        log.info('FHIR bulk export cancelled');
      }
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      log.warn({ err, code }, 'FHIR bulk export failed');
      const reason = `${typeof code === 'string' ? `${code}: ` : ''}${(err as Error)?.message ?? String(err)}`;
      await finishExport(this.deps.primary, job.jobId, 'failed', reason.slice(0, 500), new Date(this.deps.clock.now())).catch(() => undefined);
    } finally {
      heartbeat.cancel();
    }
  }

  /** Deletes expired jobs, and folders of jobs that no longer exist (deleted while this
   * instance was down, or by another instance). */
  private async cleanup(): Promise<void> {
    const expired = await deleteExpiredExports(this.deps.primary, new Date(this.deps.clock.now()));
    const live = await exportIds(this.deps.primary);
    const folders = await readdir(this.deps.dir).catch(() => [] as string[]);
    for (const name of folders) if (!live.has(name) && !this.running.has(name)) await rm(join(this.deps.dir, name), { recursive: true, force: true });
    if (expired.length > 0) this.deps.logger.info({ jobs: expired.length }, 'expired FHIR bulk exports deleted');
  }
}
