/**
 * A small real filesystem for tests of a full disk: a tmpfs of a given size, mounted in a
 * temporary folder. Mounting needs root (CAP_SYS_ADMIN), as CI has; elsewhere the caller
 * gets the reason and skips, saying so.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  dir: string;
  unmount(): void;
}

export function mountTmpfs(sizeMiB: number): Tmpfs | { unavailable: string } {
  const dir = mkdtempSync(join(tmpdir(), 'wl-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0700`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { unavailable: `cannot mount a tmpfs (${(r.stderr || r.error?.message || 'mount failed').trim()}); run the tests as root to include it` };
  }
  return {
    dir,
    unmount() {
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
