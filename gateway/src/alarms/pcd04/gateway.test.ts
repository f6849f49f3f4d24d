/**
 * The whole gateway, configured with `alarms.pcd04`: a monitor's reading over MQTT that
 * crosses a limit reaches the alarm manager (the stub) as an ORU^R40 naming the admitted
 * patient and the bed, with no cloud configured at all; the settings resolve with their
 * defaults and refuse a bad value naming the key.
 */
import mqtt from 'mqtt';
import { hasCode } from '@wardlink/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validate } from '../../config/load.js';
import type { GatewayDaemon } from '../../daemon.js';
import { liveStatus } from '../../http/routes.js';
import { createTestGateway, startDaemon, type TestGateway } from '../../testing/fixture.js';
import { AlarmManagerStub } from './testing/alarm-manager-stub.js';

let stub: AlarmManagerStub;
let gw: TestGateway;
let daemon: GatewayDaemon;

beforeAll(async () => {
  stub = new AlarmManagerStub();
  const port = await stub.listen();
  gw = await createTestGateway({
    beds: ['bed-07'],
    patients: { 'bed-07': 'MRN-4711' },
    devices: [{ deviceId: 'mon-7', kind: 'mqtt', bedId: 'bed-07', format: 'mqtt-json' }],
    raw: { gatewayId: 'icu-3a', alarms: { pcd04: { host: '127.0.0.1', port, receivingApplication: 'ASCOM_UNITE' } } },
  });
  daemon = await startDaemon(gw);
});
afterAll(async () => {
  await daemon?.stop();
  await stub.close();
  gw?.cleanup();
});

describe('alarms.pcd04 in the gateway', () => {
  it('resolves with its defaults, and is off unless configured', () => {
    expect(validate({}, '/tmp').alarms.pcd04).toBeNull();
    expect(validate({ gatewayId: 'icu-3a', alarms: { pcd04: { host: 'am.hospital' } } }, '/tmp').alarms.pcd04).toEqual({
      host: 'am.hospital', port: 2575, tls: false, caFile: null, servername: null, clientCertFile: null, clientKeyFile: null,
      sendingApplication: 'WARDLINK', sendingFacility: 'icu-3a', receivingApplication: null, receivingFacility: null,
      keepAliveIntervalMs: 30_000, ackTimeoutMs: 10_000, downAfterMs: 60_000, maxBackoffMs: 30_000,
    });
  });

  it('refuses a bad value naming the key', () => {
    const refusal = (pcd04: unknown) => {
      try {
        validate({ alarms: { pcd04 } }, '/tmp');
      } catch (err) {
        return hasCode(err, 'WL_CONFIG_INVALID') ? err.message : `unexpected ${String(err)}`;
      }
      return 'accepted';
    };
    expect(refusal({ port: 2575 })).toMatch(/alarms\.pcd04\.host/);
    expect(refusal({ host: 'am', sendingApplication: 'A|B' })).toMatch(/alarms\.pcd04\.sendingApplication/);
    expect(refusal({ host: 'am', ackTimeoutMs: 10 })).toMatch(/alarms\.pcd04\.ackTimeoutMs/);
  });

  it('a limit crossed at the bedside reaches the alarm manager as an ORU^R40, with no cloud', async () => {
    expect(daemon.gatewayConfig.cloud.url).toBeNull();
    const mon = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, { username: 'mon-7', password: gw.passwords.get('mon-7')!, clientId: 'mon-7', reconnectPeriod: 0 });
    try {
      await mon.publishAsync('wardlink/devices/mon-7/readings', JSON.stringify({ ts: Date.now(), readings: { NIBP_SYS: 182 } }), { qos: 1 });
      await stub.waitFor(() => stub.alerts().length >= 1);
    } finally {
      await mon.endAsync();
    }
    const text = stub.alerts()[0]!.text;
    const seg = (name: string) => text.split('\r').find((s) => s.startsWith(`${name}|`))!.split('|');
    expect(seg('MSH').slice(2, 6)).toEqual(['WARDLINK', 'icu-3a', 'ASCOM_UNITE', '']);
    expect(seg('PID')[3]).toBe('MRN-4711^^^^PI');
    expect(seg('PV1')[3]).toBe('icu-3a^^bed-07');
    expect(text).toContain('|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.0.0.0.2|182|266016^MDC_DIM_MMHG^MDC|90-160|');
    await expect.poll(() => daemon.pcd04!.status().queued, { timeout: 5000 }).toBe(0);

    // IT sees the feed in /status and /metrics.
    expect(liveStatus(daemon).pcd04).toMatchObject({ managerDown: false, queued: 0 });
    daemon.refreshGauges();
    const metrics = await daemon.metrics.text();
    expect(metrics).toMatch(/^wardlink_gateway_pcd04_manager_up 1$/m);
    expect(metrics).toMatch(/^wardlink_gateway_pcd04_queued 0$/m);
    expect(metrics).toMatch(/^wardlink_gateway_pcd04_events_total\{kind="acknowledged"\} [1-9]/m);
  });
});
