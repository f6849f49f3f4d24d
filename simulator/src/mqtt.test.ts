import { QualityFlag } from '@wardlink/shared';
import { describe, expect, it } from 'vitest';
import { createWard, toMqttMessage, type DeviceRecord, type MqttPayload } from './index.js';

const TIME = Date.UTC(2026, 10, 29, 8, 0, 1, 234);
const RECORD: DeviceRecord = {
  bedId: 'bed-07',
  deviceId: 'mon-bed-07',
  patientId: 'P0007',
  deviceTimeMs: TIME,
  values: { HR: 72, PR: 71, SPO2: 97, PI: 3.1, RR: 16, TEMP: 36.6 },
  flags: {},
};

function parse(record: DeviceRecord): { topic: string; body: MqttPayload } {
  const { topic, payload } = toMqttMessage(record);
  expect(Buffer.isBuffer(payload)).toBe(true);
  return { topic, body: JSON.parse(payload.toString('utf8')) as MqttPayload };
}

describe('toMqttMessage', () => {
  it('publishes to the device topic with ts and catalog-keyed readings', () => {
    const { topic, body } = parse(RECORD);
    expect(topic).toBe('wardlink/devices/mon-bed-07/readings');
    expect(body).toEqual({ ts: TIME, readings: { HR: 72, PR: 71, SPO2: 97, PI: 3.1, RR: 16, TEMP: 36.6 } });
  });

  it('lists sensor-off and invalid flags per metric, and marks demo data', () => {
    const off = QualityFlag.SENSOR_OFF | QualityFlag.INVALID;
    const { body } = parse({ ...RECORD, values: { ...RECORD.values, SPO2: -999, TEMP: -999 }, flags: { SPO2: off, TEMP: QualityFlag.INVALID } });
    expect(body.readings.SPO2).toBe(-999);
    expect(body.flags).toEqual({ SPO2: ['sensor-off', 'invalid'], TEMP: ['invalid'] });
    expect(body.demo).toBeUndefined();
    const demo = parse({ ...RECORD, flags: { HR: QualityFlag.DEMO, SPO2: QualityFlag.DEMO } }).body;
    expect(demo.demo).toBe(true);
    expect(demo.flags).toBeUndefined();
  });

  it('round-trips every simulated record', () => {
    const ward = createWard({ beds: 20, seed: 8, startMs: TIME });
    let n = 0;
    for (const r of ward.recordsBetween(TIME, TIME + 10 * 60_000)) {
      const { topic, body } = parse(r);
      expect(topic).toBe(`wardlink/devices/${r.deviceId}/readings`);
      expect(body.ts).toBe(r.deviceTimeMs);
      expect(body.readings).toEqual(r.values);
      n++;
    }
    expect(n).toBeGreaterThan(20 * 600 * 0.9);
  });
});
