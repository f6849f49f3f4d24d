/**
 * The bench runner refuses an option the bench does not read, before anything runs (a
 * misspelt `--minute 2` used to start the full 10 minute default), and `--help` lists a
 * bench's options. Through the real command, as `pnpm bench` runs it.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bench = (...args: string[]) => spawnSync('node_modules/.bin/tsx', ['scripts/bench/run.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

describe('pnpm bench', () => {
  it('refuses an option the bench does not take, naming it, and runs nothing', () => {
    const r = bench('gateway-footprint', '--minute', '2');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('WL_BENCH_UNKNOWN_OPTION: gateway-footprint takes no --minute');
    expect(r.stderr).toContain('--minutes');
    expect(r.stdout).toBe(''); // no figures: nothing ran
    const codec = bench('codec', '--quick', '--reuse-build');
    expect(codec.status).toBe(2);
    expect(codec.stderr).toContain('takes no --reuse-build');
  });

  it('lists a bench\'s options with --help and exits 0 without running it', () => {
    const r = bench('gateway-footprint', '--help');
    expect(r.status).toBe(0);
    for (const o of ['--quick', '--minutes', '--outage-minutes', '--buffer-hours', '--local-retention-s', '--reuse-build']) expect(r.stdout).toContain(o);
    expect(r.stderr).toBe('');
  });

  it('refuses an unknown bench with the list of those there are', () => {
    const r = bench('nosuch', '--help');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('available:');
    expect(r.stderr).toContain('gateway-footprint');
  });
});
