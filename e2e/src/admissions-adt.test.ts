/**
 * One source of truth for who is in which bed: the hospital's ADT feed (HL7 over MLLP from
 * the interface engine), on the real daemon and the real cloud. An admit, a restart, a
 * transfer to another bed and a discharge: every monitor reading lands in PostgreSQL under
 * the patient the ADT feed had in that bed at that moment. A monitor naming someone else
 * (PID-3) changes nothing and raises patient-mismatch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QualityFlag } from '@wardlink/shared';
import { registerGateway, startTestService, useTestDatabase, type TestService } from '@wardlink/cloud/testing';
import type { GatewayDaemon } from '@wardlink/gateway';
import { createTestGateway, formatHl7Time, MllpClient, startDaemon, type TestGateway } from '@wardlink/gateway/testing';

const GW = 'gw-adt';
const db = useTestDatabase();
let cloud: TestService;
let gw: TestGateway;
let daemon: GatewayDaemon;

beforeAll(async () => {
  cloud = await startTestService(db.connectionString);
  const token = await registerGateway(db.pool, GW, 'h-adt');
  gw = await createTestGateway({
    beds: ['bed-01', 'bed-02'],
    devices: [
      { deviceId: 'mon-1', kind: 'tcp-hl7', bedId: 'bed-01', format: 'hl7-mllp', matchId: 'MON-1' },
      { deviceId: 'mon-2', kind: 'tcp-hl7', bedId: 'bed-02', format: 'hl7-mllp', matchId: 'MON-2' },
    ],
    raw: {
      gatewayId: GW,
      cloud: { url: cloud.url, token, maxBatchAgeMs: 100 },
      admissions: { source: 'adt', adt: { senders: ['IE'], pointOfCare: 'ICU3A', beds: { '12^A': 'bed-01' } } },
    },
  });
  daemon = await startDaemon(gw);
});
afterAll(async () => {
  await daemon?.stop();
  gw?.cleanup();
  await cloud?.service.stop();
});

let seq = 0;
function adt(trigger: string, patient: string, location: string, prior = '', sender = 'IE'): string {
  seq += 1;
  return [
    `MSH|^~\\&|${sender}|HOSP|WARDLINK|ICU3A|${formatHl7Time(Date.now())}||ADT^${trigger}^ADT_A01|ADT${seq}|P|2.5`,
    `EVN|${trigger}|${formatHl7Time(Date.now())}`,
    `PID|1||${patient}^^^HOSP^MR||DOE^JANE||19700101|F`,
    `PV1|1|I|${location}|||${prior}`,
  ].join('\r');
}

function oru(device: string, timeMs: number, spo2: number, pid = ''): string {
  seq += 1;
  return [
    `MSH|^~\\&|${device}|WARD||WARDLINK|${formatHl7Time(timeMs)}||ORU^R01^ORU_R01|M${seq}|P|2.6`,
    `PID|||${pid}`,
    `OBR|1|||182777000^monitoring of patient^SCT|||${formatHl7Time(timeMs)}`,
    `OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.150456|${spo2}|262688^MDC_DIM_PERCENT^MDC|||||R`,
  ].join('\r');
}

async function cloudRows(): Promise<{ device_id: string; t: number; patient_id: string; flags: number }[]> {
  const res = await db.pool.query<{ device_id: string; t: Date; patient_id: string; flags: number }>(
    'SELECT device_id, t, patient_id, flags FROM vital_data WHERE gateway_id = $1 ORDER BY t, device_id',
    [GW],
  );
  return res.rows.map((r) => ({ device_id: r.device_id, t: r.t.getTime(), patient_id: r.patient_id, flags: r.flags }));
}

async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('admissions from the hospital ADT feed', () => {
  it('admit, restart, transfer, discharge: each reading in PostgreSQL carries the patient of its moment', async () => {
    let engine = await MllpClient.open(daemon.ports.hl7);
    let monitors = await MllpClient.open(daemon.ports.hl7);
    const t0 = Math.floor(Date.now() / 1000) * 1000;

    // A01 into ICU3A room 12 bed A, which the config maps to bed-01.
    expect(await engine.request(adt('A01', 'P100', 'ICU3A^12^A'))).toEqual(expect.arrayContaining(['MSA', 'AA']));
    expect(daemon.database.registry.patientOf('bed-01')).toBe('P100');
    expect((await monitors.request(oru('MON-1', t0, 97)))[1]).toBe('AA');

    // The gateway restarts: the admission is on disk, not only in memory.
    engine.socket.destroy();
    monitors.socket.destroy();
    await daemon.stop();
    daemon = await startDaemon(gw);
    engine = await MllpClient.open(daemon.ports.hl7);
    monitors = await MllpClient.open(daemon.ports.hl7);
    expect(daemon.database.registry.patientOf('bed-01')).toBe('P100');

    // A02 to bed-02 (the bed id as PV1-3.3): bed-01 is empty from now on.
    expect((await engine.request(adt('A02', 'P100', 'ICU3A^14^bed-02', 'ICU3A^12^A')))[1]).toBe('AA');
    expect([daemon.database.registry.patientOf('bed-01'), daemon.database.registry.patientOf('bed-02')]).toEqual([null, 'P100']);
    expect((await monitors.request(oru('MON-2', t0 + 1000, 96)))[1]).toBe('AA');
    expect((await monitors.request(oru('MON-1', t0 + 1000, 95)))[1]).toBe('AA');

    // A03 discharge; another unit's A01 changes nothing here (acknowledged, not retried).
    expect((await engine.request(adt('A03', 'P100', 'ICU3A^14^bed-02')))[1]).toBe('AA');
    expect((await engine.request(adt('A01', 'P200', 'CARDIO^1^1')))[1]).toBe('AA');
    expect((await monitors.request(oru('MON-2', t0 + 2000, 94)))[1]).toBe('AA');
    expect(daemon.database.registry.admissions.openAdmissions()).toEqual([]);

    await until('the readings in PostgreSQL', async () => (await cloudRows()).length === 4);
    expect(await cloudRows()).toEqual([
      { device_id: 'mon-1', t: t0, patient_id: 'P100', flags: 0 },
      { device_id: 'mon-1', t: t0 + 1000, patient_id: '', flags: 0 },
      { device_id: 'mon-2', t: t0 + 1000, patient_id: 'P100', flags: 0 },
      { device_id: 'mon-2', t: t0 + 2000, patient_id: '', flags: 0 },
    ]);
    const history = daemon.database.registry.admissions.history({ patientId: 'P100' });
    expect(history.map((e) => [e.bedId, e.action, e.source]).reverse()).toEqual([
      ['bed-01', 'admit', 'adt'],
      ['bed-01', 'transfer-out', 'adt'],
      ['bed-02', 'transfer-in', 'adt'],
      ['bed-02', 'discharge', 'adt'],
    ]);
    expect(history.every((e) => /^ADT\d+\^A0[123]$/.test(e.reference ?? ''))).toBe(true);
    engine.socket.destroy();
    monitors.socket.destroy();
  });

  it('refuses ADT from a sender that is not the interface engine, and a bed it does not know', async () => {
    const anyone = await MllpClient.open(daemon.ports.hl7);
    const refused = await anyone.request(adt('A01', 'P666', 'ICU3A^12^A', '', 'LAPTOP'));
    expect(refused[1]).toBe('AR');
    expect(anyone.acks.at(-1)).toMatch(/ERR\|.*WL_ADT_SENDER_NOT_ALLOWED/);
    expect(daemon.database.registry.patientOf('bed-01')).toBeNull();
    const unknown = await anyone.request(adt('A01', 'P300', 'ICU3A^99^Z'));
    expect(unknown[1]).toBe('AE');
    expect(anyone.acks.at(-1)).toMatch(/WL_ADT_UNKNOWN_BED/);
    anyone.socket.destroy();
  });

  it('keeps a monitor\'s readings under the admitted patient when it names another, flagged, with a patient-mismatch alarm', async () => {
    const engine = await MllpClient.open(daemon.ports.hl7);
    expect((await engine.request(adt('A01', 'P400', 'ICU3A^12^A')))[1], engine.acks.at(-1)).toBe('AA');
    const monitor = await MllpClient.open(daemon.ports.hl7);
    const t = Date.now() + 10_000; // seconds apart from the readings of the tests before (HL7 times are to the second)
    const first = await monitor.request(oru('MON-1', t, 97, 'P999'));
    expect(first[1], monitor.acks.at(-1)).toBe('AA');
    expect(daemon.database.registry.patientOf('bed-01')).toBe('P400');
    const alarm = daemon.alarms.engine.activeAlarms().find((a) => a.condition === 'patient-mismatch');
    expect(alarm).toMatchObject({ bedId: 'bed-01', deviceId: 'mon-1', patientId: 'P400', priority: 'medium' });
    expect(alarm!.message).toContain('names patient P999, but P400 is admitted');
    const stored = daemon.database.db.prepare("SELECT patient_id, flags FROM readings WHERE device_id = 'mon-1' ORDER BY id DESC LIMIT 1").get() as { patient_id: string; flags: number };
    expect(stored).toEqual({ patient_id: 'P400', flags: QualityFlag.PATIENT_MISMATCH });
    // The monitor agrees again: the alarm ends.
    expect((await monitor.request(oru('MON-1', t + 1000, 97, 'P400')))[1]).toBe('AA');
    expect(daemon.alarms.engine.activeAlarms().some((a) => a.condition === 'patient-mismatch' && a.conditionPresent)).toBe(false);
    engine.socket.destroy();
    monitor.socket.destroy();
  });
});
