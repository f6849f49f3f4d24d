/**
 * The read-path bench's LOAD process (forked by _read-path-load.ts): the live ingest,
 * the watched ward's stamped batches and the 500 SSE clients run here, not in the bench
 * process that times the readers. In one process, 500 streams at ~56 MiB/s delayed that
 * process's event loop by 100-300 ms (p99), and every reader's latency with it: the
 * figures measured the bench, not the service.
 *
 * The fan-out is timed wholly here (the POST of a stamped batch and its arrival at each
 * client, on this process's clock). Its own event-loop delay is reported too: it is in
 * the fan-out figure, as a real client's would be.
 *
 * Requests come over the IPC channel as { id, op, args } and are answered { id, ok, value }
 * or { id, ok: false, error }.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { round } from './_compaction-common.js';
import { runPacedIngest, wardPoster, type IngestRun, type PacedGateway, type WatchedWard, type WatchedWardGateway } from './_read-path-ingest.js';
import { openStreams, type Fanout } from './_read-path-sse.js';
import type { LoadOps } from './_read-path-load.js';

let loads: PacedGateway[] = [];
let ingest: IngestRun | undefined;
let ward: WatchedWard | undefined;
let fanout: Fanout | undefined;
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

const ingestCounts = (run: IngestRun) => ({ committed: run.committed(), retries: run.retries(), failures: run.failures.length, firstFailure: run.failures[0] ?? null });

const ops: { [K in keyof LoadOps]: (args: LoadOps[K]['args']) => Promise<LoadOps[K]['value']> | LoadOps[K]['value'] } = {
  loads: ({ gateways }: { gateways: PacedGateway[] }) => {
    loads = gateways;
  },
  ingestStart: ({ base, batchMs, first, end }) => {
    ingest = runPacedIngest(base, loads, batchMs, first, end ?? Infinity);
  },
  ingestStop: () => {
    ingest!.stop();
    return ingestCounts(ingest!);
  },
  ingestDone: async () => {
    await ingest!.done;
    return ingestCounts(ingest!);
  },
  ward: ({ base, gateway, beds, t0 }: { base: string; gateway: WatchedWardGateway; beds: number; t0: number }) => {
    ward = wardPoster(base, gateway, beds, t0);
  },
  // The marker is registered with the fan-out (once the streams are open) just before each attempt's POST.
  wardPost: ({ i, secondMs }) => ward!.postStamped(i, secondMs, (marker) => fanout?.sent(marker, performance.now())),
  openStreams: async ({ base, hospitalId, token, count, concurrency }) => {
    fanout = openStreams(base, hospitalId, token, count, concurrency, (m) => process.stderr.write(`[read-path load] ${m}\n`));
    await fanout.ready;
    return { refused: fanout.refused() };
  },
  resetLoopDelay: () => loopDelay.reset(),
  stats: () => ({
    latencies: fanout?.latencies ?? [],
    missed: fanout?.missed() ?? 0,
    dropped: fanout?.dropped() ?? 0,
    refused: fanout?.refused() ?? 0,
    received: fanout?.received() ?? 0,
    wardRetries: ward?.retries() ?? 0,
    loopDelayP99Ms: round(loopDelay.percentile(99) / 1e6, 1),
    loopDelayMaxMs: round(loopDelay.max / 1e6, 1),
  }),
  close: () => {
    ingest?.stop();
    fanout?.close();
    ward?.close();
  },
};

process.on('message', (msg: { id: number; op: keyof LoadOps; args: never }) => {
  void (async () => {
    try {
      const value = await ops[msg.op](msg.args);
      process.send!({ id: msg.id, ok: true, value });
    } catch (err) {
      process.send!({ id: msg.id, ok: false, error: (err as Error).stack ?? String(err) });
    }
  })();
});
// The bench process gone (or done): nothing here may outlive it.
process.on('disconnect', () => process.exit(0));
