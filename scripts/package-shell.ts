/**
 * The process side of `pnpm package`: the checkout's root, timed progress lines on stderr,
 * and running the external tools (tsc, pnpm, dpkg-deb, du) with their output shown only
 * on failure. Shared by every build step, so kept apart from any one of them.
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** When the run began: progress lines and the summary count from it. */
export const started = Date.now();
export function progress(message: string): void {
  console.error(`[package ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);
}

/** Runs a command, showing its output only when it fails (the progress lines say what runs). */
export function run(cmd: string, args: readonly string[], opts: { cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    process.stderr.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
    throw new Error(`${cmd} ${args.join(' ')} exited ${String(r.status ?? r.signal)}`);
  }
  return r.stdout;
}

export function requireTool(tool: string, hint: string): void {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} not found: ${hint}`);
}

export function duKiB(path: string): number {
  return Number(run('du', ['-sk', '--apparent-size', path]).split(/\s+/)[0]);
}
