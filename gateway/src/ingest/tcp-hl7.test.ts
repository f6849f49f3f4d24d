import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWard, mllpFrame, toHl7Message } from '@wardlink/simulator';
import type { GatewayDaemon } from '../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../testing/fixture.js';
import { MllpClient, msa } from './testing/mllp-client.js';

let gw: TestGateway;
let daemon: GatewayDaemon;

beforeEach(async () => {
  gw = await createTestGateway({
    beds: ['bed-01', 'bed-02'],
    devices: [
      { deviceId: 'mon-bed-01', kind: 'tcp-hl7', bedId: 'bed-01', format: 'hl7-mllp', matchId: 'mon-bed-01' },
      { deviceId: 'mon-bed-02', kind: 'tcp-hl7', bedId: 'bed-02', format: 'hl7-mllp', matchId: 'mon-bed-02' },
    ],
    // The monitors' PID-3 admits their patients (see record-patient.ts for the other sources).
    raw: { admissions: { source: 'device' } },
  });
  daemon = await startDaemon(gw);
});
afterEach(async () => {
  await daemon.stop();
  gw.cleanup();
});

function count(sql: string): number {
  const db = new Database(gw.config.databasePath, { readonly: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('HL7 over TCP (MLLP)', () => {
  it('stores PCD-01 messages from several monitors on one connection and ACKs each after commit, in order', async () => {
    const ward = createWard({ beds: 2, seed: 7, startMs: Date.now() - 120_000, artifacts: false, episodes: false });
    const records = [...ward.recordsBetween(ward.startMs, ward.startMs + 30_000)];
    const client = await MllpClient.open(daemon.ports.hl7);
    const expected = records.reduce((n, r) => n + Object.keys(r.values).length, 0);
    // Split the whole stream at odd boundaries, as a TCP peer may.
    const stream = Buffer.concat(records.map((r, i) => mllpFrame(toHl7Message(r, { controlId: `C${i}`, segmentSeparator: i % 2 ? '\n' : '\r' }))));
    for (let i = 0; i < stream.length; i += 777) client.socket.write(stream.subarray(i, i + 777));
    const acks = await client.waitForAcks(records.length);
    expect(acks.map((a) => msa(a)[1])).toEqual(records.map(() => 'AA'));
    expect(acks.map((a) => msa(a)[2])).toEqual(records.map((_, i) => `C${i}`));
    expect(count('SELECT count(*) AS n FROM readings')).toBe(expected);
    // PID-3 admitted each bed's patient (admissions.source device), persisted and audited.
    expect(count("SELECT count(*) AS n FROM readings WHERE patient_id IS NOT NULL AND bed_id = 'bed-02'")).toBeGreaterThan(0);
    expect(count("SELECT count(*) AS n FROM admission_events WHERE source = 'device' AND action = 'admit'")).toBe(2);
    client.socket.destroy();
  });

  it('answers AR for an unknown device and AE for a malformed message, storing nothing', async () => {
    const ward = createWard({ beds: 3, seed: 7, startMs: Date.now() - 60_000, artifacts: false, episodes: false });
    const stranger = [...ward.recordsBetween(ward.startMs, ward.startMs + 3000)].find((r) => r.bedId === 'bed-03')!;
    const client = await MllpClient.open(daemon.ports.hl7);
    client.socket.write(mllpFrame(toHl7Message(stranger, { controlId: 'X1' })));
    client.socket.write(mllpFrame('MSH|^~\\&|MON|HOSP|||20261129083015||ORU^R01|X2|P|2.6\rPID|||P1\rOBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||ninety|262688^MDC_DIM_PERCENT^MDC|||||R|||20261129083015|||mon-bed-01'));
    client.socket.write(mllpFrame('this is not hl7 at all'));
    const acks = await client.waitForAcks(3);
    expect(msa(acks[0]!).slice(1, 3)).toEqual(['AR', 'X1']);
    expect(acks[0]).toContain('WL_INGEST_UNKNOWN_DEVICE');
    expect(msa(acks[2]!)[1]).toBe('AE');
    expect(count('SELECT count(*) AS n FROM readings')).toBe(0);
    client.socket.destroy();
  });

  it('does not ACK before the commit: a held write lock delays the AA', async () => {
    const ward = createWard({ beds: 1, seed: 3, startMs: Date.now() - 60_000, artifacts: false, episodes: false });
    const record = [...ward.recordsBetween(ward.startMs, ward.startMs + 1000)][0]!;
    const blocker = new Database(gw.config.databasePath);
    blocker.exec('BEGIN IMMEDIATE');
    const client = await MllpClient.open(daemon.ports.hl7);
    client.socket.write(mllpFrame(toHl7Message(record, { controlId: 'L1' })));
    await new Promise((r) => setTimeout(r, 500));
    expect(client.acks).toEqual([]);
    blocker.exec('COMMIT');
    blocker.close();
    const acks = await client.waitForAcks(1);
    expect(msa(acks[0]!).slice(1, 3)).toEqual(['AA', 'L1']);
    expect(count('SELECT count(*) AS n FROM readings')).toBe(Object.keys(record.values).length);
    client.socket.destroy();
  });

  it('drops a connection that streams past the size limit without a frame end', async () => {
    const client = await MllpClient.open(daemon.ports.hl7);
    const closed = new Promise<void>((resolve) => client.socket.once('close', () => resolve()));
    client.socket.on('error', () => undefined);
    const junk = Buffer.alloc(64 * 1024, 0x41);
    for (let i = 0; i < 6; i++) client.socket.write(junk);
    await closed;
    const text = await daemon.metrics.text();
    expect(text).toMatch(/wardlink_gateway_rejects_total\{device="unknown",code="WL_INGEST_PAYLOAD_TOO_LARGE"\} 1/);
  });
});
