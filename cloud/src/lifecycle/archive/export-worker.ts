/**
 * The export worker thread (see export.ts): takes jobs one at a time, each over a
 * connection of its own, and answers with the files or the error.
 */
import { parentPort } from 'node:worker_threads';
import pg from 'pg';
import { exportWithClient } from './export-core.js';
import type { ExportJob, ExportMessage } from './export.js';

const port = parentPort!;
let queue: Promise<void> = Promise.resolve();

async function run(id: number, job: ExportJob): Promise<void> {
  const post = (message: ExportMessage) => port.postMessage({ id, message });
  try {
    const client = new pg.Client(job.connection);
    client.on('error', () => undefined); // a broken connection fails the COPY, which is reported
    await client.connect();
    try {
      const files = await exportWithClient(client, job.table, job.dir, job.settings, (hospitalId) => ({ ...job.metadata, 'wardlink.hospital_id': hospitalId }), (rows) => post({ progress: rows }));
      post({ files });
    } finally {
      await client.end().catch(() => undefined);
    }
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown; detail?: unknown };
    post({
      error: {
        ...(typeof e.code === 'string' ? { code: e.code } : {}),
        message: String(e.message ?? err),
        ...(e.detail && typeof e.detail === 'object' ? { detail: e.detail as Record<string, unknown> } : {}),
      },
    });
  }
}

port.on('message', ({ id, job }: { id: number; job: ExportJob }) => {
  queue = queue.then(() => run(id, job));
});
