/**
 * The gateway as it ships, for `pnpm bench gateway-footprint`: `node gateway/dist/cli/main.js
 * run` (no tsx loader in the process, whose memory and CPU would be counted), rebuilt
 * first when any source is newer than its build (tsc without the type check, incremental,
 * the command scripts/package.ts runs), and /healthz polled for the startup time.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GATEWAY_NODE_FLAGS } from '../gateway-launcher.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const GATEWAY_DIST_MAIN = join(ROOT, 'gateway', 'dist', 'cli', 'main.js');

function newestMtimeMs(dir: string, keep: (name: string) => boolean): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !keep(entry.name)) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Builds shared/ and gateway/ to dist when a source is newer than the build (unless `reuse` and a build exists). */
export function ensureGatewayDist(log: (m: string) => void, reuse: boolean): 'fresh' | 'rebuilt' | 'reused' {
  const isSource = (n: string) => n.endsWith('.ts') && !n.endsWith('.test.ts');
  const stale = ['shared', 'gateway'].filter((pkg) => {
    const dist = join(ROOT, pkg, 'dist');
    return !existsSync(dist) || newestMtimeMs(join(ROOT, pkg, 'src'), isSource) > newestMtimeMs(dist, (n) => n.endsWith('.js'));
  });
  if (stale.length === 0) return 'fresh';
  if (reuse && existsSync(GATEWAY_DIST_MAIN)) {
    log(`--reuse-build: running the existing dist although ${stale.join(', ')} has newer sources`);
    return 'reused';
  }
  const started = performance.now();
  for (const pkg of ['shared', 'gateway']) {
    const dir = join(ROOT, pkg);
    const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(dir, 'tsconfig.build.json'), '--incremental', '--tsBuildInfoFile', join(dir, 'dist', '.tsbuildinfo-nocheck'), '--noCheck'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tsc of ${pkg} failed: ${r.stdout}${r.stderr}`);
  }
  log(`built shared and gateway to dist (${stale.join(', ')} had newer sources) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return 'rebuilt';
}

/** The node flags the package's launcher starts the daemon with, so the bench runs the daemon as it ships. */
export const SHIPPED_NODE_FLAGS: readonly string[] = GATEWAY_NODE_FLAGS;

export interface RunningGateway {
  child: ChildProcess;
  ports: { http: number; mqtt: number; hl7: number };
  /** True once stop() was called: an exit after it is expected. */
  stopping: boolean;
  /** The last 4,000 characters the daemon wrote to stderr. */
  stderrTail(): string;
  stop(): Promise<void>;
}

/** Starts the built daemon and resolves once it prints its "started" line. */
export async function spawnDistGateway(configPath: string): Promise<RunningGateway> {
  // FOOTPRINT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/x": more node flags for the daemon (after the shipped ones,
  // so e.g. --max-semi-space-size=16 overrides), to profile it or try V8 settings.
  const nodeArgs = [...SHIPPED_NODE_FLAGS, ...(process.env.FOOTPRINT_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')];
  // FOOTPRINT_GATEWAY_MAIN=<path of a main.js>: another build of the daemon, for an A/B in the same conditions.
  const main = process.env.FOOTPRINT_GATEWAY_MAIN ?? GATEWAY_DIST_MAIN;
  const child = spawn(process.execPath, [...nodeArgs, main, 'run', '--json', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WARDLINK_LOG_LEVEL: process.env.FOOTPRINT_LOG_LEVEL ?? 'warn' } });
  // FOOTPRINT_GATEWAY_LOG=<file>: the daemon's whole log, to find why a run failed.
  if (process.env.FOOTPRINT_GATEWAY_LOG) child.stderr!.pipe(createWriteStream(process.env.FOOTPRINT_GATEWAY_LOG, { flags: 'a' }));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const ports = await new Promise<RunningGateway['ports']>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"started"'));
      if (line) resolve((JSON.parse(line) as { ports: RunningGateway['ports'] }).ports);
    });
    child.once('exit', (code) => reject(new Error(`the gateway exited with ${code} before starting: ${stderr}`)));
  });
  const stop = async () => {
    running.stopping = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(kill);
  };
  const running: RunningGateway = { child, ports, stop, stopping: false, stderrTail: () => stderr };
  return running;
}

/** Milliseconds from the spawn to the first 200 of /healthz (polled every 10 ms). */
export async function startupMs(configPath: string, httpPort: number, timeoutMs: number): Promise<{ ms: number; gateway: RunningGateway }> {
  const started = performance.now();
  const spawned = spawnDistGateway(configPath);
  let failed: unknown = null;
  spawned.catch((err: unknown) => (failed = err));
  while (performance.now() - started < timeoutMs) {
    if (failed) throw failed;
    const ok = await fetch(`http://127.0.0.1:${httpPort}/healthz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.status === 200, () => false);
    if (ok) return { ms: performance.now() - started, gateway: await spawned };
    await new Promise((r) => setTimeout(r, 10));
  }
  await (await spawned).stop();
  throw new Error(`the gateway did not answer /healthz 200 within ${timeoutMs} ms`);
}
