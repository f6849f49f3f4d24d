/**
 * The crash test: QoS 1 publishers and an HL7 sender stream into a real gateway process,
 * which is SIGKILLed mid-stream and restarted. Then, as real devices do, every message
 * still waiting for its PUBACK or ACK is sent again: some of them were committed just
 * before the kill (their acknowledgement died with the process). Every reading that was
 * acknowledged, before or after the restart, must be in the database exactly once.
 */
import { connect } from 'node:net';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { MllpClient } from '../ingest/testing/mllp-client.js';
import { localFetch } from '../http/local-client.js';
import { createTestGateway, spawnDaemon, type TestGateway } from '../testing/fixture.js';

const DEVICES = ['mon-1', 'mon-2', 'mon-3', 'mon-4'];
let gw: TestGateway;

afterAll(() => gw?.cleanup());

describe('SIGKILL mid-stream', () => {
  it('keeps every acknowledged reading exactly once', async () => {
    gw = await createTestGateway({
      beds: ['bed-01', 'bed-02', 'bed-03', 'bed-04', 'bed-05'],
      devices: [
        ...DEVICES.map((id, i) => ({ deviceId: id, kind: 'mqtt' as const, bedId: `bed-0${i + 1}`, format: 'mqtt-json' })),
        { deviceId: 'hl7-5', kind: 'tcp-hl7' as const, bedId: 'bed-05', format: 'hl7-mllp', matchId: 'hl7-5' },
      ],
    });
    const { child, ports } = await spawnDaemon(gw);
    const base = Date.now() - 60_000;
    const acked = new Map<string, Set<number>>(DEVICES.map((d) => [d, new Set()]));
    /** Published, PUBACK not (yet) received: what the device sends again after the restart. */
    const pending = new Map<string, Map<number, string>>(DEVICES.map((d) => [d, new Map()]));
    let stop = false;
    const killed = new Promise<void>((resolve) => child.once('exit', () => resolve()));

    const publishers = DEVICES.map(async (deviceId) => {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${ports.mqtt}`, {
        username: deviceId,
        password: gw.passwords.get(deviceId)!,
        clientId: deviceId,
        reconnectPeriod: 0,
      });
      client.on('error', () => undefined);
      let seq = 0;
      // Several publishes in flight at once, like a real device with a QoS 1 window.
      const lane = async () => {
        while (!stop) {
          const ts = base + seq++ * 10;
          const payload = JSON.stringify({ ts, readings: { HR: 60 + (seq % 50), SPO2: 95, RR: 14 } });
          pending.get(deviceId)!.set(ts, payload);
          try {
            await client.publishAsync(`wardlink/devices/${deviceId}/readings`, payload, { qos: 1 });
            if (stop) return; // acknowledged after the kill was decided: keep it pending, as a device that saw no PUBACK
            acked.get(deviceId)!.add(ts);
            pending.get(deviceId)!.delete(ts);
          } catch {
            return;
          }
        }
      };
      await Promise.all([lane(), lane(), lane(), lane()]);
      client.end(true);
    });

    const hl7Acked = new Set<string>();
    const hl7Sent = new Map<string, string>();
    const hl7Sender = (async () => {
      const socket = connect(ports.hl7, '127.0.0.1');
      socket.on('error', () => undefined);
      let buf = '';
      socket.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        for (const m of buf.matchAll(/MSA\|AA\|(H\d+)/g)) hl7Acked.add(m[1]!);
        buf = buf.slice(Math.max(0, buf.lastIndexOf('\x1c')));
      });
      await new Promise((r) => socket.once('connect', r));
      for (let i = 0; !stop; i++) {
        const ts = new Date(base + i * 10).toISOString().replace(/[-:TZ]/g, '').replace(/\.(\d+)$/, '.$1');
        const msg = `MSH|^~\\&|hl7-5|HOSP|||${ts}+0000||ORU^R01^ORU_R01|H${i}|P|2.6\rPID|||P5^^^HOSP^MR\rOBR|1|||182777000^monitoring of patient^SNOMED-CT|||${ts}+0000\rOBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|${60 + (i % 40)}|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||${ts}+0000||||hl7-5`;
        hl7Sent.set(`H${i}`, msg);
        socket.write(Buffer.concat([Buffer.from([0x0b]), Buffer.from(msg), Buffer.from([0x1c, 0x0d])]));
        if (i % 20 === 0) await new Promise((r) => setImmediate(r));
        if (socket.destroyed) return;
      }
    })();

    // Kill once the stream is well under way (at least 2.5 s, and enough acknowledged to
    // be a meaningful test), not at a fixed time: a loaded CI host can be slow to start.
    const ackedSoFar = () => [...acked.values()].reduce((n, s) => n + s.size, 0);
    const started = Date.now();
    while (Date.now() - started < 2500 || ((ackedSoFar() <= 300 || hl7Acked.size <= 40) && Date.now() - started < 30_000)) {
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    await killed;
    stop = true;
    // In-flight publishes to a dead broker never settle; the acknowledged set is final now.
    await Promise.race([Promise.allSettled([...publishers, hl7Sender]), new Promise((r) => setTimeout(r, 1000))]);

    // Restart: the database must open and recover from its WAL, with the daemon running again.
    const restarted = await spawnDaemon(gw);
    // The devices send again what they saw no acknowledgement for.
    let resent = 0;
    await Promise.all(
      [...pending].map(async ([deviceId, waiting]) => {
        const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${restarted.ports.mqtt}`, { username: deviceId, password: gw.passwords.get(deviceId)!, clientId: deviceId, reconnectPeriod: 0 });
        await Promise.all(
          [...waiting].map(async ([ts, payload]) => {
            await client.publishAsync(`wardlink/devices/${deviceId}/readings`, payload, { qos: 1 });
            acked.get(deviceId)!.add(ts);
            resent += 1;
          }),
        );
        await client.endAsync();
      }),
    );
    // A monitor resends the messages it has no ACK for (the last ones it sent), in order.
    const hl7Pending = [...hl7Sent].filter(([id]) => !hl7Acked.has(id)).slice(0, 500);
    const again = await MllpClient.open(restarted.ports.hl7);
    for (const [, msg] of hl7Pending) again.send(msg);
    const answers = await again.waitForAcks(hl7Pending.length, 30_000);
    for (const ack of answers) {
      const m = /MSA\|AA\|(H\d+)/.exec(ack);
      if (m) hl7Acked.add(m[1]!);
    }
    again.socket.destroy();
    const metrics = await (await localFetch(gw.config, '/metrics', { port: restarted.ports.http })).text();
    const dropped = Number(/^wardlink_gateway_duplicate_readings_total (\d+)/m.exec(metrics)?.[1] ?? 'NaN');
    // The alarm record's write counters are exported, and nothing waits in memory or was lost.
    expect(metrics).toMatch(/^wardlink_gateway_alarm_events_queued 0$/m);
    expect(metrics).toMatch(/^wardlink_gateway_alarm_event_writes_total\{kind="lost"\} 0$/m);
    expect(metrics).toMatch(/^wardlink_gateway_alarm_event_writes_total\{kind="stored"\} \d+$/m);
    restarted.child.kill('SIGTERM');
    await new Promise((r) => restarted.child.once('exit', r));

    const db = new Database(gw.config.databasePath, { readonly: true });
    const rows = db.prepare('SELECT device_id AS d, device_time_ms AS t, count(*) AS n FROM readings GROUP BY device_id, device_time_ms, metric').all() as { d: string; t: number; n: number }[];
    const hl7Rows = db.prepare("SELECT count(*) AS n FROM readings WHERE device_id = 'hl7-5'").get() as { n: number };
    const hl7Distinct = db.prepare("SELECT count(DISTINCT device_time_ms) AS n FROM readings WHERE device_id = 'hl7-5'").get() as { n: number };
    db.close();
    const stored = new Map<string, number>();
    for (const r of rows) stored.set(`${r.d}@${r.t}`, Math.max(stored.get(`${r.d}@${r.t}`) ?? 0, r.n));

    let ackedCount = 0;
    let missing = 0;
    let duplicated = 0;
    for (const [d, set] of acked) {
      for (const t of set) {
        ackedCount += 1;
        const n = stored.get(`${d}@${t}`);
        if (n === undefined) missing += 1;
        else if (n > 1) duplicated += 1;
      }
    }
    console.log(`crash test: ${ackedCount} MQTT messages PUBACKed (${ackedCount * 3} readings), ${rows.length} distinct readings stored; ` +
      `${hl7Acked.size} HL7 messages ACKed, ${hl7Rows.n} HL7 readings stored; sent again after the restart: ${resent} MQTT, ` +
      `${hl7Pending.length} HL7, of which ${dropped} readings were copies of stored ones; missing ${missing}, duplicated ${duplicated}`);
    expect(ackedCount).toBeGreaterThan(100);
    expect(hl7Acked.size).toBeGreaterThan(20);
    expect(missing).toBe(0);
    expect(duplicated).toBe(0);
    expect(hl7Rows.n).toBe(hl7Acked.size); // each ACKed message's one reading, once
    expect(hl7Distinct.n).toBe(hl7Rows.n);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(Number.isInteger(dropped)).toBe(true);
  }, 90_000);
});
