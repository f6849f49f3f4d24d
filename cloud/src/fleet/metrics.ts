/**
 * The fleet in Prometheus: one series per gateway (labels hospital, gateway: bounded by
 * the registered gateways, at most MAX_FLEET_SERIES), read from gateway_status at scrape
 * time, so every cloud instance exports the same figures whichever instance a gateway's
 * status reached (alert rules take max by (hospital, gateway)). One query per scrape
 * however many gauges: GET /metrics calls refresh() first, the gauges' collect read it.
 */
import type pg from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import { sleep, systemClock } from '@wardlink/shared';
import { loadStatuses, type StoredStatus } from './store.js';

export const MAX_FLEET_SERIES = 5_000;
/** A scrape never waits longer than this for the database (it is down: the last figures stay). */
const FLEET_QUERY_TIMEOUT_MS = 2_000;

type Figure = (s: StoredStatus) => number | null;

const GAUGES: { name: string; help: string; figure: Figure }[] = [
  { name: 'wardlink_cloud_gateway_last_seen_seconds', help: 'Unix time the cloud last received the gateway\'s status', figure: (s) => s.receivedAt.getTime() / 1000 },
  { name: 'wardlink_cloud_gateway_backlog_readings', help: 'Readings waiting on the gateway to be uploaded, as it last reported', figure: (s) => s.status.backlog.readings },
  { name: 'wardlink_cloud_gateway_backlog_oldest_age_seconds', help: 'Age of the oldest unsent reading on the gateway (0 when caught up), as it last reported', figure: (s) => s.status.backlog.oldestAgeS ?? 0 },
  { name: 'wardlink_cloud_gateway_clock_skew_seconds', help: 'Gateway clock minus cloud clock when its status arrived (positive: the gateway is ahead)', figure: (s) => s.clockSkewMs / 1000 },
  { name: 'wardlink_cloud_gateway_disk_outage_days_left', help: 'Days of uplink outage the gateway\'s buffer can still hold at its ingest rate (absent while unknown)', figure: (s) => s.status.disk.outageDaysLeft },
  { name: 'wardlink_cloud_gateway_quarantined_batches', help: 'Batches the gateway holds quarantined (refused by the cloud, waiting for IT)', figure: (s) => s.status.quarantinedBatches },
  { name: 'wardlink_cloud_gateway_alarms_active', help: 'Alarms active on the gateway, as it last reported (absent while unknown)', figure: (s) => s.status.alarmsActive },
  { name: 'wardlink_cloud_gateway_uplink_up', help: '1 while the gateway reports its last upload succeeded', figure: (s) => (s.status.uplink.up ? 1 : 0) },
];

export class FleetMetrics {
  readonly statusRequests: Counter<'outcome'>;
  readonly statusErrors: Counter<'code'>;
  /** The last load; null while the database is away (the gauges keep their last figures). */
  private rows: StoredStatus[] | null = [];

  constructor(registry: Registry, private readonly pool: Pick<pg.Pool, 'query'> | undefined) {
    this.statusRequests = new Counter({ name: 'wardlink_cloud_gateway_status_total', help: 'POST /v1/gateways/status by outcome (stored, refused, error)', labelNames: ['outcome'], registers: [registry] });
    this.statusErrors = new Counter({ name: 'wardlink_cloud_gateway_status_errors_total', help: 'Refused gateway status documents by stable error code', labelNames: ['code'], registers: [registry] });
    const latest = () => this.rows;
    for (const g of GAUGES) {
      new Gauge({
        name: g.name,
        help: g.help,
        labelNames: ['hospital', 'gateway'],
        registers: [registry],
        collect() {
          const rows = latest();
          if (rows === null) return; // the database is away: keep the last figures
          this.reset();
          for (const s of rows) {
            const v = g.figure(s);
            if (v !== null) this.set({ hospital: s.hospitalId, gateway: s.gatewayId }, v);
          }
        },
      });
    }
    new Gauge({
      name: 'wardlink_cloud_gateway_devices',
      help: 'Devices on the gateway by link state (up, down, unknown), as it last reported',
      labelNames: ['hospital', 'gateway', 'state'],
      registers: [registry],
      collect() {
        const rows = latest();
        if (rows === null) return;
        this.reset();
        for (const s of rows) {
          for (const state of ['up', 'down', 'unknown'] as const) this.set({ hospital: s.hospitalId, gateway: s.gatewayId, state }, s.status.devices[state]);
        }
      },
    });
  }

  /** Loads the latest statuses; call once per scrape, before reading the registry. */
  async refresh(): Promise<void> {
    if (!this.pool) return;
    const timeout = new AbortController();
    try {
      const late = sleep(FLEET_QUERY_TIMEOUT_MS, systemClock, timeout.signal).then(
        () => null,
        () => null, // aborted: the query answered first
      );
      this.rows = await Promise.race([loadStatuses(this.pool, { limit: MAX_FLEET_SERIES }), late]);
    } catch {
      this.rows = null;
    } finally {
      timeout.abort();
    }
  }
}
