/**
 * The daemon's ingest wiring: device link states, the one ingest pipeline (patients,
 * device clocks seeded from the buffer, refusals counted) and the transports that feed it:
 * the embedded MQTT broker, the optional bridge to a hospital broker, the HL7 TCP listener
 * and the serial ports. Every transport reads a device's format through the format
 * registry (ingest/formats/registry.ts) and knows none by name.
 */
import type { Clock } from '@wardlink/shared';
import type { Logger } from 'pino';
import { AlarmViewers } from './alarms/delivery/viewers.js';
import type { AlarmService } from './alarms/service.js';
import { lastRecordsOf } from './buffer/last-record.js';
import type { BufferWriter } from './buffer/writer.js';
import type { GatewayConfig } from './config/schema.js';
import type { GatewayDatabase } from './db.js';
import { AdtFeed } from './ingest/adt-feed.js';
import { DeviceClocks } from './ingest/device-clock.js';
import { DeviceStates, DEVICE_LINK_STATES } from './ingest/device-state.js';
import { MqttBridge } from './ingest/mqtt/bridge.js';
import { MqttIngest } from './ingest/mqtt/broker.js';
import { payloadParser } from './ingest/mqtt/payload-parser.js';
import { IngestPipeline } from './ingest/pipeline.js';
import { RecordPatients } from './ingest/record-patient.js';
import { FrameReceiver } from './ingest/receivers.js';
import { RejectLog } from './ingest/reject-log.js';
import { SerialFleet } from './ingest/serial-fleet.js';
import { TcpHl7Listener } from './ingest/tcp-hl7.js';
import type { GatewayMetrics } from './observability/metrics.js';
import { loadServerCredentials } from './tls/server-credentials.js';

/** Each registered device's link state, as a gauge and a log line on every change. */
export function openDeviceStates(config: GatewayConfig, database: GatewayDatabase, metrics: GatewayMetrics, clock: Clock, logger: Logger): DeviceStates {
  const deviceStates = new DeviceStates(config.ingest.silentAfterMs, clock);
  deviceStates.on('change', (c) => {
    for (const state of DEVICE_LINK_STATES) metrics.deviceState.set({ device: c.deviceId, state }, state === c.to ? 1 : 0);
    logger.info({ device: c.deviceId, from: c.from, to: c.to }, 'device state changed');
  });
  for (const d of database.registry.listDevices()) deviceStates.register(d.deviceId);
  return deviceStates;
}

export interface DaemonIngest {
  rejects: RejectLog;
  pipeline: IngestPipeline;
  mqtt: MqttIngest;
  bridge: MqttBridge | null;
  tcp: TcpHl7Listener;
  serial: SerialFleet;
}

export interface IngestWiring {
  database: GatewayDatabase;
  writer: BufferWriter;
  metrics: GatewayMetrics;
  deviceStates: DeviceStates;
  alarms: AlarmService;
  /** The running config: admissions settings change on reload (SIGHUP). */
  currentConfig: () => GatewayConfig;
  clock: Clock;
  logger: Logger;
}

export function openDaemonIngest(config: GatewayConfig, w: IngestWiring): DaemonIngest {
  const { database: { store, registry }, metrics, deviceStates, clock, logger } = w;
  const now = () => clock.now();
  const rejects = new RejectLog(metrics, logger, config.ingest.rejectLogIntervalMs, now);
  const clocks = new DeviceClocks({ maxAheadMs: config.ingest.maxFutureMs, maxLagMs: config.ingest.maxLagMs, horizonMs: config.ingest.horizonMs });
  // A monitor replaying its queue after a restart continues the timeline it had.
  for (const [deviceId, last] of lastRecordsOf(store.db, registry.listDevices())) {
    clocks.remember(deviceId, { ...last, filedAtMs: last.deviceTimeMs });
  }
  const pipeline = new IngestPipeline({
    gatewayId: config.gatewayId,
    registry,
    sink: w.writer,
    metrics,
    rejects,
    deviceStates,
    logger,
    now,
    clocks,
    patients: new RecordPatients(registry, () => w.currentConfig().admissions.source, logger),
  });
  pipeline.observe(w.alarms.engine.observer);
  pipeline.onRefused(w.alarms.engine.refusalObserver);
  const adt = new AdtFeed({ registry, config: () => w.currentConfig().admissions, rejects, logger, now });
  // One receiver for every framed format (ingest/formats/registry.ts), serial and TCP.
  const frames = new FrameReceiver({ pipeline, adt, registry, rejects, now, maxMessageBytes: config.hl7.maxMessageBytes });
  // Each MQTT device's payload through its format's registry entry, likewise.
  const parse = payloadParser({ maxPayloadBytes: config.mqtt.maxPayloadBytes, now });
  const mqttDeps = { registry, pipeline, parse, rejects, logger, now, maxPayloadBytes: config.mqtt.maxPayloadBytes };
  const mqttTls = config.mqtt.tls;
  const mqtt = new MqttIngest({
    ...mqttDeps,
    host: config.mqtt.host,
    port: config.mqtt.port,
    caps: config.mqtt,
    tls: mqttTls === null ? null : { port: mqttTls.port, secure: loadServerCredentials(mqttTls, 'mqtt.tls'), clientCa: mqttTls.caFile !== null },
    viewers: new AlarmViewers(config.alarms.viewers),
  });
  const bridgeConfig = config.mqtt.bridge;
  const bridge = bridgeConfig
    ? new MqttBridge({
        ...mqttDeps,
        url: bridgeConfig.url,
        topicFilter: bridgeConfig.topicFilter,
        clientId: bridgeConfig.clientId,
        ...(bridgeConfig.username !== undefined ? { username: bridgeConfig.username } : {}),
        ...(bridgeConfig.password !== undefined ? { password: bridgeConfig.password } : {}),
      })
    : null;
  const hl7Tls = config.hl7.tls;
  const tcp = new TcpHl7Listener({
    ...config.hl7,
    caps: config.hl7,
    tls: hl7Tls === null ? null : { port: hl7Tls.port, secure: loadServerCredentials(hl7Tls, 'hl7.tls') },
    receiver: frames,
    rejects,
    logger,
  });
  const serial = new SerialFleet({ registry, receiver: frames, deviceStates, rejects, logger, maxFrameBytes: config.hl7.maxMessageBytes, clock });
  return { rejects, pipeline, mqtt, bridge, tcp, serial };
}
