/**
 * The process's one commit worker thread, shared by every writer: a daemon has one writer,
 * tests open many, and starting a thread from TypeScript source costs a few hundred ms
 * (tsx registers its loader in it). Requests are answered in the order they were posted.
 * The thread is referenced only while a request is out, so it never keeps the process
 * alive on its own. If it dies, the requests it held are rejected and the next request
 * starts a new thread (a new `generation`: connections must be opened again).
 */
import type { Worker } from 'node:worker_threads';
import { fromCommitFailure } from './commit-batch.js';
import type { FromCommitWorker, ToCommitWorker } from './commit-worker-protocol.js';
import { spawnCommitWorker } from './commit-worker-spawn.js';

interface Request {
  resolve: (value: FromCommitWorker) => void;
  reject: (err: Error) => void;
}

export class CommitThread {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Request>();
  /** Incremented each time a thread is started. */
  generation = 0;

  /** Starts the thread if none is running; returns its generation. */
  start(): number {
    this.ensureWorker();
    return this.generation;
  }

  request(message: (id: number) => ToCommitWorker, transfer: ArrayBuffer[] = []): Promise<FromCommitWorker> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve, reject });
      worker.postMessage(message(id), transfer);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = spawnCommitWorker();
    worker.on('message', (m: FromCommitWorker) => this.settle(worker, m));
    worker.on('error', (err) => this.fail(worker, err));
    worker.once('exit', (code) => this.fail(worker, new Error(`the commit worker thread exited (code ${code})`)));
    // After the listeners: adding a 'message' listener refs the worker again, and a thread
    // started before any request (`run` starts it early) then kept a daemon that failed
    // to start from ever exiting.
    worker.unref();
    this.worker = worker;
    this.generation += 1;
    return worker;
  }

  private settle(worker: Worker, m: FromCommitWorker): void {
    const req = this.pending.get(m.id);
    if (!req) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) worker.unref();
    if ('error' in m) req.reject(fromCommitFailure(m.error));
    else req.resolve(m);
  }

  private fail(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    const requests = [...this.pending.values()];
    this.pending.clear();
    for (const r of requests) r.reject(err);
  }
}

let shared: CommitThread | null = null;

export function sharedCommitThread(): CommitThread {
  shared ??= new CommitThread();
  return shared;
}
