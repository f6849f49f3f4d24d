import Database from 'better-sqlite3';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { createWard, mllpFrame, toAsciiLine, toHl7Message } from '@wardlink/simulator';
import type { GatewayDaemon } from '../daemon.js';
import { createTestGateway, readingRows, startDaemon, type TestGateway } from '../testing/fixture.js';
import { hasSocat, startPtyPair, type PtyPair } from '../testing/socat.js';

let gw: TestGateway | undefined;
let daemon: GatewayDaemon | undefined;
const pairs: PtyPair[] = [];
const monitors: SerialPort[] = [];

afterEach(async () => {
  for (const m of monitors.splice(0)) if (m.isOpen) await new Promise((r) => m.close(r));
  await daemon?.stop();
  for (const p of pairs.splice(0)) await p.stop();
  gw?.cleanup();
});

async function openMonitor(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  monitors.push(port);
  return port;
}

async function until(check: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function countReadings(device: string): number {
  const db = new Database(gw!.config.databasePath, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM readings WHERE device_id = ?').get(device) as { n: number }).n;
  } finally {
    db.close();
  }
}

const state = (id: string) => daemon!.deviceStates.snapshot().find((d) => d.deviceId === id)?.state;

describe.skipIf(!hasSocat)('serial ingest over real pseudo-terminals', () => {
  it('reads ASCII and HL7 monitors, ACKs HL7 on the port, and reconnects after an unplug', async () => {
    gw = await createTestGateway({ beds: ['bed-01', 'bed-02'] });
    const ascii = await startPtyPair(gw.dir, 'ascii');
    const hl7 = await startPtyPair(gw.dir, 'hl7');
    pairs.push(ascii, hl7);
    const { openGatewayDatabase } = await import('../db.js');
    const db = openGatewayDatabase(gw.config);
    db.registry.addDevice({ deviceId: 'spo2-1', kind: 'serial', bedId: 'bed-01', format: 'ascii-ts', portPath: ascii.devicePath, baudRate: 9600 });
    db.registry.addDevice({ deviceId: 'mon-bed-02', kind: 'serial', bedId: 'bed-02', format: 'hl7-mllp', portPath: hl7.devicePath, baudRate: 115200 });
    db.close();
    daemon = await startDaemon(gw);
    // Opening a port flushes what waits in it (serialport's tcflush): write only once open.
    const portOpen = (id: string) => daemon!.deviceStates.snapshot().find((d) => d.deviceId === id)?.portOpen === true;
    await until(() => portOpen('spo2-1') && portOpen('mon-bed-02'));

    const ward = createWard({ beds: 2, seed: 11, startMs: Date.now() - 60_000, artifacts: false, episodes: false });
    const records = [...ward.recordsBetween(ward.startMs, ward.startMs + 10_000)];
    // ascii-ts lines carry whole seconds, and the simulator's records are jittered: two of
    // them in one second are one reading to the gateway (same device, metric and time; ~8% of
    // start times gave such a pair). One line per second, as a Radical-7 sends them.
    const firstSecondMs = Math.ceil(ward.startMs / 1000) * 1000;
    const bed1 = records.filter((r) => r.bedId === 'bed-01').map((r, i) => ({ ...r, deviceTimeMs: firstSecondMs + i * 1000 }));
    const bed2 = records.filter((r) => r.bedId === 'bed-02');

    const asciiMonitor = await openMonitor(ascii.monitorPath);
    for (const r of bed1) asciiMonitor.write(toAsciiLine({ ...r, deviceId: 'spo2-1' }, 'ascii-ts'));
    const expectedAscii = bed1.reduce((n, r) => n + ['SPO2', 'PR', 'PI'].filter((m) => m in r.values).length, 0);
    await until(() => countReadings('spo2-1') === expectedAscii);
    expect(state('spo2-1')).toBe('connected');

    const hl7Monitor = await openMonitor(hl7.monitorPath);
    let acks = '';
    hl7Monitor.on('data', (d: Buffer) => (acks += d.toString('latin1')));
    for (const [i, r] of bed2.entries()) hl7Monitor.write(mllpFrame(toHl7Message(r, { controlId: `S${i}` })));
    await until(() => (acks.match(/MSA\|AA\|S\d+/g) ?? []).length === bed2.length);
    expect(countReadings('mon-bed-02')).toBe(bed2.reduce((n, r) => n + Object.keys(r.values).length, 0));

    // Unplug: socat dies, the port goes away; the gateway marks it gone and keeps retrying.
    await ascii.stop();
    await until(() => state('spo2-1') === 'gone');
    const replug = await startPtyPair(gw.dir, 'ascii');
    pairs.push(replug);
    const before = countReadings('spo2-1');
    const again = await openMonitor(replug.monitorPath);
    // Keep writing until the gateway has reopened the port and reads again.
    const later = ward.startMs + 10_000;
    let t = later;
    await until(() => {
      again.write(toAsciiLine({ ...bed1[0]!, deviceId: 'spo2-1', deviceTimeMs: (t += 1000) }, 'ascii-ts'));
      return countReadings('spo2-1') > before;
    }, 15_000);
    expect(state('spo2-1')).toBe('connected');
  }, 40_000);

  it('starts with a missing port without failing, and picks the device up when the port appears', async () => {
    gw = await createTestGateway({ beds: ['bed-01'] });
    const { openGatewayDatabase } = await import('../db.js');
    const db = openGatewayDatabase(gw.config);
    db.registry.addDevice({ deviceId: 'late-1', kind: 'serial', bedId: 'bed-01', format: 'ascii-kv', portPath: `${gw.dir}/late-gw`, baudRate: 9600 });
    db.close();
    daemon = await startDaemon(gw);
    await until(() => state('late-1') === 'gone');
    const pair = await startPtyPair(gw.dir, 'late');
    pairs.push(pair);
    const monitor = await openMonitor(pair.monitorPath);
    await until(() => {
      monitor.write('SPO2=97 BPM=72 PI=3.10\r\n');
      return countReadings('late-1') > 0;
    }, 15_000);
  }, 30_000);

  it('opens the port of a serial device added while running, even when an MQTT connect picked the change up first', async () => {
    gw = await createTestGateway({ beds: ['bed-01'] });
    daemon = await startDaemon(gw);
    const pair = await startPtyPair(gw.dir, 'added');
    pairs.push(pair);
    const { openGatewayDatabase } = await import('../db.js');
    const cli = openGatewayDatabase(gw.config); // the CLI, on its own connection
    cli.registry.addDevice({ deviceId: 'added-1', kind: 'serial', bedId: 'bed-01', format: 'ascii-kv', portPath: pair.devicePath, baudRate: 9600 });
    cli.close();
    // What the MQTT broker's auth does on any device's connect: it sees the change first.
    expect(daemon.database.registry.refreshIfChanged()).toBe(true);
    const monitor = await openMonitor(pair.monitorPath);
    await until(() => {
      monitor.write('SPO2=97 BPM=72 PI=3.10\r\n');
      return countReadings('added-1') > 0;
    }, 15_000);
  }, 30_000);
});

interface Row {
  metric: string;
  value: number;
  flags: number;
  device_time_ms: number;
  received_at_ms: number;
  device_clock_ms: number | null;
  patient_id: string;
}

const rowsOf = (device: string) => readingRows<Row>(gw!, device, 'metric, value, flags, device_time_ms, received_at_ms, device_clock_ms, patient_id');

function clockAlarmEvents(): { phase: string; message: string }[] {
  const db = new Database(gw!.config.databasePath, { readonly: true });
  try {
    return db.prepare("SELECT phase, message FROM alarm_events WHERE condition = 'device-clock' ORDER BY id").all() as { phase: string; message: string }[];
  } finally {
    db.close();
  }
}

/** One serial device `ser-1` of `format` on bed-01, its port open on both ends. */
async function serialDevice(format: string): Promise<SerialPort> {
  gw = await createTestGateway({ beds: ['bed-01'], patients: { 'bed-01': 'P1' } });
  const pty = await startPtyPair(gw.dir, 'tty');
  pairs.push(pty);
  const { openGatewayDatabase } = await import('../db.js');
  const db = openGatewayDatabase(gw.config);
  db.registry.addDevice({ deviceId: 'ser-1', kind: 'serial', bedId: 'bed-01', format, portPath: pty.devicePath, baudRate: 9600 });
  db.close();
  daemon = await startDaemon(gw);
  await until(() => daemon!.deviceStates.snapshot().find((d) => d.deviceId === 'ser-1')?.portOpen === true);
  return openMonitor(pty.monitorPath);
}

const p2 = (n: number) => String(n).padStart(2, '0');
/** A Masimo Radical-7's line time: MM/DD/YY HH:MM:SS, whole seconds. */
function masimoTime(ms: number): string {
  const d = new Date(ms);
  return `${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())}/${p2(d.getUTCFullYear() % 100)} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

/**
 * Serial monitors whose lines share a time: a clockless ASCII monitor whose lines the
 * gateway reads in one chunk, and a Radical-7 stamping whole seconds that sends two lines in
 * one second. Every line is stored, at a time of its own, and a clock that runs raises no
 * device-clock alarm (ingest/device-clock.ts).
 */
describe.skipIf(!hasSocat)('serial monitors whose lines share a time', () => {
  it('a clockless monitor (ascii-kv) whose lines are read at once: each line at a time of its own (the cloud keys readings by time)', async () => {
    const port = await serialDevice('ascii-kv');
    port.write(Array.from({ length: 20 }, (_, i) => `SPO2=${80 + i} BPM=72 PI=3.10\r\n`).join(''));
    await until(() => rowsOf('ser-1').length >= 60);
    const rows = rowsOf('ser-1');
    expect(rows.filter((r) => r.metric === 'SPO2').map((r) => r.value)).toEqual(Array.from({ length: 20 }, (_, i) => 80 + i));
    const keys = rows.map((r) => `${r.patient_id}|${r.metric}|${r.device_time_ms}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of rows) expect(r.device_time_ms - r.received_at_ms).toBeLessThan(100);
  }, 30_000);

  it('a Radical-7 (ascii-ts, whole seconds) with two lines in one second: all kept, none suspect, no device-clock alarm', async () => {
    const port = await serialDevice('ascii-ts');
    const start = Math.floor(Date.now() / 1000) * 1000 - 2000;
    // Sample instants ~1 s apart with jitter; each line is stamped with the whole second it fell in.
    const instants = [0, 950, 1990, 2010, 3020, 3990, 5010, 6000];
    for (const [k, at] of instants.entries()) {
      port.write(`${masimoTime(start + at)} SN=0000012345 SPO2=0${90 + k}% BPM=072 PI=03.10% ALARM=0000 EXC=000000\r\n`);
      await new Promise((r) => setTimeout(r, 120));
    }
    await until(() => rowsOf('ser-1').filter((r) => r.metric === 'SPO2').length >= 8);
    const spo2 = rowsOf('ser-1').filter((r) => r.metric === 'SPO2');
    expect(spo2.map((r) => r.value)).toEqual([90, 91, 92, 93, 94, 95, 96, 97]);
    expect(spo2.every((r) => r.flags === 0)).toBe(true);
    expect(clockAlarmEvents()).toEqual([]);
  }, 30_000);
});
