/**
 * The serve-runtime file: what `serve` on the embedded database leaves in the data folder
 * (its pid and the cluster's connection string), so the admin commands reach the running
 * cluster. Its own file because the CLI reads it without starting a service.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive } from './storage/embedded-support.js';

/** What `serve` on the embedded database leaves in the data folder, so the admin
 * commands (`gateway add`, `migrate`) reach the running cluster instead of starting a
 * second postmaster on the same directory. Holds the password: mode 0600. */
export interface ServeRuntime {
  pid: number;
  connectionString: string;
}
const RUNTIME_FILE = 'serve-runtime.json';

export async function readServeRuntime(dataDir: string): Promise<ServeRuntime | undefined> {
  const text = await readFile(join(dataDir, RUNTIME_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const runtime = JSON.parse(text) as ServeRuntime;
    return Number.isInteger(runtime.pid) && isAlive(runtime.pid) && typeof runtime.connectionString === 'string' ? runtime : undefined;
  } catch {
    return undefined;
  }
}

/** Records this process as serving the embedded cluster at connectionString. */
export async function writeServeRuntime(dataDir: string, connectionString: string): Promise<void> {
  const runtime: ServeRuntime = { pid: process.pid, connectionString };
  await writeFile(join(dataDir, RUNTIME_FILE), JSON.stringify(runtime), { mode: 0o600 });
}

/** Removes the file (before the embedded cluster stops); absent is fine. */
export async function removeServeRuntime(dataDir: string): Promise<void> {
  await rm(join(dataDir, RUNTIME_FILE), { force: true });
}
