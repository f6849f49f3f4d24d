/**
 * The daemon's operational routes: /healthz (liveness plus what is degraded), /metrics
 * (Prometheus text) and /status (the live figures `wardlink-gateway status` prints); it also
 * mounts the nurse station's /api/trend, which reads the buffer the daemon holds.
 */
import type { Clock } from '@wardlink/shared';
import type { DiskFullWatch } from '../buffer/disk-full.js';
import type { BufferCap } from '../buffer/eviction.js';
import type { BufferWriter } from '../buffer/writer.js';
import type { DeviceStates } from '../ingest/device-state.js';
import type { RefusedValue, RejectLog } from '../ingest/reject-log.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { RateMeter } from '../observability/rate.js';
import type { Uplink, UplinkStatus } from '../uplink/index.js';
import type { Pcd04Status } from '../alarms/pcd04/index.js';
import { sendJson, sendText, type HttpServer } from './server.js';
import type { GatewayDatabase } from '../db.js';
import { TrendRoute } from './nurse-station/trend-route.js';

/** The listeners' ports, as the daemon reports them. */
export interface ListeningPorts {
  http: number;
  mqtt: number;
  hl7: number;
  mqttTls?: number | null;
  hl7Tls?: number | null;
}

/** What these routes read of the running daemon, and nothing more (the daemon passes
 * itself; the routes do not depend on it). */
export interface StatusSource {
  readonly gatewayConfig: { readonly gatewayId: string };
  readonly clock: Clock;
  readonly startedAtMs: number;
  readonly ports: ListeningPorts;
  readonly ingestRate: Pick<RateMeter, 'perSecond'>;
  readonly writer: Pick<BufferWriter, 'queuedReadings' | 'hasCapacity'>;
  readonly cap: Pick<BufferCap, 'bufferUsage'>;
  readonly diskFull: Pick<DiskFullWatch, 'full' | 'detail'>;
  readonly deviceStates: Pick<DeviceStates, 'snapshot'>;
  readonly rejects: Pick<RejectLog, 'countsByCode' | 'refusedValues'>;
  readonly uplink: Pick<Uplink, 'status'> | null;
  readonly pcd04?: { status(): Pcd04Status } | null;
  readonly metrics: Pick<GatewayMetrics, 'text' | 'registry'>;
  /** The buffer and the registry, read by the nurse station's trend route. */
  readonly database: Pick<GatewayDatabase, 'db' | 'registry'>;
  readonly logger: { warn(obj: object, msg?: string): void };
  refreshGauges(): void;
}

export interface LiveStatus {
  gatewayId: string;
  uptimeS: number;
  ports: ListeningPorts;
  ingestReadingsPerS: number;
  writerQueuedReadings: number;
  devices: { deviceId: string; state: string; lastSeenMs: number | null }[];
  rejectsByCode: Record<string, number>;
  /** What each device sent that was refused: per error code and observation code. */
  refused: RefusedValue[];
  /** The cloud uplink (backlog, ETA, breaker, last error); null when no cloud is configured. */
  uplink: UplinkStatus | null;
  /** The IHE PCD-04 feed to the alarm manager; null when alarms.pcd04 is not configured. */
  pcd04: Pcd04Status | null;
  /** The byte cap that counts (the configured one, or less when the disk cannot hold it),
   * and whether readings are refused because the disk is full. */
  buffer: { effectiveMaxBytes: number; configuredMaxBytes: number; diskAvailableBytes: number; diskFull: boolean; diskFullDetail: string | null };
}

export function liveStatus(d: StatusSource): LiveStatus {
  return {
    gatewayId: d.gatewayConfig.gatewayId,
    uptimeS: Math.round((d.clock.now() - d.startedAtMs) / 1000),
    ports: d.ports,
    ingestReadingsPerS: Math.round(d.ingestRate.perSecond() * 10) / 10,
    writerQueuedReadings: d.writer.queuedReadings,
    buffer: (() => {
      const u = d.cap.bufferUsage();
      return { effectiveMaxBytes: u.maxBytes, configuredMaxBytes: u.configuredMaxBytes, diskAvailableBytes: u.diskAvailableBytes, diskFull: d.diskFull.full, diskFullDetail: d.diskFull.full ? d.diskFull.detail : null };
    })(),
    devices: d.deviceStates.snapshot(),
    rejectsByCode: d.rejects.countsByCode(),
    refused: d.rejects.refusedValues(),
    uplink: d.uplink?.status() ?? null,
    pcd04: d.pcd04?.status() ?? null,
  };
}

export function createStatusRoutes(http: HttpServer, d: StatusSource): void {
  // Open to anyone (load balancers, monitoring): it tells nothing about patients.
  http.route('GET', '/healthz', (_req, res) => {
    const devices = d.deviceStates.snapshot();
    const gone = devices.filter((x) => x.state === 'gone').map((x) => x.deviceId);
    const silent = devices.filter((x) => x.state === 'silent').map((x) => x.deviceId);
    const writerFull = !d.writer.hasCapacity();
    const diskFull = d.diskFull.full;
    const failing = writerFull || diskFull;
    // 200 while the daemon can take and store readings; devices being away is reported, not fatal.
    sendJson(res, failing ? 503 : 200, {
      status: failing ? 'degraded' : gone.length + silent.length > 0 ? 'warn' : 'ok',
      checks: { writer: diskFull ? 'disk full' : writerFull ? 'queue full' : 'ok', disk: diskFull ? `full: ${d.diskFull.detail}` : 'ok', devicesGone: gone, devicesSilent: silent },
    });
  }, { access: 'public' });
  http.route('GET', '/metrics', async (_req, res) => {
    d.refreshGauges();
    sendText(res, 200, await d.metrics.text(), d.metrics.registry.contentType);
  }, { access: 'operate' });
  http.route('GET', '/status', (_req, res) => sendJson(res, 200, liveStatus(d)), { access: 'operate' });
  // The nurse station's trends read the buffer, which the daemon hands over here.
  new TrendRoute({ db: d.database.db, bedIds: () => d.database.registry.listBeds().map((b) => b.bedId), clock: d.clock, logger: d.logger }).register(http);
}
