/**
 * The MQTT JSON a device publishes to the gateway's broker, one message per record:
 * topic `wardlink/devices/{deviceId}/readings`, payload described in FORMATS.md.
 */
import { METRIC_IDS, QualityFlag, type MetricId } from '@wardlink/shared';
import type { DeviceRecord } from './types.js';

export type MqttFlagName = 'sensor-off' | 'invalid';

export interface MqttPayload {
  ts: number;
  readings: Partial<Record<MetricId, number>>;
  flags?: Partial<Record<MetricId, MqttFlagName[]>>;
  demo?: true;
}

export function mqttTopic(deviceId: string): string {
  return `wardlink/devices/${deviceId}/readings`;
}

export function toMqttPayload(record: DeviceRecord): MqttPayload {
  const payload: MqttPayload = { ts: record.deviceTimeMs, readings: {} };
  const flags: Partial<Record<MetricId, MqttFlagName[]>> = {};
  let demo = false;
  for (const metric of METRIC_IDS) {
    const value = record.values[metric];
    if (value === undefined) continue;
    payload.readings[metric] = value;
    const f = record.flags[metric] ?? 0;
    if ((f & QualityFlag.DEMO) !== 0) demo = true;
    const names: MqttFlagName[] = [];
    if ((f & QualityFlag.SENSOR_OFF) !== 0) names.push('sensor-off');
    if ((f & QualityFlag.INVALID) !== 0) names.push('invalid');
    if (names.length > 0) flags[metric] = names;
  }
  if (Object.keys(flags).length > 0) payload.flags = flags;
  if (demo) payload.demo = true;
  return payload;
}

export function toMqttMessage(record: DeviceRecord): { topic: string; payload: Buffer } {
  return { topic: mqttTopic(record.deviceId), payload: Buffer.from(JSON.stringify(toMqttPayload(record))) };
}
