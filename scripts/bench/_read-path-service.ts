/**
 * The service under the read-path bench: `wardlink-cloud serve` as a CHILD process, so
 * the bench's load generators (ingest posts, readers, 500 SSE clients) do not share its
 * event loop. Its archive store is the local folder the bench archived a day into, and
 * its stream bounds let 500 clients watch one hospital (the default is 100 per hospital).
 * `role` runs it as one of a split deployment's instances (server.role: ingest or read).
 * READ_PATH_CPU_PROF_DIR=<dir> in the bench's environment runs it under --cpu-prof (a V8
 * profile written to <dir>/<role> when it stops), to see where an answer's time goes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { BenchOptions } from './run.js';

export interface BenchService {
  child: ChildProcess;
  base: string;
  /** server.latestCacheMaxHospitals as the service got it: WARDLINK_LATEST_CACHE_MAX_HOSPITALS
   * from the bench's environment (to compare the cache on and off), else 'default'. */
  latestCacheMaxHospitals: string;
  stop(): Promise<void>;
  /** The service's warn/error log lines so far, counted by error code (or message). */
  logged(): Record<string, number>;
  /** Undefined while it runs; else how it ended and its last log lines. */
  exited(): string | undefined;
}

export type BenchServiceRole = 'all' | 'ingest' | 'read';

export async function startReadPathService(
  url: string,
  { archiveDir, dataDir, streams, role = 'all' }: { archiveDir: string; dataDir: string; streams: number; role?: BenchServiceRole },
  log: BenchOptions['log'],
): Promise<BenchService> {
  const profDir = process.env.READ_PATH_CPU_PROF_DIR;
  const nodeArgs = profDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profDir, role)}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'cloud/src/cli/main.ts', 'serve', '--no-lifecycle', '--role', role, '--port', '0', '--host', '127.0.0.1', '--json'], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      LOG_LEVEL: 'warn',
      WARDLINK_CLOUD_CONFIG: '',
      WARDLINK_DATA_DIR: dataDir,
      WARDLINK_ARCHIVE_STORE: 'folder',
      WARDLINK_ARCHIVE_DIR: archiveDir,
      WARDLINK_MAX_STREAMS: String(streams + 100),
      WARDLINK_MAX_STREAMS_PER_HOSPITAL: String(streams + 50),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Its log lines (warn and above) are counted by code, not echoed: 500 streams can log a lot.
  const codes = new Map<string, number>();
  const tail: string[] = [];
  let partial = '';
  child.stderr!.on('data', (c: Buffer) => {
    const lines = (partial + c.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      tail.push(line.slice(0, 500));
      if (tail.length > 20) tail.shift();
      const code = /"code":"([A-Z0-9_]+)"/.exec(line)?.[1] ?? (/"msg":"([^"]{0,60})/.exec(line)?.[1] ?? line.slice(0, 60));
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
  });
  const base = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (c: Buffer) => {
      text += c.toString();
      const line = text.split('\n').find((l) => l.includes('"url"'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`wardlink-cloud serve exited with ${code}`)));
  });
  log(`service (role ${role}): child process pid ${child.pid} at ${base} (archive ${archiveDir})`);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  const exited = () => (child.exitCode === null && child.signalCode === null ? undefined : `exit ${child.exitCode ?? child.signalCode}; last log lines:\n${tail.join('\n')}`);
  return { child, base, latestCacheMaxHospitals: process.env.WARDLINK_LATEST_CACHE_MAX_HOSPITALS ?? 'default', stop, logged: () => Object.fromEntries(codes), exited };
}

export const serviceDataDir = (workDir: string) => join(workDir, 'cloud');
