/** Child processes for the demo: the cloud and the gateway CLIs, run from source with tsx. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GATEWAY_NODE_FLAGS } from '../gateway-launcher.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const CLOUD_CLI = `${root}cloud/src/cli/main.ts`;
export const GATEWAY_CLI = `${root}gateway/src/cli/main.ts`;

export interface Started {
  child: ChildProcess;
  info: Record<string, unknown>;
}

/** Starts a long-running CLI command with --json and resolves with its "started" line. */
export function startJson(cli: string, args: string[], env: NodeJS.ProcessEnv, logFile: NodeJS.WritableStream): Promise<Started> {
  // The gateway runs with its launcher's node flags, as it ships.
  const nodeFlags = cli === GATEWAY_CLI ? GATEWAY_NODE_FLAGS : [];
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', cli, ...args, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.pipe(logFile, { end: false });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"started"'));
      if (line) resolve({ child, info: JSON.parse(line) as Record<string, unknown> });
    });
    child.once('exit', (code) => reject(new Error(`${cli.split('/').slice(-4).join('/')} ${args[0]} exited with ${code}; see the demo log`)));
  });
}

/** Runs a short CLI command with --json and returns its parsed output. */
export function runJson(cli: string, args: string[], env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Record<string, unknown>) : reject(new Error(`${args.join(' ')} failed: ${err}`))));
  });
}

export async function stop(child: ChildProcess | undefined, timeoutMs = 15_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}
