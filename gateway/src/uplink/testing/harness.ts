/**
 * The uplink under test on a real buffer: a SQLite file in a temp folder, the real writer
 * and outbox, a manual clock the test moves, and a logger that records its lines.
 */
// The daemon loads undici at the first send (lazy-pool.ts); loaded there, its ~0.1-0.3 s
// of real time would move the manual clock by many runUntil steps. Loaded here, it is not.
import 'undici';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import type { AlarmEvent, Reading } from '@wardlink/shared';
import { openBufferStore, type BufferStore } from '../../buffer/store.js';
import { BufferWriter } from '../../buffer/writer.js';
import { T0_MS, tempDir, type TempDir } from '../../buffer/testing/fixtures.js';
import { ManualClock } from '../../buffer/testing/manual-clock.js';
import { GatewayMetrics } from '../../observability/metrics.js';
import type { Migration } from '../../buffer/types.js';
import type { FileSync } from '../../buffer/wal-sync.js';
import type { UplinkSettings } from '../options.js';
import { Uplink } from '../uplink.js';
import type { UplinkLogger } from '../types.js';

/** Where the harness's manual clock starts: an hour after the fixtures' readings begin. */
export const HARNESS_START_MS = T0_MS + 3_600_000;

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

export function recordingLogger(): UplinkLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (obj: object, msg = '') => void lines.push({ level, obj, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface UplinkHarness {
  dir: TempDir;
  clock: ManualClock;
  store: BufferStore;
  writer: BufferWriter;
  metrics: GatewayMetrics;
  logger: ReturnType<typeof recordingLogger>;
  states: { up: boolean; sinceMs: number; atMs: number }[];
  uplink: Uplink;
  /** Stops the uplink and makes a new one over the same buffer file, as a gateway restart
   * does (it loads the outbox and series dictionary from the file); not started. */
  restartUplink(): Promise<void>;
  append(readings: Reading[]): Promise<void>;
  appendAlarm(event: AlarmEvent): Promise<void>;
  /** Moves the manual clock `stepMs` at a time, yielding to real I/O between steps, until `done()`. */
  runUntil(done: () => boolean, opts?: { stepMs?: number; realTimeoutMs?: number }): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  gatewayId?: string;
  /** Other modules' tables (the alarms', to run an alarm engine on the same file). */
  extraMigrations?: readonly Migration[];
  /** Also told about uplink state changes (e.g. the alarm engine). */
  onUplinkState?: (up: boolean, sinceMs: number) => void;
  /** Also send fleet status documents (status-sender.ts), as the daemon's uplink does. */
  fleet?: boolean;
  /** Tell the uplink of every commit (Uplink.notifyCommitted), as the daemon's writer does. */
  notifyCommits?: boolean;
  /** How the outbox's WAL is fsynced (wal-sync.ts): wrap the real one to hold or fail it. */
  walFile?: (walPath: string) => FileSync;
}

export function createUplinkHarness(settings: Omit<UplinkSettings, 'token'> & { token?: string }, opts: HarnessOptions = {}): UplinkHarness {
  const dir = tempDir('wl-uplink-');
  const clock = new ManualClock(HARNESS_START_MS);
  // The real fsync, done synchronously: on the thread pool it takes real milliseconds in
  // which runUntil would move the manual clock by whole steps, and sends whose timing a
  // test checks would move with the machine's load. (wal-sync.test.ts and the held-fsync
  // test in uplink.test.ts cover the asynchronous one.)
  const realFile = (walPath: string): FileSync => {
    let fd: number | null = null;
    return {
      sync: async () => {
        fd ??= openSync(walPath, 'r');
        fsyncSync(fd);
      },
      close: () => {
        if (fd !== null) closeSync(fd);
        fd = null;
      },
    };
  };
  const store = openBufferStore({ path: dir.file('gw.db'), gatewayId: opts.gatewayId ?? 'gw-test', clock, extraMigrations: opts.extraMigrations ?? [], walFile: opts.walFile ?? realFile });
  // The closure runs only on a commit, after `h` below exists.
  const writer = new BufferWriter(store, { flushIntervalMs: 5, ...(opts.notifyCommits ? { onCommit: (c) => h.uplink.notifyCommitted(c.readings, c.alarms) } : {}) });
  const metrics = new GatewayMetrics();
  const logger = recordingLogger();
  const states: UplinkHarness['states'] = [];
  const makeUplink = () => new Uplink(
    { token: 'test-token', stopGraceMs: 0, random: () => 0.5, ...settings },
    { store, clock, logger, metrics, ...(opts.fleet ? { fleet: { gatewayId: opts.gatewayId ?? 'gw-test' } } : {}), onUplinkState: (up, sinceMs) => {
      states.push({ up, sinceMs, atMs: clock.now() });
      opts.onUplinkState?.(up, sinceMs);
    } },
  );
  const h: UplinkHarness = {
    dir,
    clock,
    store,
    writer,
    metrics,
    logger,
    states,
    uplink: makeUplink(),
    restartUplink: async () => {
      await h.uplink.stop();
      h.uplink = makeUplink();
    },
    append: async (readings) => {
      const p = writer.append(readings);
      await writer.flush();
      await p;
    },
    appendAlarm: async (event) => {
      const p = writer.appendAlarm(event);
      await writer.flush();
      await p;
    },
    runUntil: async (done, opts = {}) => {
      const deadline = Date.now() + (opts.realTimeoutMs ?? 10_000);
      while (!done()) {
        if (Date.now() > deadline) throw new Error('runUntil: condition not reached in time');
        clock.advance(opts.stepMs ?? 50);
        await new Promise((r) => setTimeout(r, 2));
      }
    },
    close: async () => {
      await h.uplink.stop();
      await writer.close();
      store.close();
      dir.remove();
    },
  };
  return h;
}
