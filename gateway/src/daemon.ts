/**
 * The gateway daemon: wires config, database, writer, ingest transports and the local
 * HTTP port together, and owns start, reload (SIGHUP) and a flushing stop (SIGTERM).
 */
import type { Logger } from 'pino';
import { QualityFlag, systemClock, type Clock, type TimerHandle } from '@wardlink/shared';
import { AlarmDelivery } from './alarms/delivery/alarm-delivery.js';
import { AudioPauses } from './alarms/audio-pause.js';
import { AlarmViewers } from './alarms/delivery/viewers.js';
import { openAlarmService, type AlarmService } from './alarms/service.js';
import { Pcd04Reporter, pcd04Settings } from './alarms/pcd04/index.js';
import { DiskFullWatch } from './buffer/disk-full.js';
import { BufferCap } from './buffer/eviction.js';
import { lastRecordsOf } from './buffer/last-record.js';
import { BufferMaintenance } from './buffer/maintenance.js';
import { BufferWriter } from './buffer/writer.js';
import { DAEMON_MAX_COMMIT_DELAY_MS, WRITER_DEFAULTS } from './buffer/writer-options.js';
import type { GatewayConfig } from './config/schema.js';
import { openGatewayDatabase, type GatewayDatabase } from './db.js';
import { NurseStation } from './http/nurse-station/index.js';
import { createStatusRoutes } from './http/routes.js';
import { WebPort } from './http/web-port.js';
import { loadServerCredentials } from './tls/server-credentials.js';
import { AdtFeed } from './ingest/adt-feed.js';
import { DeviceClocks } from './ingest/device-clock.js';
import { DeviceStates, DEVICE_LINK_STATES } from './ingest/device-state.js';
import { parseMqttJson } from './ingest/formats/index.js';
import { MqttBridge } from './ingest/mqtt/bridge.js';
import { MqttIngest, type MqttPayloadParser } from './ingest/mqtt/broker.js';
import { IngestPipeline } from './ingest/pipeline.js';
import { RecordPatients } from './ingest/record-patient.js';
import { FrameReceiver } from './ingest/receivers.js';
import { RejectLog } from './ingest/reject-log.js';
import { SerialFleet } from './ingest/serial-fleet.js';
import { TcpHl7Listener } from './ingest/tcp-hl7.js';
import { GatewayMetrics } from './observability/metrics.js';
import { RateMeter } from './observability/rate.js';
import { createUplink, displayUrl, uplinkSettingsFromConfig, type Uplink, type UplinkDeps, type UplinkSettings } from './uplink/index.js';
import { sameUplinkSettings } from './uplink/same-settings.js';

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
  private currentUplink: Uplink | null;
  private uplinkSettings: UplinkSettings | null;
  private readonly uplinkDeps: UplinkDeps;
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
  private stopping: Promise<void> | null = null;

  constructor(
    private config: GatewayConfig,
    readonly logger: Logger,
    readonly clock: Clock = systemClock,
  ) {
    this.startedAtMs = clock.now();
    const now = () => clock.now();
    this.database = openGatewayDatabase(config, { logger });
    const { store, registry } = this.database;
    this.writer = new BufferWriter(store, {
      ...(config.buffer.flushIntervalMs !== null ? { flushIntervalMs: config.buffer.flushIntervalMs } : {}),
      ...(config.buffer.maxBatchReadings !== null ? { maxBatchReadings: config.buffer.maxBatchReadings } : {}),
      ...commitDelay(config),
      maxQueuedReadings: config.buffer.maxQueuedReadings,
      clock,
      logger,
      onFailure: (err) => this.diskFull.onCommitFailure(err),
      onCommit: (s) => {
        this.metrics.commitLatency.observe(s.latencyMs / 1000);
        this.metrics.commitRows.observe(s.rows);
        if (s.duplicates > 0) this.metrics.duplicates.inc(s.duplicates);
        // Alarm events go to the cloud at once; an idle uplink stops polling the outbox.
        this.currentUplink?.notifyCommitted(s.readings, s.alarms);
      },
    });
    this.cap = new BufferCap(store, { maxBytes: config.buffer.maxBytes, alarmReserveBytes: config.buffer.diskReserveBytes, clock, logger });
    this.diskFull = new DiskFullWatch({
      refuseReadings: (err) => this.writer.refuseReadings(err),
      onChange: (full, detail) => {
        if (full) logger.error({ detail }, 'the buffer disk is full: readings are refused, alarm events are still stored');
        else logger.warn('the buffer disk has room again: readings are taken again');
        this.alarms.engine.onBufferDiskFull(full, detail);
      },
    });
    this.maintenance = new BufferMaintenance(store, {
      cap: this.cap,
      localRetentionMs: config.buffer.localRetentionMs,
      housekeepingIntervalMs: config.buffer.checkpointIntervalMs,
      clock,
      logger,
    });
    this.deviceStates = new DeviceStates(config.ingest.silentAfterMs, clock);
    this.deviceStates.on('change', (c) => {
      for (const state of DEVICE_LINK_STATES) this.metrics.deviceState.set({ device: c.deviceId, state }, state === c.to ? 1 : 0);
      logger.info({ device: c.deviceId, from: c.from, to: c.to }, 'device state changed');
    });
    for (const d of registry.listDevices()) this.deviceStates.register(d.deviceId);
    // Alarms to the hospital's alarm manager (nurse call, phones), on the hospital net:
    // subscribed before the restart's phases (an alarm ended at the restart is reported).
    const pcd04 = config.alarms.pcd04 ? pcd04Settings(config.alarms.pcd04) : null;
    const pointOfCare = config.admissions.adt.pointOfCare ?? config.gatewayId;
    const subscribed: { pcd04: Pcd04Reporter | null } = { pcd04: null };
    // Alarms are evaluated in memory on the ingest path; their events reach the buffer
    // through the writer but nothing on the evaluation path waits for the disk.
    this.alarms = openAlarmService(store.db, {
      onEngine: (engine) => {
        if (!pcd04) return;
        subscribed.pcd04 = new Pcd04Reporter({
          db: store.db,
          engine,
          settings: pcd04,
          place: (bedId) => ({ pointOfCare, bedLabel: bedId === '-' ? null : (registry.listBeds().find((b) => b.bedId === bedId)?.label ?? bedId) }),
          fallbackPointOfCare: pointOfCare,
          clock,
          logger,
        });
      },
      ...config.alarms.engine,
      clock,
      logger,
      sink: this.writer,
      deviceInfo: (id) => registry.device(id),
      patientOf: (bed) => registry.patientOf(bed),
    });
    this.pcd04 = subscribed.pcd04;
    this.deviceStates.on('change', (c) => this.alarms.engine.onDeviceLinkChange(c));
    // The uplink's up/down state drives the uplink-down technical alarm for IT.
    this.uplinkDeps = {
      store,
      clock,
      logger,
      metrics: this.metrics,
      onUplinkState: (up, sinceMs) => this.alarms.engine.onUplinkState(up, sinceMs),
      // The fleet status counts active alarms from the engine, not with a query per status.
      fleet: { gatewayId: config.gatewayId, alarmsActive: () => this.alarms.engine.activeAlarms().length },
    };
    this.uplinkSettings = uplinkSettingsFromConfig(config.cloud);
    this.currentUplink = createUplink(config, this.uplinkDeps);
    this.rejects = new RejectLog(this.metrics, logger, config.ingest.rejectLogIntervalMs, now);
    const clocks = new DeviceClocks({ maxAheadMs: config.ingest.maxFutureMs, maxLagMs: config.ingest.maxLagMs, horizonMs: config.ingest.horizonMs });
    // A monitor replaying its queue after a restart continues the timeline it had.
    for (const [deviceId, last] of lastRecordsOf(store.db, registry.listDevices())) {
      clocks.remember(deviceId, { deviceTimeMs: last.deviceTimeMs, receivedAtMs: last.receivedAtMs, trusted: (last.flags & QualityFlag.CLOCK_SUSPECT) === 0 });
    }
    this.pipeline = new IngestPipeline({
      gatewayId: config.gatewayId,
      registry,
      sink: this.writer,
      metrics: this.metrics,
      rejects: this.rejects,
      deviceStates: this.deviceStates,
      logger,
      now,
      clocks,
      patients: new RecordPatients(registry, () => this.config.admissions.source, logger),
    });
    this.pipeline.observe(this.alarms.engine.observer);
    this.pipeline.onRefused(this.alarms.engine.refusalObserver);
    const adt = new AdtFeed({ registry, config: () => this.config.admissions, rejects: this.rejects, logger, now });
    // One receiver for every framed format (ingest/formats/registry.ts), serial and TCP.
    const frames = new FrameReceiver({ pipeline: this.pipeline, adt, registry, rejects: this.rejects, now, maxMessageBytes: config.hl7.maxMessageBytes });
    const parse: MqttPayloadParser = (payload, device) =>
      parseMqttJson(payload, { vendorMap: device.vendorMap, utcOffsetMinutes: device.utcOffsetMinutes, now }, { maxBytes: config.mqtt.maxPayloadBytes });
    const mqttDeps = { registry, pipeline: this.pipeline, parse, rejects: this.rejects, logger, now, maxPayloadBytes: config.mqtt.maxPayloadBytes };
    const mqttTls = config.mqtt.tls;
    this.mqtt = new MqttIngest({
      ...mqttDeps,
      host: config.mqtt.host,
      port: config.mqtt.port,
      caps: config.mqtt,
      tls: mqttTls === null ? null : { port: mqttTls.port, secure: loadServerCredentials(mqttTls, 'mqtt.tls'), clientCa: mqttTls.caFile !== null },
      viewers: new AlarmViewers(config.alarms.viewers),
    });
    const bridge = config.mqtt.bridge;
    this.bridge = bridge
      ? new MqttBridge({
          ...mqttDeps,
          url: bridge.url,
          topicFilter: bridge.topicFilter,
          clientId: bridge.clientId,
          ...(bridge.username !== undefined ? { username: bridge.username } : {}),
          ...(bridge.password !== undefined ? { password: bridge.password } : {}),
        })
      : null;
    const hl7Tls = config.hl7.tls;
    this.tcp = new TcpHl7Listener({
      ...config.hl7,
      caps: config.hl7,
      tls: hl7Tls === null ? null : { port: hl7Tls.port, secure: loadServerCredentials(hl7Tls, 'hl7.tls') },
      receiver: frames,
      rejects: this.rejects,
      logger,
    });
    this.serial = new SerialFleet({ registry, receiver: frames, deviceStates: this.deviceStates, rejects: this.rejects, logger, maxFrameBytes: config.hl7.maxMessageBytes, clock });
    this.web = new WebPort({ db: store.db, config: config.http, dataDir: config.dataDir, logger, now });
    createStatusRoutes(this.web.http, this);
    // Alarm delivery with no internet: MQTT topics on the embedded broker (and the optional
    // external forward), and the nurse-station page. Their listeners only queue.
    const engine = this.alarms.engine;
    const beds = () => registry.listBeds();
    this.delivery = new AlarmDelivery({ engine, broker: this.mqtt.broker, forward: config.alarms.forward, beds: () => beds().map((b) => b.bedId), clock, logger });
    const sse = { maxClients: config.http.maxStreams, maxClientsPerAddress: config.http.maxStreamsPerAddress };
    this.audio = new AudioPauses(clock, config.alarms.audioPauseMaxMs);
    engine.events.on('event', this.audio.onAlarmEvent);
    this.nurseStation = new NurseStation({ engine, gatewayId: config.gatewayId, audio: this.audio, audit: this.web.staff.audit, beds, clock, logger, sse });
    this.pipeline.observe(this.nurseStation.vitals.observer);
    this.nurseStation.register(this.web.http);
  }

  get gatewayConfig(): GatewayConfig {
    return this.config;
  }

  async start(): Promise<DaemonPorts> {
    const { config } = this;
    await this.writer.ready(); // the commit thread has the file open before any input is taken
    this.alarms.start();
    this.pcd04?.start();
    this.deviceStates.start();
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
    this.currentUplink?.start();
    if (config.cloud.url?.startsWith('http:') && config.cloud.allowInsecure) {
      this.logger.warn({ url: displayUrl(config.cloud.url) }, 'cloud.allowInsecure: readings and the gateway token go to the cloud IN CLEAR over http; use https');
    }
    for (const [name, host] of [['http', config.http.host], ['mqtt', config.mqtt.host], ['hl7', config.hl7.host]] as const) {
      if (host === '0.0.0.0' || host === '::') this.logger.warn({ listener: name, host }, 'listening on every interface: bind it to the ward-side address instead');
    }
    this.logger.info({ gatewayId: config.gatewayId, ports: this.ports, durability: config.buffer.durability }, 'gateway started');
    return this.ports;
  }

  /** Once a second: pick up CLI changes, refresh gauges. */
  private async tick(): Promise<void> {
    try {
      if (this.database.registry.refreshIfChanged()) {
        for (const d of this.database.registry.listDevices()) this.deviceStates.register(d.deviceId);
        await this.serial.reconcile();
      }
      this.refreshGauges();
    } catch (err) {
      this.logger.error({ err }, 'periodic gateway task failed');
    }
  }

  refreshGauges(): void {
    const usage = this.cap.bufferUsage();
    this.metrics.bufferDepth.set(usage.unsentReadings);
    this.metrics.bufferBytes.set(usage.bytes);
    this.metrics.bufferFraction.set(usage.fraction);
    this.alarms.engine.onBufferUsage(usage.fraction);
    this.diskFull.onUsage(usage);
    this.metrics.bufferEffectiveMaxBytes.set(usage.maxBytes);
    this.metrics.diskAvailableBytes.set(usage.diskAvailableBytes);
    this.metrics.bufferQueued.set(this.writer.queuedReadings);
    const evicted = this.cap.counters();
    this.metrics.evictions.set({ kind: 'uploaded' }, evicted.uploadedReadings);
    this.metrics.evictions.set({ kind: 'quarantined' }, evicted.quarantinedReadings);
    this.metrics.evictions.set({ kind: 'unsent' }, evicted.unsentReadings);
    for (const [kind, n] of Object.entries(this.alarms.audit.counters)) this.metrics.alarmEventWrites.set({ kind }, n);
    this.metrics.alarmEventsQueued.set(this.alarms.audit.queued);
    const pcd04 = this.pcd04?.status();
    if (pcd04) {
      this.metrics.pcd04ManagerUp.set(pcd04.managerDown ? 0 : 1);
      this.metrics.pcd04Queued.set(pcd04.queued);
      for (const [kind, n] of Object.entries(pcd04.counters)) this.metrics.pcd04Events.set({ kind }, n);
      this.metrics.pcd04Events.set({ kind: 'outboxWriteFailures' }, pcd04.outboxWriteFailures);
    }
    for (const d of this.deviceStates.snapshot()) {
      if (d.lastSeenMs !== null) this.metrics.deviceLastSeen.set({ device: d.deviceId }, d.lastSeenMs / 1000);
    }
    this.ingestRate.sample(this.pipeline.storedTotal, this.clock.now());
  }

  /** The cloud uplink; null when no cloud.url/cloud.token is configured. */
  get uplink(): Uplink | null {
    return this.currentUplink;
  }

  /** SIGHUP: re-read what can change without a restart (log level, registry, cloud.*). */
  async reload(next: GatewayConfig): Promise<void> {
    this.logger.level = next.log.level;
    this.config = { ...this.config, log: next.log, ingest: next.ingest, admissions: next.admissions, http: { ...this.config.http, ...next.http, host: this.config.http.host, port: this.config.http.port } };
    this.reloadCertificates(next);
    this.audio.setMaxMs(next.alarms.audioPauseMaxMs);
    this.database.registry.reload();
    await this.serial.reconcile();
    await this.reloadUplink(next);
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

  /**
   * A new cloud URL or token (or a rotated TLS file) takes effect without a restart: the
   * old uplink finishes its in-flight uploads (unacknowledged ones stay pending, with
   * their seq), then the new one starts from the outbox. Settings that cannot be used
   * (an unreadable TLS file) are refused and the running uplink is kept.
   */
  private async reloadUplink(next: GatewayConfig): Promise<void> {
    let settings: UplinkSettings | null;
    try {
      settings = uplinkSettingsFromConfig(next.cloud);
    } catch (err) {
      this.logger.error({ err }, 'cloud settings refused on reload; the running uplink is kept');
      return;
    }
    if (sameUplinkSettings(settings, this.uplinkSettings)) return;
    const previous = this.currentUplink;
    this.currentUplink = null;
    await previous?.stop();
    this.uplinkSettings = settings;
    this.config = { ...this.config, cloud: next.cloud };
    this.currentUplink = createUplink(this.config, this.uplinkDeps);
    // With no uplink any more, an uplink-down alarm has nothing left to watch.
    if (this.currentUplink === null) this.alarms.engine.onUplinkState(true, this.clock.now());
    this.currentUplink?.start();
    this.logger.info({ url: next.cloud.url === null ? null : displayUrl(next.cloud.url) }, 'cloud settings changed: uplink restarted');
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
      await this.currentUplink?.stop(); // in-flight uploads finish (or stay pending for the restart)
      await this.writer.close();
      await this.maintenance.stop();
      await this.web.close();
      this.database.close();
      this.logger.info('gateway stopped; buffer flushed');
    })();
    return this.stopping;
  }
}

/**
 * The group commit's longest wait (buffer.maxCommitDelayMs). The default trades up to
 * 250 ms of acknowledgement latency at ward rates for about one WAL page per commit
 * instead of one per device message (buffer/writer-options.ts). Senders that wait for each
 * acknowledgement before the next message (HL7 over TCP or serial, the MQTT bridge) are
 * committed after the flush interval all the same (BufferWriter.append's `prompt`).
 */
function commitDelay(config: GatewayConfig): { maxCommitDelayMs?: number } {
  if (config.buffer.maxCommitDelayMs !== null) return { maxCommitDelayMs: config.buffer.maxCommitDelayMs };
  const flush = config.buffer.flushIntervalMs ?? WRITER_DEFAULTS.flushIntervalMs[config.buffer.durability];
  return { maxCommitDelayMs: Math.max(flush, DAEMON_MAX_COMMIT_DELAY_MS) };
}
