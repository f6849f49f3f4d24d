/**
 * The gateway daemon: wires config, database, buffer, alarms, ingest transports, uplink and
 * the local HTTP port together (daemon-*.ts beside it, one concern each), and owns start,
 * reload (SIGHUP) and a flushing stop (SIGTERM).
 */
import type { Logger } from 'pino';
import { systemClock, type Clock, type TimerHandle } from '@wardlink/shared';
import type { AlarmDelivery } from './alarms/delivery/alarm-delivery.js';
import type { AudioPauses } from './alarms/audio-pause.js';
import type { AlarmService } from './alarms/service.js';
import type { Pcd04Reporter } from './alarms/pcd04/index.js';
import type { DiskFullWatch } from './buffer/disk-full.js';
import type { BufferCap } from './buffer/eviction.js';
import type { BufferMaintenance } from './buffer/maintenance.js';
import type { BufferWriter } from './buffer/writer.js';
import type { GatewayConfig } from './config/schema.js';
import { openDaemonAlarms, openNurseAlarms } from './daemon-alarms.js';
import { openDaemonBuffer } from './daemon-buffer.js';
import { BufferLookGate, diskRoomMattersBelow, refreshGauges } from './daemon-gauges.js';
import { openDaemonIngest, openDeviceStates } from './daemon-ingest.js';
import { UplinkSlot } from './daemon-uplink.js';
import { openGatewayDatabase, type GatewayDatabase } from './db.js';
import type { NurseStation } from './http/nurse-station/index.js';
import { createStatusRoutes } from './http/routes.js';
import { WebPort } from './http/web-port.js';
import { loadServerCredentials } from './tls/server-credentials.js';
import type { DeviceStates } from './ingest/device-state.js';
import type { MqttBridge } from './ingest/mqtt/bridge.js';
import type { MqttIngest } from './ingest/mqtt/broker.js';
import type { IngestPipeline } from './ingest/pipeline.js';
import type { RejectLog } from './ingest/reject-log.js';
import type { SerialFleet } from './ingest/serial-fleet.js';
import type { TcpHl7Listener } from './ingest/tcp-hl7.js';
import { GatewayMetrics } from './observability/metrics.js';
import { RateMeter } from './observability/rate.js';
import { displayUrl, type Uplink } from './uplink/index.js';

export interface DaemonPorts {
  http: number;
  mqtt: number;
  hl7: number;
  /** The TLS listeners' ports; null when not configured. */
  mqttTls?: number | null;
  hl7Tls?: number | null;
}

export class GatewayDaemon {
  readonly metrics = new GatewayMetrics({ processMetrics: true });
  readonly database: GatewayDatabase;
  readonly writer: BufferWriter;
  readonly cap: BufferCap;
  readonly diskFull: DiskFullWatch;
  readonly alarms: AlarmService;
  private readonly uplinks: UplinkSlot;
  readonly delivery: AlarmDelivery;
  /** The IHE PCD-04 feed to the alarm manager; null when `alarms.pcd04` is not configured. */
  readonly pcd04: Pcd04Reporter | null;
  readonly nurseStation: NurseStation;
  readonly audio: AudioPauses;
  private readonly maintenance: BufferMaintenance;
  readonly deviceStates: DeviceStates;
  readonly pipeline: IngestPipeline;
  readonly rejects: RejectLog;
  readonly ingestRate = new RateMeter(10_000);
  ports: DaemonPorts = { http: 0, mqtt: 0, hl7: 0 };
  readonly startedAtMs: number;
  readonly mqtt: MqttIngest;
  private readonly bridge: MqttBridge | null;
  private readonly tcp: TcpHl7Listener;
  private readonly serial: SerialFleet;
  readonly web: WebPort;
  private ticker: TimerHandle | null = null;
  /** The tick runs the devices' silence check (start()). */
  private silenceOnTick = false;
  /** The registry's generation the serial fleet and device states were last brought up to. */
  private registryGenerationSeen: number;
  /** Whether a tick must refresh the gauges (and the buffer alarms they drive). */
  private readonly bufferLook: BufferLookGate;
  private stopping: Promise<void> | null = null;

  constructor(
    private config: GatewayConfig,
    readonly logger: Logger,
    readonly clock: Clock = systemClock,
  ) {
    this.startedAtMs = clock.now();
    this.database = openGatewayDatabase(config, { logger });
    const { store } = this.database;
    const buffer = openDaemonBuffer(config, {
      store,
      metrics: this.metrics,
      clock,
      logger,
      // Alarm events go to the cloud at once; an idle uplink stops polling the outbox.
      onCommitted: (readings, alarms) => {
        this.bufferLook.noteCommit();
        this.uplinks.uplink?.notifyCommitted(readings, alarms);
      },
      onDiskFull: (full, detail) => this.alarms.engine.onBufferDiskFull(full, detail),
    });
    ({ writer: this.writer, cap: this.cap, diskFull: this.diskFull, maintenance: this.maintenance } = buffer);
    this.bufferLook = new BufferLookGate(this.cap.disk, clock, diskRoomMattersBelow(this.cap, store));
    this.deviceStates = openDeviceStates(config, this.database, this.metrics, clock, logger);
    this.registryGenerationSeen = this.database.registry.generation;
    ({ alarms: this.alarms, pcd04: this.pcd04 } = openDaemonAlarms(config, { database: this.database, writer: this.writer, clock, logger }));
    this.deviceStates.on('change', (c) => this.alarms.engine.onDeviceLinkChange(c));
    this.uplinks = new UplinkSlot(config, {
      deps: {
        store,
        clock,
        logger,
        metrics: this.metrics,
        // The uplink's up/down state drives the uplink-down technical alarm for IT.
        onUplinkState: (up, sinceMs) => this.alarms.engine.onUplinkState(up, sinceMs),
        // The fleet status counts active alarms from the engine, not with a query per status.
        fleet: { gatewayId: config.gatewayId, alarmsActive: () => this.alarms.engine.activeAlarms().length },
      },
      clock,
      logger,
      onNoUplink: (nowMs) => this.alarms.engine.onUplinkState(true, nowMs),
    });
    const ingest = openDaemonIngest(config, {
      database: this.database,
      writer: this.writer,
      metrics: this.metrics,
      deviceStates: this.deviceStates,
      alarms: this.alarms,
      currentConfig: () => this.config,
      clock,
      logger,
    });
    ({ rejects: this.rejects, pipeline: this.pipeline, mqtt: this.mqtt, bridge: this.bridge, tcp: this.tcp, serial: this.serial } = ingest);
    this.web = new WebPort({ db: store.db, config: config.http, dataDir: config.dataDir, logger, now: () => clock.now() });
    createStatusRoutes(this.web.http, this);
    ({ delivery: this.delivery, audio: this.audio, nurseStation: this.nurseStation } = openNurseAlarms(config, {
      alarms: this.alarms,
      database: this.database,
      broker: this.mqtt.broker,
      pipeline: this.pipeline,
      web: this.web,
      clock,
      logger,
    }));
  }

  get gatewayConfig(): GatewayConfig {
    return this.config;
  }

  async start(): Promise<DaemonPorts> {
    const { config } = this;
    await this.writer.ready(); // the commit thread has the file open before any input is taken
    this.alarms.start();
    this.pcd04?.start();
    // The silence check rides on the 1 s tick when that is its period: one wake-up less a second.
    this.silenceOnTick = this.deviceStates.checkEveryMs >= 1000;
    if (!this.silenceOnTick) this.deviceStates.start();
    this.maintenance.start();
    const mqtt = await this.mqtt.start();
    this.delivery.start();
    this.nurseStation.start();
    const hl7 = await this.tcp.start();
    const http = await this.web.listen(config.http.port, config.http.host);
    this.ports = { http, mqtt, hl7, mqttTls: this.mqtt.tlsPort, hl7Tls: this.tcp.tlsPort };
    await this.serial.reconcile();
    if (this.bridge) {
      // The hospital broker may be down at start: the bridge keeps reconnecting on its own.
      this.bridge.start().catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'bridge not connected yet; retrying'));
    }
    this.ticker = this.clock.setInterval(() => void this.tick(), 1000);
    this.uplinks.start();
    if (config.cloud.url?.startsWith('http:') && config.cloud.allowInsecure) {
      this.logger.warn({ url: displayUrl(config.cloud.url) }, 'cloud.allowInsecure: readings and the gateway token go to the cloud IN CLEAR over http; use https');
    }
    for (const [name, host] of [['http', config.http.host], ['mqtt', config.mqtt.host], ['hl7', config.hl7.host]] as const) {
      if (host === '0.0.0.0' || host === '::') this.logger.warn({ listener: name, host }, 'listening on every interface: bind it to the ward-side address instead');
    }
    this.logger.info({ gatewayId: config.gatewayId, ports: this.ports, durability: config.buffer.durability }, 'gateway started');
    return this.ports;
  }

  /** Once a second: device silence, CLI changes, and the gauges when something may have changed (BufferLookGate). */
  private async tick(): Promise<void> {
    try {
      if (this.silenceOnTick) this.deviceStates.checkSilence();
      this.database.registry.refreshIfChanged();
      // By generation, not by refreshIfChanged()'s answer: a device connecting over MQTT or
      // HL7 may have picked the change up first, and the new serial port was then never opened.
      if (this.database.registry.generation !== this.registryGenerationSeen) {
        this.registryGenerationSeen = this.database.registry.generation;
        for (const d of this.database.registry.listDevices()) this.deviceStates.register(d.deviceId);
        await this.serial.reconcile();
      }
      if (this.bufferLook.due()) {
        this.refreshGauges();
        this.bufferLook.looked(); // not when it threw: the next tick looks again
      } else this.ingestRate.sample(this.pipeline.storedTotal, this.clock.now());
    } catch (err) {
      this.logger.error({ err }, 'periodic gateway task failed');
    }
  }

  refreshGauges(): void {
    refreshGauges(this);
  }

  /** The cloud uplink; null when no cloud.url/cloud.token is configured. */
  get uplink(): Uplink | null {
    return this.uplinks.uplink;
  }

  /** SIGHUP: re-read what can change without a restart (log level, registry, cloud.*). */
  async reload(next: GatewayConfig): Promise<void> {
    this.logger.level = next.log.level;
    this.config = { ...this.config, log: next.log, ingest: next.ingest, admissions: next.admissions, http: { ...this.config.http, ...next.http, host: this.config.http.host, port: this.config.http.port } };
    this.reloadCertificates(next);
    this.audio.setMaxMs(next.alarms.audioPauseMaxMs);
    this.database.registry.reload();
    await this.serial.reconcile();
    // A new cloud URL or token (or a rotated TLS file) takes effect without a restart.
    if (await this.uplinks.reload({ ...this.config, cloud: next.cloud })) this.config = { ...this.config, cloud: next.cloud };
    this.logger.info('configuration reloaded (ports, buffer and identity changes need a restart)');
  }

  /** A renewed certificate takes effect for new connections; one that cannot be used is refused and the running one kept. */
  private reloadCertificates(next: GatewayConfig): void {
    try {
      this.web.reload(this.config.http);
      if (next.mqtt.tls) this.mqtt.setCredentials(loadServerCredentials(next.mqtt.tls, 'mqtt.tls'));
      if (next.hl7.tls) this.tcp.setCredentials(loadServerCredentials(next.hl7.tls, 'hl7.tls'));
    } catch (err) {
      this.logger.error({ err }, 'a certificate was refused on reload; the running one is kept');
    }
  }

  /** SIGTERM: stop taking input, let every received message commit and be acknowledged, close. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.ticker?.cancel();
      this.deviceStates.stop();
      await this.bridge?.stop().catch(() => undefined);
      await this.tcp.stop();
      await this.serial.stop();
      this.nurseStation.stop();
      await this.delivery.stop();
      await this.mqtt.stop();
      this.pcd04?.stop(); // what is not acknowledged stays queued in SQLite for the restart
      this.alarms.stop();
      await this.uplinks.stop(); // in-flight uploads finish (or stay pending for the restart)
      await this.writer.close();
      await this.maintenance.stop();
      await this.web.close();
      this.database.close();
      this.metrics.close();
      this.logger.info('gateway stopped; buffer flushed');
    })();
    return this.stopping;
  }
}
