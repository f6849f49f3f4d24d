/**
 * Durability with a real SIGKILL: a child process appends readings and prints each
 * committed range; we kill it mid-stream, reopen the file (WAL recovery) and check that
 * every acknowledged reading is there exactly once.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openBufferStore } from './store.js';
import { T0_MS, tempDir, type TempDir } from './testing/fixtures.js';

const CHILD = fileURLToPath(new URL('./testing/crash-writer.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let dir: TempDir;
beforeEach(() => (dir = tempDir()));
afterEach(() => dir.remove());

interface CrashRun {
  acked: Set<number>;
  nacks: number;
  signal: NodeJS.Signals | null;
}

/** Runs the child until `killAfterAcks` readings are acknowledged, then SIGKILLs it. */
function runAndKill(path: string, killAfterAcks: number): Promise<CrashRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path, 'normal'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Set<number>();
    let nacks = 0;
    let pending = '';
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const [kind, a, b] = line.split(' ');
        if (kind === 'ack') for (let i = Number(a); i < Number(b); i++) acked.add(i);
        if (kind === 'nack') nacks += 1;
      }
      if (!killed && acked.size >= killAfterAcks) {
        killed = true;
        child.kill('SIGKILL'); // mid-stream: appends are still queued and in flight
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (!killed) reject(new Error(`crash child exited on its own: ${stderr.slice(-2000)}`));
      else resolve({ acked, nacks, signal });
    });
  });
}

describe('durability under SIGKILL (normal mode: WAL + synchronous=NORMAL)', () => {
  it('keeps every acknowledged reading, exactly once', async () => {
    const path = dir.file('gw.db');
    const run = await runAndKill(path, 40_000);
    expect(run.signal).toBe('SIGKILL');
    expect(run.nacks).toBe(0);

    const store = openBufferStore({ path, gatewayId: 'gw-crash' });
    const counts = new Map<number, number>();
    for (const r of store.db.prepare('SELECT received_at_ms - ? AS i, count(*) AS n FROM readings GROUP BY 1').all(T0_MS) as { i: number; n: number }[]) {
      counts.set(r.i, r.n);
    }
    const missing = [...run.acked].filter((i) => counts.get(i) !== 1);
    const duplicated = [...counts.values()].filter((n) => n !== 1).length;
    store.close();

    console.log(`crash test: ${run.acked.size} readings acknowledged, ${counts.size} found after restart, ${missing.length} missing, ${duplicated} duplicated`);
    expect(run.acked.size).toBeGreaterThanOrEqual(40_000);
    expect(missing).toEqual([]);
    expect(duplicated).toBe(0);
    // Committed-but-not-yet-acknowledged readings may be there too; nothing beyond that.
    expect(counts.size).toBeGreaterThanOrEqual(run.acked.size);
  }, 20_000);
});
