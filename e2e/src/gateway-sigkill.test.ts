/**
 * The gateway SIGKILLed mid-upload: a real gateway process uploads to the real cloud
 * through an HTTP relay; the relay forwards one batch, receives the cloud's 200 and
 * kills the gateway before the answer reaches it. The restarted gateway must send the
 * same seq again, the cloud must answer "duplicate", and every reading must be stored
 * exactly once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService, useTestDatabase, checkCloud, registerGateway } from '@wardlink/cloud/testing';
import { wardReadings, createTestGateway, spawnDaemon, type TestGateway } from '@wardlink/gateway/testing';
import { BufferWriter, openGatewayDatabase, localFetch } from '@wardlink/gateway';

const GW = 'gw-crash';
const db = useTestDatabase();
let cloud: TestService;
let relay: Server;
let gw: TestGateway | undefined;
const children: ChildProcess[] = [];

interface Relayed {
  key: string;
  status: number | null;
  body: string;
}
const relayed: Relayed[] = [];
/** Set to kill the gateway right after the cloud answered this many relayed requests. */
let killAfter: { n: number; child: () => ChildProcess } | null = null;
/** The upload whose answer the SIGKILL cut off. */
let killedKeyOf: string | null = null;

beforeAll(async () => {
  cloud = await startTestService(db.connectionString);
  relay = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const entry: Relayed = { key: String(req.headers['idempotency-key']), status: null, body: '' };
      // Only batch uploads are counted and killed on; the gateway's other posts to the
      // cloud (its status reports) pass through unrecorded.
      const upload = req.url?.endsWith('/v1/batches') === true;
      if (upload) relayed.push(entry);
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k))) as Record<string, string>;
      const answer = await fetch(`${cloud.url}${req.url}`, { method: 'POST', headers, body: Buffer.concat(chunks) });
      entry.status = answer.status;
      entry.body = await answer.text();
      // >=: two answers can both be counted before either gets here; killAfter = null makes it once.
      if (upload && killAfter && relayed.filter((r) => r.status !== null).length >= killAfter.n) {
        killAfter.child().kill('SIGKILL'); // the cloud stored it; the gateway never hears so
        killAfter = null;
        killedKeyOf = entry.key;
        res.destroy();
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers.get('retry-after') ? { 'retry-after': answer.headers.get('retry-after')! } : {}) });
      res.end(entry.body);
    });
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await new Promise((r) => relay?.close(r));
  await cloud?.service.stop();
  gw?.cleanup();
});

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('gateway SIGKILLed mid-upload', () => {
  it('resends the same seq after the restart, the cloud dedups it, and every reading is stored exactly once', async () => {
    const token = await registerGateway(db.pool, GW);
    const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
    gw = await createTestGateway({ raw: { gatewayId: GW, cloud: { url: relayUrl, token, maxBatchReadings: 2000, concurrency: 2 } } });
    // The buffer already holds a backlog when the gateway starts.
    const readings = wardReadings(0, 30_000, 50, GW);
    const database = openGatewayDatabase(gw.config);
    const writer = new BufferWriter(database.store);
    const appended = writer.append(readings);
    await writer.close();
    await appended;
    database.close();

    const first = await spawnDaemon(gw);
    children.push(first.child);
    const died = new Promise((r) => first.child.once('exit', r));
    killAfter = { n: 3, child: () => first.child };
    await died;
    // The upload that completed third, not the third one started: with two in flight they
    // finish out of order, and the third started may have been answered before the kill.
    const killedKey = killedKeyOf!;
    expect(relayed.find((r) => r.key === killedKey)!.status).toBe(200);

    const second = await spawnDaemon(gw);
    children.push(second.child);
    await waitFor(async () => {
      const res = await localFetch(gw!.config, '/status', { port: second.ports.http }).catch(() => null);
      const body = (await res?.json().catch(() => null)) as { uplink?: { backlogReadings: number; inFlight: number } } | null;
      return body?.uplink?.backlogReadings === 0 && body.uplink.inFlight === 0;
    }, 20_000);
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));

    const attempts = relayed.filter((r) => r.key === killedKey);
    expect(attempts).toHaveLength(2);
    expect(JSON.parse(attempts[1]!.body)).toMatchObject({ accepted: true, duplicate: true });
    const check = await checkCloud(db.pool, GW, readings);
    console.log(`gateway SIGKILLed mid-upload: ${JSON.stringify(check)}; batch ${killedKey} sent twice, stored once`);
    expect(check).toEqual({ expected: 30_000, stored: 30_000, missing: 0, wrong: 0, duplicated: 0 });
    const reopened = openGatewayDatabase(gw.config);
    const states = reopened.db.prepare('SELECT state, count(*) AS n FROM outbox_batches GROUP BY state').all();
    // The batches were written against the gateway's series dictionary, kept across the
    // SIGKILL: the cloud learnt the same dictionary (id and every entry) from them.
    const dictionary = reopened.db.prepare('SELECT dictionary FROM uplink_dictionary').pluck().get() as number;
    const entries = reopened.db.prepare('SELECT count(*) FROM uplink_dictionary_entries').pluck().get() as number;
    reopened.close();
    expect(states).toEqual([{ state: 'sent', n: 15 }]);
    const learnt = await db.pool.query<{ id: string; n: string }>('SELECT dictionary_id::text AS id, count(*) AS n FROM series_dictionary WHERE gateway_id = $1 GROUP BY 1', [GW]);
    expect(learnt.rows).toEqual([{ id: String(dictionary), n: String(entries) }]);
    expect(entries).toBeGreaterThan(0);
  }, 60_000); // on a Citus cluster (WARDLINK_TEST_CITUS=1) it took 35 s on a loaded 2-core box
});
