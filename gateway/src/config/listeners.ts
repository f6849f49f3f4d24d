/**
 * `mqtt` and `hl7`: the device-facing listeners.
 *   mqtt.host, mqtt.port         the embedded broker (MQTT 3.1.1), plain TCP;
 *   mqtt.tls                     {port (8883), certFile, keyFile, caFile?}: a second, TLS listener;
 *                                with caFile, a device may present a client certificate
 *                                (its CN is the device id) instead of a password;
 *   mqtt.maxPayloadBytes         a publish's payload at most (the packet: this + 1 KiB);
 *   mqtt.maxConnections, mqtt.maxConnectionsPerAddress   open connections in total and from one address;
 *   hl7.host, hl7.port           the MLLP listener, plain TCP;
 *   hl7.tls                      {port, certFile, keyFile, caFile?}: MLLP over TLS;
 *   hl7.idleTimeoutMs            a connection that sends nothing for this long is closed;
 *   hl7.messageTimeoutMs         a message begun must end (0x1C 0x0D) within this;
 *   hl7.maxConnections, hl7.maxConnectionsPerAddress.
 */
import { resolve } from 'node:path';
import { ConfigError } from '@wardlink/shared';
import { int, pick, str } from './fields.js';

const MAX_PORT = 65535;

export interface ListenerTls {
  port: number;
  certFile: string;
  keyFile: string;
  /** CAs whose client certificates are accepted; null: no client certificates. */
  caFile: string | null;
}

export interface MqttListenerConfig {
  host: string;
  port: number;
  maxPayloadBytes: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  tls: ListenerTls | null;
}

export interface Hl7ListenerConfig {
  host: string;
  port: number;
  maxMessageBytes: number;
  idleTimeoutMs: number;
  messageTimeoutMs: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  tls: ListenerTls | null;
}

export const DEFAULT_MQTT_LISTENER: MqttListenerConfig = { host: '127.0.0.1', port: 1883, maxPayloadBytes: 16 * 1024, maxConnections: 1000, maxConnectionsPerAddress: 50, tls: null };
export const DEFAULT_HL7_LISTENER: Hl7ListenerConfig = {
  host: '127.0.0.1',
  port: 2575,
  maxMessageBytes: 256 * 1024,
  idleTimeoutMs: 10 * 60_000,
  messageTimeoutMs: 30_000,
  maxConnections: 500,
  maxConnectionsPerAddress: 20,
  tls: null,
};

function listenerTls(raw: Record<string, unknown>, field: string, dataDir: string, defaultPort: number): ListenerTls | null {
  const v = pick(raw, field);
  if (v === undefined || v === null || v === false) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(field, 'must be an object {port, certFile, keyFile, caFile?}', v);
  for (const key of Object.keys(v)) if (!['port', 'certFile', 'keyFile', 'caFile'].includes(key)) throw new ConfigError(`${field}.${key}`, 'is not a known setting');
  const ca = pick(raw, `${field}.caFile`);
  return {
    port: int(pick(raw, `${field}.port`) ?? defaultPort, `${field}.port`, 0, MAX_PORT),
    certFile: resolve(dataDir, str(pick(raw, `${field}.certFile`), `${field}.certFile`)),
    keyFile: resolve(dataDir, str(pick(raw, `${field}.keyFile`), `${field}.keyFile`)),
    caFile: ca === undefined || ca === null ? null : resolve(dataDir, str(ca, `${field}.caFile`)),
  };
}

export function mqttListenerConfig(raw: Record<string, unknown>, dataDir: string, d = DEFAULT_MQTT_LISTENER): MqttListenerConfig {
  const get = (key: string, fallback: unknown) => pick(raw, `mqtt.${key}`) ?? fallback;
  return {
    host: str(get('host', d.host), 'mqtt.host'),
    port: int(get('port', d.port), 'mqtt.port', 0, MAX_PORT),
    maxPayloadBytes: int(get('maxPayloadBytes', d.maxPayloadBytes), 'mqtt.maxPayloadBytes', 256, 1024 * 1024),
    maxConnections: int(get('maxConnections', d.maxConnections), 'mqtt.maxConnections', 1, 100_000),
    maxConnectionsPerAddress: int(get('maxConnectionsPerAddress', d.maxConnectionsPerAddress), 'mqtt.maxConnectionsPerAddress', 1, 100_000),
    tls: listenerTls(raw, 'mqtt.tls', dataDir, 8883),
  };
}

export function hl7ListenerConfig(raw: Record<string, unknown>, dataDir: string, d = DEFAULT_HL7_LISTENER): Hl7ListenerConfig {
  const section = pick(raw, 'hl7');
  if (section !== undefined && section !== null && typeof section === 'object') {
    for (const key of Object.keys(section)) if (!Object.hasOwn(d, key)) throw new ConfigError(`hl7.${key}`, 'is not a known setting');
  }
  const get = (key: string, fallback: unknown) => pick(raw, `hl7.${key}`) ?? fallback;
  return {
    host: str(get('host', d.host), 'hl7.host'),
    port: int(get('port', d.port), 'hl7.port', 0, MAX_PORT),
    maxMessageBytes: int(get('maxMessageBytes', d.maxMessageBytes), 'hl7.maxMessageBytes', 1024, 16 * 1024 * 1024),
    idleTimeoutMs: int(get('idleTimeoutMs', d.idleTimeoutMs), 'hl7.idleTimeoutMs', 1000, 86_400_000),
    messageTimeoutMs: int(get('messageTimeoutMs', d.messageTimeoutMs), 'hl7.messageTimeoutMs', 100, 3_600_000),
    maxConnections: int(get('maxConnections', d.maxConnections), 'hl7.maxConnections', 1, 100_000),
    maxConnectionsPerAddress: int(get('maxConnectionsPerAddress', d.maxConnectionsPerAddress), 'hl7.maxConnectionsPerAddress', 1, 100_000),
    tls: listenerTls(raw, 'hl7.tls', dataDir, 2576),
  };
}
