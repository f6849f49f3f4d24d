/**
 * A local Citus cluster for the tests (WARDLINK_TEST_CITUS=1): a coordinator and two
 * workers of the machine's PostgreSQL 15 with the Citus extension (built by
 * ../shared/citus/build.sh), in temporary folders, started once per test worker process
 * and stopped and removed when that process exits.
 *
 * PostgreSQL refuses to run as root, so when we are root every folder belongs to the
 * "postgres" system user and the server programs run through `su postgres`.
 *
 * Citus metadata lives per database: a test database is created on all three nodes,
 * gets `CREATE EXTENSION citus` on each, and the coordinator of that database is told
 * where it is and where its workers are (createCitusDatabase).
 *
 * No fallback: if Citus is missing or the cluster cannot start, this throws
 * CitusUnavailableError, so a run that asked for Citus never silently tests plain PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isAlive, isRoot } from '../storage/embedded-support.js';
import { asPostgres, onServer, run } from './pg-server.js';


export const CITUS_SWITCH_ENV = 'WARDLINK_TEST_CITUS';
const DIR_PREFIX = 'wardlink-test-citus-';
const WORKERS = 2;

/** The switch is on: every test database of this process lives on a Citus cluster. */
export function citusSwitchOn(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[CITUS_SWITCH_ENV] === '1' || env[CITUS_SWITCH_ENV] === 'true';
}

export class CitusUnavailableError extends Error {
  readonly code = 'WL_TEST_CITUS_UNAVAILABLE';
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`${CITUS_SWITCH_ENV}=1 asks for a Citus cluster, but ${reason}. Build Citus with \`bash ../shared/citus/build.sh\` (from the repo root), or unset ${CITUS_SWITCH_ENV}.`, options);
    this.name = 'CitusUnavailableError';
  }
}

export interface CitusCluster {
  readonly coordinatorPort: number;
  readonly workerPorts: readonly number[];
  /** Data folders, coordinator first (each has its postmaster.pid, for per-node CPU). */
  readonly nodeDirs: readonly string[];
  /** Admin URL (database postgres) of node `port`. */
  urlOf(port: number, database?: string): string;
}

/** The PostgreSQL 15 programs and the installed citus.so, or a clear reason why not. */
async function locateBinaries(): Promise<string> {
  let bindir = '/usr/lib/postgresql/15/bin';
  let libdir = '/usr/lib/postgresql/15/lib';
  try {
    bindir = (await run('pg_config', ['--bindir'])).stdout.trim();
    libdir = (await run('pg_config', ['--pkglibdir'])).stdout.trim();
  } catch {
    // pg_config is only in the -dev package; the Debian paths above are its answers.
  }
  if (!existsSync(join(bindir, 'pg_ctl'))) throw new CitusUnavailableError(`PostgreSQL's pg_ctl is not in ${bindir}`);
  if (!existsSync(join(libdir, 'citus.so'))) throw new CitusUnavailableError(`the Citus extension is not installed (no ${libdir}/citus.so)`);
  return bindir;
}

// Small, fast and throwaway: no durability, little memory (three servers share 2 cores).
const NODE_CONF = `
shared_preload_libraries = 'citus'
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 32MB
max_connections = 150
max_prepared_transactions = 100
citus.shard_replication_factor = 1
# Moving a shard group while writes go on (shard_transfer_mode 'force_logical' or 'auto',
# storage/shard-move.ts) replays the writes by logical replication between the workers.
wal_level = logical
`;

interface Running {
  cluster: CitusCluster;
  dir: string;
  nodeDirs: string[];
  bindir: string;
}

let starting: Promise<Running> | undefined;

/** The cluster of this test worker process, started on first use. */
export async function citusCluster(): Promise<CitusCluster> {
  starting ??= startCitus().catch((err: unknown) => {
    throw err instanceof CitusUnavailableError ? err : new CitusUnavailableError(`the cluster could not start (${(err as Error).message})`, { cause: err });
  });
  return (await starting).cluster;
}

async function startCitus(): Promise<Running> {
  const bindir = await locateBinaries();
  await sweepStale(bindir);
  // The pid in the name lets a later run clean up after a worker that was SIGKILLed.
  const dir = await mkdtemp(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  await chmod(dir, 0o755);
  if (isRoot()) await run('chown', ['postgres', dir]);
  const ports: number[] = [];
  for (let i = 0; i <= WORKERS; i++) ports.push(await freePort());
  const nodeDirs = ports.map((_, i) => join(dir, `n${i}`));
  const running: Running = {
    dir,
    nodeDirs,
    bindir,
    cluster: {
      // Read at use: a node that lost its port to another process starts on a new one.
      get coordinatorPort() {
        return ports[0]!;
      },
      get workerPorts() {
        return ports.slice(1);
      },
      nodeDirs,
      urlOf: (port, database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    },
  };
  installCleanup(running);
  // One initdb, copied: initdb is the slow part (~1 s each on 2 cores).
  await asPostgres(bindir, 'initdb', ['-D', nodeDirs[0]!, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  await appendFile(join(nodeDirs[0]!, 'postgresql.conf'), NODE_CONF);
  for (const nodeDir of nodeDirs.slice(1)) {
    if (isRoot()) await run('su', ['postgres', '-s', '/bin/sh', '-c', `cp -a '${nodeDirs[0]}' '${nodeDir}'`]);
    else await run('cp', ['-a', nodeDirs[0]!, nodeDir]);
  }
  await Promise.all(nodeDirs.map((nodeDir, i) => startNode(bindir, nodeDir, i, ports)));
  await Promise.all(ports.map((port) => allowCitusDecoder(running.cluster.urlOf(port))));
  await writeFile(join(dir, 'ports'), ports.join(' '));
  return running;
}

/**
 * Starts one more node with Citus (a third worker, for the rebalancer after
 * citus_add_node), stopped and removed with the others when the process exits. Register
 * it per database with addCitusWorker. Returns its port.
 */
export async function startExtraCitusNode(): Promise<number> {
  await citusCluster();
  const running = await starting!;
  const nodeDir = join(running.dir, `n${running.nodeDirs.length}`);
  await asPostgres(running.bindir, 'initdb', ['-D', nodeDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  await appendFile(join(nodeDir, 'postgresql.conf'), NODE_CONF);
  const ports = [await freePort()];
  running.nodeDirs.push(nodeDir); // the exit cleanup stops it too
  await startNode(running.bindir, nodeDir, 0, ports);
  await allowCitusDecoder(running.cluster.urlOf(ports[0]!));
  return ports[0]!;
}

/** Creates database `name` with the citus extension on node `port` and adds the node to
 * that database's cluster as a worker (citus_add_node on the coordinator). */
export async function addCitusWorker(cluster: CitusCluster, name: string, port: number): Promise<void> {
  await onServer(cluster.urlOf(port), (c) => c.query(`CREATE DATABASE ${name}`));
  await onServer(cluster.urlOf(port, name), (c) => c.query('CREATE EXTENSION citus'));
  await onServer(cluster.urlOf(cluster.coordinatorPort, name), (c) => c.query('SELECT citus_add_node($1, $2)', ['127.0.0.1', port]));
}

/**
 * Starts node `i` on ports[i]. A port from freePort is free only until someone binds it:
 * another test worker starting its own cluster at the same moment can be handed the same
 * one. Then the node gets a new port (ports[i] is updated) and starts again.
 */
async function startNode(bindir: string, nodeDir: string, i: number, ports: number[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const logBefore = (await readFile(`${nodeDir}.log`, 'utf8').catch(() => '')).length;
    try {
      await asPostgres(bindir, 'pg_ctl', ['-D', nodeDir, '-o', `-p ${ports[i]} -k ${nodeDir}`, '-l', `${nodeDir}.log`, '-w', '-t', '60', 'start']);
      return;
    } catch (err) {
      const log = (await readFile(`${nodeDir}.log`, 'utf8').catch(() => '')).slice(logBefore);
      if (attempt < 4 && log.includes('Address already in use')) {
        ports[i] = await freePort();
        continue;
      }
      throw new CitusUnavailableError(`node ${i} did not start: ${(err as Error).message.trim()}\n${log.slice(-2000)}`, { cause: err });
    }
  }
}

function installCleanup(running: Running): void {
  // A detached shell stops the three servers and removes the folder: it outlives this
  // worker, which vitest may kill soon after 'exit'. (A worker killed outright leaves
  // the folder to sweepStale of the next run.)
  const stopAll = () => {
    const pgCtl = join(running.bindir, 'pg_ctl');
    const stops = running.nodeDirs.map((d) => `'${pgCtl}' -D '${d}' -m immediate -w stop >/dev/null 2>&1 &`).join(' ');
    const script = `${isRoot() ? `su postgres -s /bin/sh -c "${stops} wait"` : `${stops} wait`}; rm -rf '${running.dir}'`;
    spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
  };
  process.once('exit', stopAll);
  // vitest ends a worker with SIGTERM: exit, which runs stopAll (unless another handler already exits).
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));
  }
}

/** Removes clusters of earlier test workers that died without cleaning up. */
async function sweepStale(bindir: string): Promise<void> {
  const entries = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const entry of entries) {
    const owner = new RegExp(`^${DIR_PREFIX}(\\d+)-`).exec(entry);
    if (!owner || isAlive(Number(owner[1]))) continue;
    const dir = join(tmpdir(), entry);
    for (const node of await readdir(dir).catch(() => [] as string[])) {
      const nodeDir = join(dir, node);
      if (!existsSync(join(nodeDir, 'postmaster.pid'))) continue;
      await asPostgres(bindir, 'pg_ctl', ['-D', nodeDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Debian's PostgreSQL 15.20 only lets the libraries in output_plugin_libraries (default
 * 'pgoutput, test_decoding') decode WAL; splitting a shard by logical replication
 * (isolate_tenant_to_new_shard) decodes with Citus's own plugin. Other builds have no
 * such setting (42704): nothing to allow there.
 */
async function allowCitusDecoder(url: string): Promise<void> {
  await onServer(url, async (c) => {
    try {
      await c.query('ALTER SYSTEM SET output_plugin_libraries = pgoutput, test_decoding, citus');
      await c.query('SELECT pg_reload_conf()');
    } catch (err) {
      if ((err as { code?: string }).code !== '42704') throw err;
    }
  });
}

/** Creates `name` on every node, with the citus extension and the workers registered. */
export async function createCitusDatabase(cluster: CitusCluster, name: string): Promise<string> {
  const ports = [cluster.coordinatorPort, ...cluster.workerPorts];
  // The nodes at once: CREATE EXTENSION citus takes ~1-2 s per node, and the nodes are
  // separate servers (this was half the time of creating a test database).
  await Promise.all(
    ports.map(async (port) => {
      await onServer(cluster.urlOf(port), async (c) => {
        // Two test workers copying template1 of one node at the same instant can collide (55006).
        for (let attempt = 0; ; attempt++) {
          try {
            return await c.query(`CREATE DATABASE ${name}`);
          } catch (err) {
            if ((err as { code?: string }).code !== '55006' || attempt >= 20) throw err;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      });
      await onServer(cluster.urlOf(port, name), (c) => c.query('CREATE EXTENSION citus'));
    }),
  );
  const url = cluster.urlOf(cluster.coordinatorPort, name);
  await onServer(url, async (c) => {
    await c.query('SELECT citus_set_coordinator_host($1, $2)', ['127.0.0.1', cluster.coordinatorPort]);
    for (const port of cluster.workerPorts) await c.query('SELECT citus_add_node($1, $2)', ['127.0.0.1', port]);
  });
  return url;
}

/** Drops `name` on every node (workers first: the coordinator's metadata goes last). */
export async function dropCitusDatabase(cluster: CitusCluster, name: string): Promise<void> {
  for (const port of [...cluster.workerPorts, cluster.coordinatorPort]) {
    await onServer(cluster.urlOf(port), (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}
