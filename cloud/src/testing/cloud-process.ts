/**
 * The real cloud for the uplink's end-to-end tests: the `wardlink-cloud serve` CLI as a
 * child process (so it can be SIGKILLed), on a test database of the real PostgreSQL
 * (testing/pg.ts), plus a TCP proxy in front of PostgreSQL that a test can cut,
 * and the checks that every reading arrived exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mdcCodeOfKey, type Reading } from '@wardlink/shared';
import { addGateway } from '../api/auth/gateway-store.js';

/** The pg.Pool of the cloud's test database (typed from the cloud package, which depends on pg). */
export type CloudPool = Parameters<typeof addGateway>[0];

const cloudMain = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

export interface CloudProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** SIGKILL (no graceful stop) and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful) and wait for the exit. */
  stop(): Promise<void>;
}

/** Starts `wardlink-cloud serve` on `databaseUrl`; port 0 picks one (pass it again to restart on it). */
export async function spawnCloud(databaseUrl: string, port = 0): Promise<CloudProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wl-cloud-'));
  const child = spawn(process.execPath, ['--import', 'tsx', cloudMain, 'serve', '--json', '--no-lifecycle', '--host', '127.0.0.1', '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', WARDLINK_DATA_DIR: dataDir, WARDLINK_CLOUD_CONFIG: '' },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
  const started = await new Promise<{ port: number }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"started"'));
      if (line) resolve(JSON.parse(line) as { port: number });
    });
    child.once('exit', (code) => reject(new Error(`wardlink-cloud serve exited with ${code} before starting: ${stderr}`)));
  });
  const signal = async (s: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(s);
    await exited;
  };
  return { url: `http://127.0.0.1:${started.port}`, port: started.port, child, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}

/** Registers the gateway with the cloud (hospital and ward created on demand); returns its token. */
export async function registerGateway(pool: CloudPool, gatewayId: string, hospitalId = 'h-test'): Promise<string> {
  return (await addGateway(pool, { hospitalId, wardId: `ward-${gatewayId}`, gatewayId })).token;
}

export interface TcpProxy {
  port: number;
  /** Refuses new connections and cuts the open ones: the target looks down. */
  cut(): Promise<void>;
  /** Accepts connections again. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP proxy to 127.0.0.1:`targetPort` (PostgreSQL) that a test can cut and restore. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  const listen = async () => {
    server = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server!.address() as { port: number }).port;
  };
  const stop = async () => {
    const s = server;
    server = null;
    for (const sock of sockets) sock.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  return { port, cut: stop, restore: listen, close: stop };
}

export function viaPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

export interface CloudCheck {
  expected: number;
  stored: number;
  missing: number;
  /** Rows whose value, bed, patient or flags differ from the reading sent. */
  wrong: number;
  /** Rows stored more than once (same device, metric, time), or batches in the ledger twice. */
  duplicated: number;
}

/** Compares what PostgreSQL holds for `gatewayId` with the readings the gateway had. */
export async function checkCloud(pool: CloudPool, gatewayId: string, expected: readonly Reading[]): Promise<CloudCheck> {
  const rows = await pool.query<{ device_id: string; metric: number; t: Date; value: number; bed_id: string; patient_id: string; flags: number }>(
    'SELECT device_id, metric, t, value, bed_id, patient_id, flags FROM vital_data WHERE gateway_id = $1',
    [gatewayId],
  );
  const byKey = new Map<string, (typeof rows.rows)[number][]>();
  for (const r of rows.rows) {
    const key = `${r.device_id}|${r.metric}|${r.t.getTime()}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  let missing = 0;
  let wrong = 0;
  for (const r of expected) {
    const found = byKey.get(`${r.deviceId}|${mdcCodeOfKey(r.metric)}|${r.deviceTimeMs}`);
    if (!found) {
      missing += 1;
      continue;
    }
    const row = found[0]!;
    if (Math.fround(row.value) !== Math.fround(r.value) || row.bed_id !== r.bedId || row.patient_id !== (r.patientId ?? '') || row.flags !== r.flags) wrong += 1;
  }
  const ledgerDup = await pool.query<{ n: number }>('SELECT count(*)::int - count(DISTINCT batch_seq)::int AS n FROM batch_ledger WHERE gateway_id = $1', [gatewayId]);
  const duplicated = [...byKey.values()].filter((v) => v.length > 1).length + ledgerDup.rows[0]!.n;
  return { expected: expected.length, stored: rows.rowCount ?? 0, missing, wrong, duplicated };
}
