/**
 * Clients opening a hospital's stream while its snapshot is being read share that one
 * read (StreamHub.attach), over real HTTP and PostgreSQL. The snapshot query is held open
 * by the test (its answer is delayed, the database read it already), so changes land
 * between the snapshot and a later client's join: that client must still get each of
 * them exactly once, after the snapshot.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '@wardlink/shared';
import { CloudMetrics } from '../../../observability/metrics.js';
import { ACTIVE_PATIENTS_SQL } from '../../../storage/queries.js';
import { useTestDatabase } from '../../../testing/pg.js';
import { silentLogger } from '../../../testing/logger.js';
import { HR, seedHospital, type ReadFixture } from '../../testing/read-fixtures.js';
import { TestSseClient, type SseEvent } from '../../testing/sse-client.js';
import { StreamHub } from './stream-hub.js';

const db = useTestDatabase();
const HOSPITAL = 'hs-open';
let h: ReadFixture;
let hub: StreamHub;
let metrics: CloudMetrics;
let server: Server;
let url: string;
let clients: TestSseClient[] = [];

/** The pool the hub reads through: counts snapshot queries and holds their answers until released. */
let snapshotQueries = 0;
let release: () => void = () => undefined;
let held: Promise<void> = Promise.resolve();
const hold = () => (held = new Promise<void>((r) => (release = r)));

function gatedPool(pool: pg.Pool): pg.Pool {
  return new Proxy(pool, {
    get(target, prop) {
      if (prop !== 'query') return Reflect.get(target, prop, target) as unknown;
      return async (text: string, params?: unknown[]) => {
        if (text !== ACTIVE_PATIENTS_SQL) return target.query(text, params);
        snapshotQueries++;
        const res = await target.query(text, params);
        await held;
        return res;
      };
    },
  });
}

const until = async (what: string, ok: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 250; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
};
const vitalsSent = async () => (await metrics.streamEvents.get()).values.find((v) => v.labels.event === 'vitals')?.value ?? 0;

/** Bed 1's HR becomes `value` at a new time, and the hub is told, as the LISTEN stream would. */
let changeT = Date.now();
async function change(value: number): Promise<void> {
  changeT += 1_000;
  await db.pool.query(`UPDATE latest_vitals SET value = $1, t = $2 WHERE hospital_id = $3 AND bed_id = 'bed-1' AND metric = ${HR}`, [value, new Date(changeT), HOSPITAL]);
  const before = await vitalsSent();
  hub.onChange({ hospitalId: HOSPITAL, gatewayId: `${HOSPITAL}-gw`, fromMs: changeT, toMs: changeT });
  await until(`the vitals frame of ${value}`, async () => (await vitalsSent()) > before);
}

/** What a client saw: 'snapshot:<bed-1 HR>' and 'vitals:<value>' per event. */
const seen = (events: SseEvent[]) =>
  events.map((e) => {
    const d = e.data as { patients?: Array<{ bedId: string; vitals: Array<{ metric: { mdcCode: number }; value: number }> }>; vitals?: Array<{ bedId: string; metric: { mdcCode: number }; value: number }> };
    if (e.event === 'snapshot') return `snapshot:${d.patients!.find((p) => p.bedId === 'bed-1')!.vitals.find((v) => v.metric.mdcCode === HR)!.value}`;
    return `${e.event}:${d.vitals!.filter((v) => v.bedId === 'bed-1' && v.metric.mdcCode === HR).map((v) => v.value).join(',')}`;
  });

function open(): Promise<TestSseClient> {
  const opened = TestSseClient.open(`${url}/stream`, h.readerToken);
  void opened.then((c) => clients.push(c), () => undefined);
  return opened;
}

beforeAll(async () => {
  h = await seedHospital(db.pool, HOSPITAL, 2, new Date());
  metrics = new CloudMetrics();
  // One stream per slice: every frame to several clients spans loop turns, so the join
  // protocol below is tested across them (fan-out.ts).
  hub = new StreamHub({ pool: gatedPool(db.pool), metrics, logger: silentLogger, clock: systemClock }, { coalesceMs: 0, maxStreamsPerHospital: 100, fanOutSlice: 1 });
  server = createServer((req, res) => {
    hub.attach(HOSPITAL, res, () => res.writeHead(200, { 'content-type': 'text/event-stream' })).catch(() => {
      res.writeHead(503).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => {
  for (const c of clients) c.close();
  clients = [];
  release();
});
afterAll(async () => {
  hub?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

describe('StreamHub: clients opening at once', () => {
  it('share one snapshot read, and a client that joined late misses no change and gets none twice', async () => {
    await db.pool.query(`UPDATE latest_vitals SET value = 72 WHERE hospital_id = $1 AND bed_id = 'bed-1' AND metric = ${HR}`, [HOSPITAL]);
    hold();
    const reads = snapshotQueries;
    const first = open();
    await until('the first snapshot read', () => snapshotQueries === reads + 1 && hub.streamCount === 1);
    await change(101); // after the snapshot was read: not in it
    const late = open();
    await until('the late client', () => hub.streamCount === 2);
    await change(102);
    expect(snapshotQueries).toBe(reads + 1);
    release();
    const [a, b] = await Promise.all([first, late]);
    await until('both clients saw three events', () => a.events.length >= 3 && b.events.length >= 3);
    await new Promise((r) => setTimeout(r, 200)); // nothing more may come
    expect(seen(a.events)).toEqual(['snapshot:72', 'vitals:101', 'vitals:102']);
    expect(seen(b.events)).toEqual(['snapshot:72', 'vitals:101', 'vitals:102']);
    expect(snapshotQueries).toBe(reads + 1);
  });

  it('answers 50 clients opened at once with one snapshot read; a client after it gets a fresh one', async () => {
    hold();
    const reads = snapshotQueries;
    const opening = Array.from({ length: 50 }, () => open());
    await until('50 streams', () => hub.streamCount === 50);
    release();
    const all = await Promise.all(opening);
    await until('every snapshot', () => all.every((c) => c.events.length >= 1));
    expect(all.every((c) => c.events[0]!.event === 'snapshot')).toBe(true);
    expect(snapshotQueries).toBe(reads + 1);

    await change(103);
    const after = await open();
    await until('its snapshot', () => after.events.length >= 1);
    expect(snapshotQueries).toBe(reads + 2);
    expect(seen(after.events)).toEqual(['snapshot:103']);
  });
});
