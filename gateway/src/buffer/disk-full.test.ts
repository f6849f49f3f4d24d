/**
 * The disk fills before the byte cap: the daemon on a small real filesystem (a 48 MiB
 * tmpfs, 32 MiB of it taken by other files, with the default buffer.maxBytes of 2 GiB),
 * under a flood of MQTT readings.
 *  - The effective cap follows the disk: eviction keeps the buffer under it and the disk
 *    never fills, so no commit fails for lack of space.
 *  - When something else eats the disk down into the space kept for alarm events:
 *    readings are refused (no PUBACK), one buffer-disk-full alarm (for IT and the nurse,
 *    stored in that space) instead of a wall of comm-loss, /healthz fails. Freed: all back.
 * And, at the writer: a commit that fails with SQLITE_FULL puts the same state on.
 */
import { closeSync, openSync, rmSync, statfsSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BufferError, Reading } from '@wardlink/shared';
import type { GatewayDaemon } from '../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../testing/fixture.js';
import { mountTmpfs, type Tmpfs } from '../testing/tmpfs.js';
import { DiskFullWatch } from './disk-full.js';
import { openBufferStore } from './store.js';
import { tempDir } from './testing/fixtures.js';
import { BufferWriter } from './writer.js';

const MIB = 1024 * 1024;
const fs = mountTmpfs(48);
const unavailable = 'unavailable' in fs ? fs.unavailable : null;
if (unavailable) console.log(`skipped: the full-disk test on a real tmpfs: ${unavailable}`);

const DEVICES = ['mon-1', 'mon-2', 'mon-3', 'mon-4'];
let gw: TestGateway;
let daemon: GatewayDaemon;

describe.skipIf(unavailable !== null)('a gateway whose disk is smaller than its byte cap', () => {
  const tmpfs = fs as Tmpfs;
  beforeAll(async () => {
    // Other files already take most of the disk (the OS, logs): about 16 MiB are left.
    writeFileSync(join(tmpfs.dir, 'other-files'), Buffer.alloc(32 * MIB, 0x62));
    gw = await createTestGateway({
      parentDir: tmpfs.dir,
      beds: DEVICES.map((_, i) => `bed-0${i + 1}`),
      patients: Object.fromEntries(DEVICES.map((_, i) => [`bed-0${i + 1}`, `P${i + 1}`])),
      devices: DEVICES.map((id, i) => ({ deviceId: id, kind: 'mqtt' as const, bedId: `bed-0${i + 1}`, format: 'mqtt-json' })),
      raw: { buffer: { checkpointIntervalMs: 500, diskReserveBytes: MIB } },
    });
    daemon = await startDaemon(gw);
  });
  afterAll(async () => {
    await daemon?.stop();
    tmpfs.unmount();
  });

  const available = () => Number(statfsSync(tmpfs.dir).bavail) * Number(statfsSync(tmpfs.dir).bsize);
  const connect = (id: string) => mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, { username: id, password: gw.passwords.get(id)!, reconnectPeriod: 0 });
  // A rich record: the catalog vitals and twelve uncatalogued terms (an ICU monitor's ST
  // segments, PAP...), so the disk fills in seconds.
  const extra = Object.fromEntries(Array.from({ length: 12 }, (_, k) => [String(150100 + k), k]));
  const record = (t: number, i: number) => JSON.stringify({ ts: t, readings: { HR: 60 + (i % 40), PR: 61, SPO2: 90 + (i % 9), PI: 3.1, RR: 14 + (i % 6), TEMP: 36.6, ETCO2: 35, ABP_MEAN: 80 + (i % 20), ...extra } });
  const healthz = async () => {
    const res = await fetch(`http://127.0.0.1:${daemon.ports.http}/healthz`);
    return { status: res.status, body: (await res.json()) as { checks: { disk: string } } };
  };

  it('keeps the buffer under what the disk can hold: eviction, never a full disk', { timeout: 60_000 }, async () => {
    const usage = daemon.cap.bufferUsage();
    expect(usage.configuredMaxBytes).toBe(2 * 1024 * MIB);
    expect(usage.maxBytes).toBeLessThan(16 * MIB);
    const start = Date.now() - 60_000;
    let sent = 0;
    await Promise.all(
      DEVICES.map(async (id, d) => {
        const client = await connect(id);
        const lane = async (k: number) => {
          for (let i = k; daemon.cap.counters().unsentReadings === 0 && i < 400_000; i += 8) {
            await client.publishAsync(`wardlink/devices/${id}/readings`, record(start + i * 10 + d, i), { qos: 1 });
            sent += 1;
          }
        };
        await Promise.all(Array.from({ length: 8 }, (_, k) => lane(k)));
        await client.endAsync();
      }),
    );
    expect(daemon.cap.counters().unsentReadings).toBeGreaterThan(0); // the cap (the disk's) was reached, and held
    expect(daemon.rejects.countsByCode().WL_BUFFER_FULL ?? 0).toBe(0); // no commit ever failed for space
    expect(available()).toBeGreaterThan(daemon.cap.alarmReserveBytes);
    await until('the buffer-95 alarm (on the effective cap)', () => daemon.alarms.engine.activeAlarms().some((a) => a.condition === 'buffer-95'), 5000);
    console.log(`disk smaller than the cap: ${sent} messages, effective cap ${(daemon.cap.bufferUsage().maxBytes / MIB).toFixed(1)} MiB of a 48 MiB disk (16 MiB free), ${daemon.cap.counters().unsentReadings} unsent readings evicted, ${(available() / MIB).toFixed(1)} MiB left`);
  });

  it('refuses readings, alarms once for IT and the nurse, and fails /healthz when something else fills the disk', async () => {
    const whileFull = async () => {
      const client = await connect('mon-1');
      // No PUBACK: the device keeps the record and resends it later.
      const refused = await Promise.race([client.publishAsync('wardlink/devices/mon-1/readings', record(Date.now(), 1), { qos: 1 }).then(() => 'acked', () => 'refused'), sleep(3000).then(() => 'no answer')]);
      expect(refused).not.toBe('acked');
      await healthz(); // (the first HTTP request on a nearly full disk must work too)
      const alarm = daemon.alarms.engine.activeAlarms().find((a) => a.condition === 'buffer-disk-full');
      expect(alarm).toMatchObject({ bedId: '-', audience: 'nurse', priority: 'medium' });
      expect((await healthz()).status).toBe(503);
      expect((await healthz()).body.checks.disk).toMatch(/^full/);
      // Devices cut off for that reason are not a wall of comm-loss alarms (threshold 5 s).
      await sleep(6000);
      expect(daemon.alarms.engine.activeAlarms().filter((a) => a.condition === 'comm-loss')).toEqual([]);
      // The alarm event itself was stored, in the space kept for it.
      await daemon.writer.flush();
      const db = new Database(gw.config.databasePath, { readonly: true });
      const stored = db.prepare("SELECT count(*) FROM alarm_events WHERE condition = 'buffer-disk-full' AND phase = 'raised'").pluck().get();
      db.close();
      expect(stored).toBe(1);
      client.end(true);
    };
    // First let the flood's aftermath settle: housekeeping (every 500 ms here) hands the
    // evicted pages and the WAL's spike back to the filesystem, which would otherwise give
    // space back under the ballast and end the disk-full state it is meant to cause.
    for (let before = -1, waited = 0; Math.abs(available() - before) > 256 * 1024 && waited < 20_000; waited += 1500) {
      before = available();
      await sleep(1500);
    }
    // A log file (another program) eats the disk down into the space kept for alarm events.
    const ballast = join(tmpfs.dir, 'ballast.log');
    const fd = openSync(ballast, 'w');
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    // It keeps writing while the gateway looks: a checkpoint that shrinks the WAL file
    // would otherwise hand the space back before the next look.
    const eat = () => {
      try {
        while (available() > MIB / 2) writeSync(fd, chunk);
      } catch {
        // ENOSPC: the disk is as full as it gets
      }
    };
    eat();
    const eating = setInterval(eat, 20);
    try {
      await until('the disk-full state', () => daemon.diskFull.full);
      await whileFull();
    } finally {
      clearInterval(eating);
      closeSync(fd);
    }
    rmSync(ballast);
    await until('room again', () => !daemon.diskFull.full);
    const back = await connect('mon-2');
    await back.publishAsync('wardlink/devices/mon-2/readings', record(Date.now(), 2), { qos: 1 });
    await back.endAsync();
    expect((await healthz()).status).toBe(200);
    expect(daemon.alarms.engine.activeAlarms().some((a) => a.condition === 'buffer-disk-full' && a.conditionPresent)).toBe(false);
  }, 60_000);
});

describe('a commit that fails for lack of space', () => {
  it('refuses readings from then on, keeps storing alarm events, and lifts when there is room', async () => {
    const dir = tempDir();
    const store = openBufferStore({ path: dir.file('gw.db'), gatewayId: 'gw' });
    const changes: [boolean, string][] = [];
    const watch: { current?: DiskFullWatch } = {};
    const writer = new BufferWriter(store, { flushIntervalMs: 1, onFailure: (err: BufferError) => watch.current!.onCommitFailure(err) });
    watch.current = new DiskFullWatch({ refuseReadings: (err) => writer.refuseReadings(err), onChange: (full, detail) => changes.push([full, detail]) });
    const T = Date.now();
    const readings = (n: number): Reading[] =>
      Array.from({ length: n }, (_, i) => ({ gatewayId: 'gw', deviceId: 'mon-1', bedId: 'bed-1', patientId: null, metric: 'HR', deviceTimeMs: T + i, receivedAtMs: T + i, value: 60, flags: 0 }));
    await writer.ready();
    const pages = (await writer.commitConnectionPragma('page_count')) as [{ page_count: number }];
    await writer.commitConnectionPragma(`max_page_count = ${pages[0]!.page_count + 2}`); // a disk with two pages left
    await expect(writer.append(readings(5000))).rejects.toMatchObject({ code: 'WL_BUFFER_FULL' });
    expect(changes).toEqual([[true, 'a commit failed: the disk is full']]);
    await expect(writer.append(readings(1))).rejects.toMatchObject({ code: 'WL_BUFFER_FULL' }); // refused at once now
    await writer.commitConnectionPragma('max_page_count = 1073741823');
    await writer.appendAlarm({ eventId: 'e1', alarmId: 'a1', bedId: '-', patientId: null, deviceId: null, source: 'technical', metric: null, condition: 'buffer-disk-full', priority: 'medium', phase: 'raised', timeMs: T, value: null, actor: null, message: 'disk full' });
    watch.current.onUsage({ ...usageOf(), diskLow: false });
    expect(changes.at(-1)).toEqual([false, '']);
    await writer.append(readings(10));
    expect(store.db.prepare('SELECT count(*) FROM readings').pluck().get()).toBe(10);
    expect(store.db.prepare('SELECT count(*) FROM alarm_events').pluck().get()).toBe(1);
    await writer.close();
    store.close();
    dir.remove();
  });
});

function usageOf() {
  return { bytes: 0, maxBytes: 1, configuredMaxBytes: 1, diskAvailableBytes: 100 * MIB, diskLow: false, fraction: 0, unsentReadings: 0, oldestUnsentMs: null };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(what: string, probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
