/**
 * The bench process's handle on the read-path LOAD process (_read-path-load-process.ts):
 * a forked child that runs the live ingest, the watched ward's batches and the SSE
 * clients, so the readers timed here share this process's event loop with nothing else.
 * Calls go over the IPC channel (advanced serialization: the pre-encoded batches are
 * Buffers) and resolve with the child's answer.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PacedGateway, WatchedWardGateway } from './_read-path-ingest.js';

export interface IngestCounts {
  committed: number;
  retries: number;
  failures: number;
  firstFailure: string | null;
}

export interface LoadStats {
  /** Fan-out latencies (ms): POST of a stamped batch to its arrival at each client. */
  latencies: number[];
  missed: number;
  dropped: number;
  refused: number;
  /** Characters received by all SSE clients so far (snapshots included). */
  received: number;
  wardRetries: number;
  /** The load process's own event-loop delay since the last reset. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** Each operation's arguments and answer: the protocol both processes type-check against. */
export interface LoadOps {
  loads: { args: { gateways: PacedGateway[] }; value: void };
  ingestStart: { args: { base: string; batchMs: number; first: number; end?: number }; value: void };
  ingestStop: { args: undefined; value: IngestCounts };
  ingestDone: { args: undefined; value: IngestCounts };
  ward: { args: { base: string; gateway: WatchedWardGateway; beds: number; t0: number }; value: void };
  wardPost: { args: { i: number; secondMs: number }; value: number };
  openStreams: { args: { base: string; hospitalId: string; token: string; count: number; concurrency: number }; value: { refused: number } };
  resetLoopDelay: { args: undefined; value: void };
  stats: { args: undefined; value: LoadStats };
  close: { args: undefined; value: void };
}

export interface LoadProcess {
  child: ChildProcess;
  call<K extends keyof LoadOps>(op: K, ...args: LoadOps[K]['args'] extends undefined ? [] : [LoadOps[K]['args']]): Promise<LoadOps[K]['value']>;
  /** Closes its clients and ends it. */
  stop(): Promise<void>;
}

type Answer = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

export function startLoadProcess(): LoadProcess {
  const child = fork(fileURLToPath(new URL('./_read-path-load-process.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let ended: string | undefined;
  child.on('message', (a: Answer) => {
    const w = waiting.get(a.id);
    waiting.delete(a.id);
    if (a.ok) w?.resolve(a.value);
    else w?.reject(new Error(`load process: ${a.error}`));
  });
  child.once('exit', (code, signal) => {
    ended = `the load process ended: ${code ?? signal}`;
    for (const w of waiting.values()) w.reject(new Error(ended));
    waiting.clear();
  });
  const call = ((op: keyof LoadOps, args?: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      if (ended) return reject(new Error(ended));
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      child.send({ id, op, args });
    })) as LoadProcess['call'];
  return {
    child,
    call,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      await call('close').catch(() => undefined);
      child.disconnect();
      await exited;
    },
  };
}
