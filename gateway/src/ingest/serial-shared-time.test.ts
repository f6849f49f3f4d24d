/**
 * Serial monitors over real pseudo-terminals (socat) whose lines share a time: a clockless
 * ASCII monitor whose lines the gateway reads in one chunk, and a Radical-7 stamping whole
 * seconds that sends two lines in one second. Every line is stored, at a time of its own,
 * and a clock that runs raises no device-clock alarm (ingest/device-clock.ts).
 */
import Database from 'better-sqlite3';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayDaemon } from '../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../testing/fixture.js';
import { startPtyPair, type PtyPair } from '../testing/socat.js';

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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}
interface Row {
  metric: string;
  value: number;
  flags: number;
  device_time_ms: number;
  received_at_ms: number;
  device_clock_ms: number | null;
  patient_id: string;
}
function rowsOf(device: string): Row[] {
  const db = new Database(gw!.config.databasePath, { readonly: true });
  try {
    return db.prepare('SELECT metric, value, flags, device_time_ms, received_at_ms, device_clock_ms, patient_id FROM readings WHERE device_id = ? ORDER BY id').all(device) as Row[];
  } finally {
    db.close();
  }
}
function clockAlarmEvents(): { phase: string; message: string }[] {
  const db = new Database(gw!.config.databasePath, { readonly: true });
  try {
    return db.prepare("SELECT phase, message FROM alarm_events WHERE condition = 'device-clock' ORDER BY id").all() as { phase: string; message: string }[];
  } finally {
    db.close();
  }
}
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
  const port = new SerialPort({ path: pty.monitorPath, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  monitors.push(port);
  return port;
}
const p2 = (n: number) => String(n).padStart(2, '0');
function masimoTime(ms: number): string {
  const d = new Date(ms);
  return `${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())}/${p2(d.getUTCFullYear() % 100)} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

describe('serial monitors whose lines share a time', () => {
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
      await sleep(120);
    }
    await until(() => rowsOf('ser-1').filter((r) => r.metric === 'SPO2').length >= 8);
    const spo2 = rowsOf('ser-1').filter((r) => r.metric === 'SPO2');
    expect(spo2.map((r) => r.value)).toEqual([90, 91, 92, 93, 94, 95, 96, 97]);
    expect(spo2.every((r) => r.flags === 0)).toBe(true);
    expect(clockAlarmEvents()).toEqual([]);
  }, 30_000);
});
