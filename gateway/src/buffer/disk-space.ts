/**
 * How much the buffer's filesystem can still take. The byte cap (`buffer.maxBytes`) is a
 * wish; the disk is the fact: on a 16 GB eMMC shared with logs and the OS, a 2 GiB cap
 * can be more than is free. Behind an interface so that a test can also put the buffer
 * on a small real filesystem (tmpfs) and read the same syscall.
 */
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';

export interface DiskSpace {
  /** Bytes an unprivileged writer may still allocate on the buffer's filesystem. */
  availableBytes(): number;
}

/** statfs(2) of the folder holding the database file. */
export function filesystemSpace(databasePath: string): DiskSpace {
  const dir = dirname(databasePath);
  return {
    availableBytes() {
      const s = statfsSync(dir);
      return Number(s.bavail) * Number(s.bsize);
    },
  };
}

/** For an in-memory database, or a caller that asks for no disk check. */
export const UNLIMITED_SPACE: DiskSpace = { availableBytes: () => Number.MAX_SAFE_INTEGER };
