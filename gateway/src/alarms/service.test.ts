/**
 * The engine on a real SQLite file, with a second connection playing the CLI process:
 * rule changes and acknowledgements reach the running engine within 1 s; every phase
 * lands once in the alarm table, through the sink; latched alarms survive a restart.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock, type AlarmEvent, type MetricId, type Reading } from '@wardlink/shared';
import { DirectAlarmSink } from '../buffer/direct-alarm-sink.js';
import { AckRequests } from './ack-requests.js';
import { AuditQuery } from './audit-query.js';
import { RuleStore } from './rule-store.js';
import { openAlarmService, type AlarmService } from './service.js';
import { ManualClock } from './testing/manual-clock.js';
import { tempDb, type TempDb } from './testing/temp-db.js';
import type { DeviceInfo } from './technical-device.js';

const DEVICE: DeviceInfo = { deviceId: 'mon-1', bedId: 'bed-1', kind: 'mqtt', format: 'mqtt-json' };

function reading(metric: MetricId, value: number, atMs: number): Reading {
  return { gatewayId: 'gw', deviceId: 'mon-1', bedId: 'bed-1', patientId: 'P1', metric, deviceTimeMs: atMs, receivedAtMs: atMs, value, flags: 0 };
}

async function until<T>(what: () => T | undefined | false, timeoutMs = 2000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = what();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let tmp: TempDb;
let services: AlarmService[];
beforeEach(() => {
  tmp = tempDb();
  services = [];
});
afterEach(() => {
  for (const s of services) s.stop();
  tmp.cleanup();
});

describe('alarm service on SQLite', () => {
  it('applies a rule changed from another connection within 1 s, without a restart', async () => {
    const daemon = openAlarmService(tmp.connect());
    services.push(daemon);
    daemon.start();
    const cli = new RuleStore(tmp.connect());
    const now = Date.now();
    daemon.engine.onRecord([reading('HR', 110, now)], DEVICE);
    expect(daemon.engine.activeAlarms()).toEqual([]);

    const changedAt = Date.now();
    cli.set('default-hr', { highLimit: 100, delayMs: 0 }, 'dr-lee');
    // The engine re-judges the last value as soon as it reloads: HR 110 > 100 now alarms.
    await until(() => daemon.engine.activeAlarms().length > 0);
    const tookMs = Date.now() - changedAt;
    expect(tookMs).toBeLessThan(1000);
    expect(daemon.engine.activeAlarms()[0]).toMatchObject({ metric: 'HR', condition: 'high', priority: 'medium' });
    console.log(`rule hot reload from a second connection: ${tookMs} ms`);
  });

  it('takes an acknowledgement from another process, audits who, and writes every phase once, through the sink', async () => {
    const sunk: AlarmEvent[] = [];
    const table = new DirectAlarmSink(tmp.connect(), () => Date.now());
    // Commits later, as the buffer writer does: the acknowledgement's transaction holds the write lock now.
    const sink = {
      appendAlarms: async (events: readonly AlarmEvent[]) => {
        sunk.push(...events);
        await new Promise((r) => setImmediate(r));
        table.appendAlarms(events);
      },
    };
    const daemon = openAlarmService(tmp.connect(), { sink });
    services.push(daemon);
    daemon.start();
    const t = Date.now();
    daemon.engine.onRecord([reading('NIBP_SYS', 75, t)], DEVICE); // NIBP: no delay
    const [alarm] = daemon.engine.activeAlarms();
    expect(alarm).toMatchObject({ metric: 'NIBP_SYS', priority: 'medium' });

    const cli = new AckRequests(tmp.connect());
    const asked = Date.now();
    const done = await cli.await(cli.request(alarm!.alarmId, 'nurse-ann'), { timeoutMs: 2000 });
    expect(done.status).toBe('done');
    expect(Date.now() - asked).toBeLessThan(1000);
    expect(daemon.engine.activeAlarms()[0]).toMatchObject({ acknowledged: true, acknowledgedBy: 'nurse-ann' });

    // A second acknowledgement is refused with the engine's code.
    await expect(cli.await(cli.request(alarm!.alarmId, 'nurse-bo'))).rejects.toMatchObject({ code: 'WL_ALARM_ALREADY_ACKNOWLEDGED' });
    await expect(cli.await(cli.request('no-such', 'nurse-bo'))).rejects.toMatchObject({ code: 'WL_ALARM_NOT_FOUND' });

    daemon.engine.onRecord([reading('NIBP_SYS', 120, Date.now())], DEVICE);
    const audit = new AuditQuery(tmp.connect());
    const history = await until(() => {
      const h = audit.history({ alarmId: alarm!.alarmId });
      return h.length === 3 && h;
    });
    expect(history.map((e) => [e.phase, e.actor])).toEqual([
      ['cleared', null],
      ['acknowledged', 'nurse-ann'],
      ['raised', null],
    ]);
    expect(sunk.map((e) => e.eventId)).toEqual(history.map((e) => e.eventId).reverse());
  });

  it('withdraws an acknowledgement no daemon takes, so a later daemon never acts on it', async () => {
    const cli = new AckRequests(tmp.connect(), systemClock);
    const req = cli.request('a-1', 'nurse-cy');
    await expect(cli.await(req, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'WL_ALARM_ACK_TIMEOUT' });
    expect(cli.get(req.requestId)).toMatchObject({ status: 'rejected', resultCode: 'WL_ALARM_ACK_TIMEOUT' });
    expect(cli.pending()).toEqual([]);
  });

  it('keeps a latched, unacknowledged alarm across a restart and ends the others', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const first = openAlarmService(tmp.connect(), { clock });
    for (let i = 0; i <= 12; i++) {
      clock.advanceBy(1000);
      first.engine.onRecord([reading('HR', 150, clock.now()), reading('SPO2', 85, clock.now())], DEVICE);
    }
    expect(first.engine.activeAlarms().map((a) => `${a.metric}:${a.priority}`)).toEqual(['HR:high', 'SPO2:medium']);
    first.stop(); // power cut after this: the audit is on disk

    clock.advanceBy(60_000);
    const second = openAlarmService(tmp.connect(), { clock });
    services.push(second);
    const [hr, ...rest] = second.engine.activeAlarms();
    expect(rest).toEqual([]);
    expect(hr).toMatchObject({ metric: 'HR', priority: 'high', latched: true, acknowledged: false, conditionPresent: false, value: 150 });
    second.engine.acknowledge(hr!.alarmId, 'nurse-di');
    expect(second.engine.activeAlarms()).toEqual([]);
    second.audit.flushNow();
    const spo2 = new AuditQuery(tmp.connect()).alarms({}).find((a) => a.metric === 'SPO2')!;
    expect(spo2).toMatchObject({ active: false, phase: 'cleared' });
    expect(spo2.message).toMatch(/ended at gateway restart/);
  });
});
