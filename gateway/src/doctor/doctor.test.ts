/**
 * `wardlink-gateway doctor` on real test gateways: a real daemon, real ports, a real
 * database, real pseudo-terminals (socat). The cloud checks are in doctor-cloud.test.ts.
 */
import { createServer, type Server } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createWard, toMqttMessage } from '@wardlink/simulator';
import type { GatewayDaemon } from '../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../testing/fixture.js';
import { hasSocat, startPtyPair, type PtyPair } from '../testing/socat.js';
import { ESTIMATE_READINGS_PER_S_PER_DEVICE } from './check-disk.js';
import { freePort, runDoctorCli } from './testing/run-doctor.js';

let gw: TestGateway | undefined;
let daemon: GatewayDaemon | undefined;
let squatter: Server | undefined;
let pty: PtyPair | undefined;

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  await pty?.stop();
  pty = undefined;
  await new Promise((r) => (squatter ? squatter.close(r) : r(null)));
  squatter = undefined;
  gw?.cleanup();
  gw = undefined;
});

async function fixedPorts(): Promise<Record<string, unknown>> {
  return {
    http: { host: '127.0.0.1', port: await freePort() },
    mqtt: { host: '127.0.0.1', port: await freePort() },
    hl7: { host: '127.0.0.1', port: await freePort() },
  };
}

/** This box's clock tooling is the environment's: a FAIL there is not the gateway's. */
const exitFor = (run: { report: { checks: { code: string; status: string }[] } }) => (run.report.checks.some((c) => c.status === 'FAIL') ? 1 : 0);

describe('wardlink-gateway doctor', () => {
  it('says OK for a valid config with the daemon running and its device sending', async () => {
    const ward = createWard({ beds: 1, seed: 3, startMs: Date.now() - 30_000, artifacts: false, episodes: false });
    const bed = ward.beds[0]!;
    gw = await createTestGateway({
      beds: [bed.bedId],
      patients: { [bed.bedId]: bed.patientId },
      devices: [{ deviceId: bed.deviceId, kind: 'mqtt', bedId: bed.bedId, format: 'mqtt-json' }],
      raw: await fixedPorts(),
    });
    daemon = await startDaemon(gw);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, { username: bed.deviceId, password: gw.passwords.get(bed.deviceId)!, clientId: bed.deviceId, reconnectPeriod: 0 });
    for (const r of ward.recordsBetween(ward.startMs, ward.startMs + 5_000)) {
      const m = toMqttMessage(r);
      await client.publishAsync(m.topic, m.payload, { qos: 1 });
    }
    await client.endAsync();

    const run = await runDoctorCli(gw.configPath);
    for (const code of ['config', 'daemon', 'database', 'buffer.disk'] as const) expect(run.check(code).status, code).toBe('OK');
    for (const code of ['port.http', 'port.mqtt', 'port.hl7'] as const) {
      expect(run.check(code)).toMatchObject({ status: 'OK', detail: "in use by this gateway's running daemon", data: { heldByDaemon: true } });
    }
    expect(run.check('device.seen', bed.deviceId)).toMatchObject({ status: 'OK', remedy: null });
    // No cloud configured: standalone is a WARN, never a FAIL.
    expect(run.check('cloud.reach').status).toBe('WARN');
    // Only the box's own clock tooling may fail here (it is the environment's).
    expect(run.report.checks.filter((c) => c.status === 'FAIL' && c.code !== 'clock.sync')).toEqual([]);
    expect(run.code).toBe(exitFor(run));

    const human = await runDoctorCli(gw.configPath, { json: false });
    expect(human.stdout).toMatch(/^STATUS\s+CHECK\s+SUBJECT\s+DETAIL$/m);
    expect(human.stdout).toMatch(/^OK\s+port\.mqtt\s+127\.0\.0\.1:\d+\s+in use by this gateway's running daemon$/m);
    expect(human.stdout).toContain('what to do:');
  });

  it('FAILs a bad config naming the field, with the config exit code', async () => {
    gw = await createTestGateway();
    writeFileSync(gw.configPath, JSON.stringify({ gatewayId: 'gw-bad', mqtt: { port: 99999 } }));
    const run = await runDoctorCli(gw.configPath);
    expect(run.check('config')).toMatchObject({ status: 'FAIL', subject: 'mqtt.port', detail: expect.stringContaining('mqtt.port must be an integer between 0 and 65535') });
    expect(run.check('config').remedy).toContain('fix mqtt.port');
    expect(run.report.status).toBe('FAIL');
    expect(run.code).toBe(78);
    expect(JSON.parse(run.stderr)).toMatchObject({ error: { code: 'WL_CONFIG_INVALID' } });
  });

  it('FAILs a port taken by another listener, and says the daemon is not running', async () => {
    const ports = await fixedPorts();
    squatter = createServer();
    await new Promise<void>((r) => squatter!.listen((ports.hl7 as { port: number }).port, '127.0.0.1', r));
    gw = await createTestGateway({ beds: ['bed-01'], devices: [{ deviceId: 'mon-1', kind: 'mqtt', bedId: 'bed-01', format: 'mqtt-json' }], raw: ports });
    const run = await runDoctorCli(gw.configPath);
    expect(run.check('port.hl7')).toMatchObject({ status: 'FAIL', detail: 'in use by another program', remedy: expect.stringContaining('change hl7.port') });
    expect(run.check('port.http').status).toBe('OK');
    expect(run.check('daemon').status).toBe('WARN');
    expect(run.check('device.seen')).toMatchObject({ status: 'WARN', detail: expect.stringContaining('the daemon is not running') });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stderr)).toMatchObject({ error: { code: 'WL_DOCTOR_FAILED', detail: { failed: expect.arrayContaining(['port.hl7 127.0.0.1:' + String((ports.hl7 as { port: number }).port)]) } } });
  });

  it('checks each serial port: missing is a FAIL, a real pseudo-terminal is OK; disk days are an estimate without the daemon', async () => {
    gw = await createTestGateway({ beds: ['bed-01', 'bed-02'], raw: await fixedPorts() });
    const devices = [{ deviceId: 'mon-gone', kind: 'serial' as const, bedId: 'bed-01', format: 'ascii-ts', portPath: join(gw.dir, 'ttyUSB9'), baudRate: 9600 }];
    if (hasSocat) {
      pty = await startPtyPair(gw.dir, 'doc');
      devices.push({ deviceId: 'mon-pty', kind: 'serial', bedId: 'bed-02', format: 'ascii-ts', portPath: pty.devicePath, baudRate: 9600 });
    } else console.log('socat is missing: the pseudo-terminal OK case of the serial check is skipped');
    const { openGatewayDatabase } = await import('../db.js');
    const db = openGatewayDatabase(gw.config);
    for (const d of devices) db.registry.addDevice(d);
    db.close();

    const run = await runDoctorCli(gw.configPath);
    expect(run.check('serial.port', 'mon-gone')).toMatchObject({ status: 'FAIL', detail: expect.stringContaining('does not exist'), remedy: expect.stringContaining('plug the serial adapter in') });
    if (hasSocat) expect(run.check('serial.port', 'mon-pty')).toMatchObject({ status: 'OK', detail: expect.stringContaining('readable and writable') });
    const disk = run.check('buffer.disk');
    expect(disk.detail).toContain('ESTIMATED');
    expect(disk.data).toMatchObject({ rateEstimated: true, ingestReadingsPerS: devices.length * ESTIMATE_READINGS_PER_S_PER_DEVICE });
    expect(run.code).toBe(1);
  });
});
