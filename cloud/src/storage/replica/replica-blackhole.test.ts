/**
 * A replica host that stops answering without closing its connections (powered off, a
 * firewall dropping packets): the monitor's check must end, mark the replica down (so
 * reads go to the primary), and free the stuck connection. A TCP proxy in front of a real
 * PostgreSQL plays the host: when told, it forwards nothing more either way and closes
 * nothing. A read already sent to the replica when it goes silent must be answered from
 * the primary once the monitor finds the replica gone, not wait for TCP.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '@wardlink/shared';
import { silentLogger } from '../../testing/logger.js';
import { useTestDatabase } from '../../testing/pg.js';
import { startSilentProxy, type SilentProxy } from '../../testing/silent-proxy.js';
import { cursorSource } from '../../api/routes/read/row-source.js';
import { ReadRouting } from './read-routing.js';
import { ReplicaMetrics } from './replica-metrics.js';
import { ReplicaMonitor } from './replica-monitor.js';

const db = useTestDatabase({ migrate: false });
let proxy: SilentProxy;
let primary: pg.Pool;
let replica: pg.Pool;
let replicaUrl: string;

beforeAll(async () => {
  proxy = await startSilentProxy(db.connectionString);
  primary = new pg.Pool({ connectionString: db.connectionString, max: 2 });
  replicaUrl = proxy.url;
  replica = new pg.Pool({ connectionString: replicaUrl, max: 2, connectionTimeoutMillis: 1_000 });
  replica.on('error', () => undefined);
});

afterAll(async () => {
  if (proxy) proxy.silent = false;
  proxy?.destroyConnections();
  await primary?.end();
  await replica?.end().catch(() => undefined);
  await proxy?.close();
});

describe('a replica host that stops answering', () => {
  it('is marked down within the check timeout, its stuck connection dropped, and up again once it answers', async () => {
    const monitor = new ReplicaMonitor({ primary, replica, clock: systemClock, logger: silentLogger, metrics: new ReplicaMetrics(), intervalMs: 100, checkTimeoutMs: 500 });
    expect(await monitor.check()).toMatchObject({ up: true });
    expect(replica.totalCount).toBe(1);

    proxy.silent = true;
    const started = Date.now();
    expect(await monitor.check()).toMatchObject({ up: false });
    expect(Date.now() - started).toBeLessThan(5_000); // without the bound: until TCP gives up, hours
    expect(replica.totalCount).toBe(0); // destroyed, not handed to the next request

    proxy.silent = false;
    expect(await monitor.check()).toMatchObject({ up: true });
  });

  it('answers a read in flight on the replica from the primary once the monitor finds the replica silent', async () => {
    const metrics = new ReplicaMetrics();
    // The checks on a pool of their own, as createPools makes it; requests on `replica`.
    const checks = new pg.Pool({ connectionString: replicaUrl, max: 1, connectionTimeoutMillis: 1_000 });
    checks.on('error', () => undefined);
    const monitor = new ReplicaMonitor({ primary, replica: checks, clock: systemClock, logger: silentLogger, metrics, intervalMs: 100, checkTimeoutMs: 500 });
    const routing = new ReadRouting({ primary, replica, monitor, metrics, maxLagMs: 30_000, fallbackToPrimary: true });
    expect(await monitor.check()).toMatchObject({ up: true });
    monitor.start();
    try {
      // Where each attempt ran: the replica's connections come through the proxy.
      const read = routing.pool.query<{ port: number }>('SELECT pg_sleep(0.6), inet_client_port() AS port');
      await new Promise((r) => setTimeout(r, 150)); // sent, and sleeping on the server
      const proxyPorts = new Set([...proxy.sockets].map((s) => s.remotePort).concat([...proxy.sockets].map((s) => s.localPort)));
      proxy.silent = true;
      const started = Date.now();
      const res = await read;
      expect(Date.now() - started).toBeLessThan(5_000); // before: no answer until TCP gave up
      expect(proxyPorts.has(res.rows[0]!.port)).toBe(false); // answered by the primary
      expect(monitor.state.up).toBe(false);
      const fallbacks = await metrics.fallbacks.get();
      expect(fallbacks.values.find((v) => v.labels.reason === 'error')?.value).toBe(1);
    } finally {
      await monitor.stop();
      proxy.silent = false;
      await checks.end().catch(() => undefined);
    }
  }, 15_000);

  it('frees a history cursor left open on the silent replica when its reader goes away', async () => {
    const checks = new pg.Pool({ connectionString: replicaUrl, max: 1, connectionTimeoutMillis: 1_000 });
    checks.on('error', () => undefined);
    const metrics = new ReplicaMetrics();
    const monitor = new ReplicaMonitor({ primary, replica: checks, clock: systemClock, logger: silentLogger, metrics, intervalMs: 100, checkTimeoutMs: 500 });
    const routing = new ReadRouting({ primary, replica, monitor, metrics, maxLagMs: 30_000, fallbackToPrimary: true });
    expect(await monitor.check()).toMatchObject({ up: true });
    try {
      const source = await cursorSource<{ n: number }>(routing.pool, 'SELECT n FROM generate_series(1, 100000) n', [], { batchRows: 10 });
      expect((await source.next()).map((r) => r.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      proxy.silent = true;
      expect(await monitor.check()).toMatchObject({ up: false }); // ends the cursor's connection
      // The client went away (no failure): the close is written to a dead socket and never
      // answered; it must give the connection up instead of holding the request and the slot.
      const started = Date.now();
      await source.close();
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(replica.totalCount).toBe(0);
    } finally {
      await monitor.stop();
      proxy.silent = false;
      await checks.end().catch(() => undefined);
    }
  }, 15_000);
});
