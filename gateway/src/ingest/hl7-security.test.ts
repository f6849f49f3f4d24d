/**
 * The HL7 listener on a shared ward network, on a running gateway: idle and half-sent
 * connections closed, a device's messages only from its allowed addresses, connections
 * capped per address, and MLLP over TLS.
 */
import { connect as tlsConnect } from 'node:tls';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayDaemon } from '../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../testing/fixture.js';
import { makeSelfSigned } from '../tls/self-signed.js';
import { mllpFrame } from './formats/hl7/mllp.js';
import { MllpClient, msa } from './testing/mllp-client.js';

let gw: TestGateway;
let daemon: GatewayDaemon;
let certDir: string;
let certPem: string;

const message = (controlId: string, equipment = 'mon-1') =>
  [`MSH|^~\\&|MON|WARD|||${stamp()}||ORU^R01|${controlId}|P|2.6`, 'PID|||P0001', `OBR|1|||182777000^monitoring^SCT|||${stamp()}`, `OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||97|262688^MDC_DIM_PERCENT^MDC|||||R|||||||${equipment}`].join('\r');
function stamp(): string {
  return new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14) + '+0000';
}

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'wl-hl7-tls-'));
  const made = await makeSelfSigned({ commonName: 'test-gw', names: ['localhost', '127.0.0.1'] });
  certPem = made.certPem;
  writeFileSync(join(certDir, 'gw.crt'), made.certPem);
  writeFileSync(join(certDir, 'gw.key'), made.keyPem);
  gw = await createTestGateway({
    beds: ['bed-01', 'bed-02'],
    devices: [
      { deviceId: 'mon-1', kind: 'tcp-hl7', bedId: 'bed-01', format: 'hl7-mllp', matchId: 'mon-1' },
      { deviceId: 'mon-2', kind: 'tcp-hl7', bedId: 'bed-02', format: 'hl7-mllp', matchId: 'mon-2', allowedPeers: ['10.9.9.9'] },
    ],
    raw: { hl7: { host: '127.0.0.1', port: 0, idleTimeoutMs: 1000, messageTimeoutMs: 500, maxConnectionsPerAddress: 4, tls: { port: 0, certFile: join(certDir, 'gw.crt'), keyFile: join(certDir, 'gw.key') } } },
  });
  daemon = await startDaemon(gw);
});
afterAll(async () => {
  await daemon?.stop();
  gw?.cleanup();
  rmSync(certDir, { recursive: true, force: true });
});

function closedWithin(socket: Socket): Promise<number> {
  const started = Date.now();
  return new Promise((resolve) => socket.once('close', () => resolve(Date.now() - started)));
}
const timeouts = () => daemon.rejects.countsByCode().WL_INGEST_TIMEOUT ?? 0;
function storedFromMon1(): number {
  const db = new Database(gw.config.databasePath, { readonly: true });
  try {
    return db.prepare("SELECT count(*) FROM readings WHERE device_id = 'mon-1'").pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('the HL7 listener', () => {
  it('closes a connection that sends nothing, and one that begins a message and never ends it, acknowledging nothing', async () => {
    const before = timeouts();
    const idle = connect(daemon.ports.hl7, '127.0.0.1');
    expect(await closedWithin(idle)).toBeGreaterThanOrEqual(900);
    const half = await MllpClient.open(daemon.ports.hl7);
    const closed = closedWithin(half.socket);
    half.socket.write(mllpFrame(message('H1')).subarray(0, 60)); // the start of a frame, no end
    const after = await closed;
    expect(after).toBeLessThan(900); // the message timeout (500 ms), before the idle one
    expect(half.acks).toEqual([]);
    expect(storedFromMon1()).toBe(0);
    expect(timeouts()).toBe(before + 2);
  });

  it('refuses a device\'s message from an address not on its list with AR, and takes it once allowed', async () => {
    const client = await MllpClient.open(daemon.ports.hl7);
    const refused = await client.request(message('P1', 'mon-2'));
    expect(refused[1]).toBe('AR');
    expect(client.acks[0]).toMatch(/ERR\|\|\|207\^Application internal error\^HL70357\|E\|WL_INGEST_PEER_NOT_ALLOWED/);
    const db = (await import('../db.js')).openGatewayDatabase(gw.config);
    db.registry.setAllowedPeers('mon-2', ['10.9.9.9', '127.0.0.1']);
    db.close();
    expect((await client.request(message('P2', 'mon-2')))[1]).toBe('AA');
    client.socket.destroy();
  });

  it('caps the connections from one address', async () => {
    const open = await Promise.all([1, 2, 3, 4].map(() => MllpClient.open(daemon.ports.hl7)));
    const fifth = connect(daemon.ports.hl7, '127.0.0.1');
    expect(await closedWithin(fifth)).toBeLessThan(500);
    expect(daemon.rejects.countsByCode().WL_INGEST_TOO_MANY_CONNECTIONS).toBe(1);
    for (const c of open) c.socket.destroy();
  });

  it('takes MLLP over TLS, with the gateway\'s certificate', async () => {
    const socket = tlsConnect({ port: daemon.ports.hl7Tls!, host: '127.0.0.1', servername: 'localhost', ca: certPem });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', () => resolve()).once('error', reject));
    const client = new MllpClient(socket as unknown as Socket);
    expect((await client.request(message('T1')))[1]).toBe('AA');
    expect(msa(client.acks[0]!)[2]).toBe('T1');
    socket.destroy();
  });
});
