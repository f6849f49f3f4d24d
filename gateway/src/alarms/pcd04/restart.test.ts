/**
 * A gateway restart ends the alarms that were live at the stop (all but latched,
 * unacknowledged ones): the alarm manager must hear that too, or its phones would ring
 * for an alarm the ward no longer has. The daemon subscribes the reporter through
 * `openAlarmService({ onEngine })`, before the restart's phases.
 */
import type { MetricId, Reading } from '@wardlink/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { openAlarmService, type AlarmService } from '../service.js';
import { ManualClock } from '../testing/manual-clock.js';
import { tempDb, type TempDb } from '../testing/temp-db.js';
import type { DeviceInfo } from '../technical-device.js';
import type { Pcd04Reporter } from './reporter.js';
import { freePort, startReporter } from './testing/start-reporter.js';

const DEVICE: DeviceInfo = { deviceId: 'mon-1', bedId: 'bed-1', kind: 'mqtt', format: 'mqtt-json' };
const reading = (metric: MetricId, value: number, atMs: number): Reading => ({ gatewayId: 'gw', deviceId: 'mon-1', bedId: 'bed-1', patientId: 'P1', metric, deviceTimeMs: atMs, receivedAtMs: atMs, value, flags: 0 });

let tmp: TempDb | null = null;
const open: (AlarmService | Pcd04Reporter)[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.stop();
  tmp?.cleanup();
});

describe('PCD-04 across a gateway restart', () => {
  it('reports the end of an alarm the restart ended', async () => {
    tmp = tempDb('wl-pcd04-restart-');
    const port = await freePort();
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const first = openAlarmService(tmp.connect(), { clock });
    const before = startReporter(tmp.connect(), first.engine, port);
    first.engine.onRecord([reading('NIBP_SYS', 175, clock.now())], DEVICE); // medium, no delay, not latched
    const [alarm] = first.engine.activeAlarms();
    before.stop();
    first.stop();

    clock.advanceBy(60_000);
    const subscribed: { reporter?: Pcd04Reporter } = {};
    const second = openAlarmService(tmp.connect(), { clock, onEngine: (engine) => (subscribed.reporter = startReporter(tmp!.connect(), engine, port)) });
    const reporter = subscribed.reporter!;
    open.push(second, reporter);
    expect(second.engine.activeAlarms()).toEqual([]);
    reporter.outbox.flush();
    const rows = tmp.connect().prepare('SELECT phase, message FROM pcd04_outbox WHERE alarm_id = ? ORDER BY seq').all(alarm!.alarmId) as { phase: string; message: string }[];
    expect(rows.map((r) => r.phase)).toEqual(['raised', 'cleared']);
    expect(rows[1]!.message).toMatch(/\|68481\^MDC_ATTR_EVENT_PHASE\^MDC\|1\.0\.0\.0\.3\|end\|/);
    expect(rows[1]!.message).toMatch(/ended at gateway restart/);
  });
});
