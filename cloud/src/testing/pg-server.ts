/**
 * What the tests' own PostgreSQL servers (the Citus cluster, the streaming replica pair)
 * share: running a server program as the postgres user, and one short-lived connection.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { isRoot } from '../storage/embedded-support.js';

export const run = promisify(execFile);

/** Runs a PostgreSQL server program from `bindir`, as the postgres user when we are root
 * (initdb and the server refuse to run as root). */
export async function asPostgres(bindir: string, program: string, args: string[]): Promise<void> {
  const quoted = [join(bindir, program), ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  if (isRoot()) await run('su', ['postgres', '-s', '/bin/sh', '-c', quoted]);
  else await run(join(bindir, program), args);
}

/** Runs `fn` on a fresh connection to `url`, closed afterwards. */
export async function onServer<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
