/**
 * The vendor corpus (formats/testing/vendor-corpus.ts) on the real daemon: each message
 * over HL7/TCP and over a real serial pseudo-terminal. Every numeric value must be stored
 * with its metric, unit, time and patient, or refused with a code counted for the device;
 * every message is acknowledged AA after its commit.
 */
import Database from 'better-sqlite3';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QualityFlag } from '@wardlink/shared';
import type { GatewayDaemon } from '../daemon.js';
import { openGatewayDatabase } from '../db.js';
import { createTestGateway, startDaemon, type TestGateway } from '../testing/fixture.js';
import { hasSocat, startPtyPair, type PtyPair } from '../testing/socat.js';
import { mllpFrame } from './formats/hl7/mllp.js';
import { VENDOR_CORPUS, type CorpusEntry, type ExpectedReading } from './formats/testing/vendor-corpus.js';
import { MllpClient, msa } from './testing/mllp-client.js';

let gw: TestGateway;
let daemon: GatewayDaemon;
const pairs = new Map<string, PtyPair>();
if (!hasSocat) console.log('skipped: the vendor corpus over serial pseudo-terminals (socat is not installed; apt-get install socat)');

beforeAll(async () => {
  gw = await createTestGateway({ raw: { admissions: { source: 'device' } } });
  const db = openGatewayDatabase(gw.config);
  try {
    for (const e of VENDOR_CORPUS) {
      db.registry.addBed(`${e.name}-a`);
      db.registry.addDevice({ deviceId: `${e.name}-tcp`, kind: 'tcp-hl7', bedId: `${e.name}-a`, format: 'hl7-mllp', matchId: e.matchId, vendorMap: e.vendorMap ?? {}, utcOffsetMinutes: e.utcOffsetMinutes ?? 0 });
      if (!hasSocat) continue;
      const pair = await startPtyPair(gw.dir, e.name);
      pairs.set(e.name, pair);
      db.registry.addBed(`${e.name}-b`);
      db.registry.addDevice({ deviceId: `${e.name}-pty`, kind: 'serial', bedId: `${e.name}-b`, format: 'hl7-mllp', portPath: pair.devicePath, baudRate: 115200, vendorMap: e.vendorMap ?? {}, utcOffsetMinutes: e.utcOffsetMinutes ?? 0 });
    }
  } finally {
    db.close();
  }
  daemon = await startDaemon(gw);
}, 60_000);
afterAll(async () => {
  await daemon?.stop();
  for (const p of pairs.values()) await p.stop();
  gw?.cleanup();
});

interface Row {
  device_id: string;
  patient_id: string | null;
  metric: string;
  value: number;
  flags: number;
  unit: string | null;
  device_time_ms: number;
}

function stored(deviceId: string): Row[] {
  const db = new Database(gw.config.databasePath, { readonly: true });
  try {
    return db.prepare("SELECT device_id, patient_id, metric, value, flags, unit, device_time_ms FROM readings WHERE device_id = ? OR device_id LIKE ? ORDER BY id").all(deviceId, `${deviceId}~%`) as Row[];
  } finally {
    db.close();
  }
}

const shape = (deviceId: string, r: Row) => ({
  metric: r.metric,
  value: r.value,
  ...(r.unit === null ? {} : { unit: r.unit }),
  ...(r.device_id === deviceId ? {} : { instance: r.device_id.slice(deviceId.length + 1) }),
  time: r.device_time_ms,
  flags: r.flags,
  patient: r.patient_id,
});
const expected = (e: CorpusEntry, t: number, x: ExpectedReading) => ({
  metric: x.metric,
  value: x.value,
  ...(x.unit === undefined ? {} : { unit: x.unit }),
  ...(x.instance === undefined ? {} : { instance: x.instance }),
  time: t - (x.earlierMs ?? 0),
  flags: x.flags ?? 0,
  patient: e.patient,
});
const sortKey = (x: { metric: string; value: number; instance?: string }) => `${x.metric}|${x.instance ?? ''}|${x.value}`;
const sorted = <T extends { metric: string; value: number; instance?: string }>(xs: T[]) => [...xs].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));

function check(e: CorpusEntry, deviceId: string, t: number): void {
  const rows = stored(deviceId);
  expect(rows.every((r) => (r.flags & QualityFlag.CLOCK_SUSPECT) === 0), `${e.name}: times trusted`).toBe(true);
  expect(sorted(rows.map((r) => shape(deviceId, r))), `${e.name} via ${deviceId}`).toEqual(sorted(e.stored.map((x) => expected(e, t, x))));
  const refused = daemon.rejects.refusedValues(10_000).filter((r) => r.deviceId === deviceId).map((r) => [r.code, r.term, r.count]);
  expect(refused.sort(), `${e.name}: refused and counted`).toEqual(e.refused.map(([code, term]) => [code, term, 1]).sort());
}

const now = () => Math.floor(Date.now() / 1000) * 1000 - 2000;

describe('real monitors\' messages, over HL7/TCP', () => {
  for (const e of VENDOR_CORPUS) {
    it(`${e.name}: every value stored or refused with a counted code`, async () => {
      const t = now();
      const client = await MllpClient.open(daemon.ports.hl7);
      const answer = await client.request(e.message(t));
      client.socket.destroy();
      expect(answer[1], client.acks.at(-1)).toBe('AA');
      check(e, `${e.name}-tcp`, t);
    });
  }
});

describe.skipIf(!hasSocat)("real monitors' messages, over a serial pseudo-terminal", () => {
  for (const e of VENDOR_CORPUS) {
    it(`${e.name}: every value stored or refused with a counted code`, async () => {
      const t = now();
      const port = new SerialPort({ path: pairs.get(e.name)!.monitorPath, baudRate: 115200, autoOpen: false });
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
      let received = '';
      port.on('data', (d: Buffer) => (received += d.toString('latin1')));
      // The gateway opens its end of the port on its own schedule: resend until the ACK,
      // waiting longer than the group commit's longest wait (buffer.maxCommitDelayMs, 250 ms)
      // so that a message is not sent twice only because its ACK follows the commit.
      const deadline = Date.now() + 10_000;
      while (!received.includes('\x1c')) {
        if (Date.now() > deadline) throw new Error(`no ACK on the serial port for ${e.name}`);
        if (received === '') port.write(mllpFrame(e.message(t)));
        await new Promise((r) => setTimeout(r, 600));
      }
      await new Promise((r) => port.close(r));
      const ack = received.slice(received.indexOf('\x0b') + 1, received.indexOf('\x1c'));
      expect(msa(ack)[1], ack).toBe('AA');
      check(e, `${e.name}-pty`, t);
    });
  }
});
