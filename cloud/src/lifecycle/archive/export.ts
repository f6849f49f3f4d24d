/**
 * Export of a partition to Parquet (export-core.ts), run in a worker thread: parsing,
 * sorting and Parquet encoding are ~1 core-second per 300k rows of synchronous work, and
 * the scheduler runs retention inside the service, whose event loop must keep serving
 * ingest (measured: in-process, commits of concurrent batches waited up to 0.5 s). The
 * worker opens its own connection with the pool's settings and sends back the files.
 */
import { Worker } from 'node:worker_threads';
import type pg from 'pg';
import { WardlinkError, type Clock, type TimerHandle } from '@wardlink/shared';
import type { LifecycleContext } from '../context.js';
import type { ExportedFile, ExportSettings } from './export-core.js';

export { stagedFileName, type ExportedFile } from './export-core.js';

export interface ExportJob {
  connection: pg.ClientConfig;
  table: string;
  dir: string;
  settings: ExportSettings;
  /** Key-value metadata of every file; the worker adds wardlink.hospital_id. */
  metadata: Record<string, string>;
}

export type ExportMessage = { progress: number } | { files: ExportedFile[] } | { error: { code?: string; message: string; detail?: Record<string, unknown> } };

/** What a worker needs to connect like the pool does (secrets stay in memory). */
function connectionOf(pool: pg.Pool): pg.ClientConfig {
  const o = (pool as unknown as { options: pg.PoolConfig }).options;
  const pick: pg.ClientConfig = { application_name: 'wardlink-cloud-archive' };
  if (o.connectionString) pick.connectionString = o.connectionString;
  if (o.host) pick.host = o.host;
  if (o.port) pick.port = o.port;
  if (o.user) pick.user = o.user;
  if (typeof o.password === 'string') pick.password = o.password;
  if (o.database) pick.database = o.database;
  if (typeof o.ssl === 'boolean' || (o.ssl && typeof o.ssl === 'object')) pick.ssl = o.ssl;
  if (o.options) pick.options = o.options;
  return pick;
}

const here = import.meta.url;
const fromSource = here.endsWith('.ts');
const IDLE_MS = 60_000;

type Pending = { resolve: (files: ExportedFile[]) => void; reject: (err: unknown) => void; progress: (rows: number) => void };

/**
 * One worker thread, started on first use and reused by later exports (starting one,
 * and compiling parquet-wasm in it, costs a few hundred ms); unref'd while idle, and
 * ended after a minute without work.
 */
class ExportWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private idle: TimerHandle | undefined;

  run(job: ExportJob, clock: Clock, progress: (rows: number) => void): Promise<ExportedFile[]> {
    this.idle?.cancel();
    const worker = (this.worker ??= this.start());
    worker.ref(); // a pending export keeps the process alive; an idle worker does not
    const id = this.nextId++;
    return new Promise<ExportedFile[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, progress });
      worker.postMessage({ id, job });
    }).finally(() => {
      if (this.pending.size === 0) {
        this.worker?.unref();
        this.idle = clock.setTimeout(() => this.stop(), IDLE_MS).unref();
      }
    });
  }

  private start(): Worker {
    // From TypeScript source (tests, tsx) a small .mjs entry loads the worker through tsx.
    const worker = new Worker(new URL(fromSource ? './export-worker-source.mjs' : './export-worker.js', here));
    worker.unref();
    worker.on('message', ({ id, message }: { id: number; message: ExportMessage }) => {
      const p = this.pending.get(id);
      if (!p) return;
      if ('progress' in message) return p.progress(message.progress);
      this.pending.delete(id);
      if ('files' in message) return p.resolve(message.files);
      const e = message.error;
      p.reject(e.code?.startsWith('WL_') ? new WardlinkError(e.code, e.message, e.detail ?? {}) : Object.assign(new Error(e.message), { code: e.code }));
    });
    const fail = (err: unknown) => {
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.once('error', fail);
    worker.once('exit', (code) => fail(new Error(`the export worker exited (code ${code})`)));
    return worker;
  }

  stop(): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
  }
}

const exportWorker = new ExportWorker();

export async function exportTable(ctx: LifecycleContext, table: string, dir: string, metadata: Record<string, string>): Promise<ExportedFile[]> {
  const job: ExportJob = { connection: connectionOf(ctx.pool), table, dir, settings: { rowGroupRows: ctx.settings.rowGroupRows, maxBufferedRows: ctx.settings.maxBufferedRows, pauseRatio: ctx.settings.throttleRatio }, metadata };
  const started = ctx.clock.monotonicMs();
  return exportWorker.run(job, ctx.clock, (rows) => ctx.progress({ job: 'archive', step: 'exporting', subject: table, rows, ms: Math.round(ctx.clock.monotonicMs() - started) }));
}
