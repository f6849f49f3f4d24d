/**
 * The lifecycle's Prometheus metrics, registered on the service's own registry
 * (CloudMetrics.registry). Capacity gauges are computed at scrape time from a report
 * cached for `capacityTtlMs` (a scrape every 15 s must not size every partition 4 times
 * a minute); partition-range alerts and job outcomes are set by the jobs themselves.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { systemClock } from '@wardlink/shared';
import type { CapacityReport } from './capacity.js';
import { RANGE_ALERT_KINDS, type RangeAlert } from './range-monitor.js';

export interface LifecycleMetricsOptions {
  /** Produces a fresh capacity report (e.g. () => capacityReport(ctx)). */
  capacity?: () => Promise<CapacityReport>;
  capacityTtlMs?: number;
  now?: () => number;
}

export class LifecycleMetrics {
  private report: CapacityReport | undefined;
  private reportAt = -Infinity;
  private refreshing: Promise<void> | undefined;
  readonly rangeAlert: Gauge<'kind'>;
  readonly rangeRows: Gauge<'kind'>;
  readonly jobRuns: Counter<'job' | 'outcome'>;
  readonly lastSuccess: Gauge<'job'>;
  readonly archivedReadings: Counter;
  readonly archivedBytes: Counter;
  readonly compactedReadings: Counter;
  readonly compactionDuplicates: Counter;
  readonly compactionFailedUnits: Counter;

  constructor(registry: Registry, private readonly options: LifecycleMetricsOptions = {}) {
    const registers = [registry];
    this.rangeAlert = new Gauge({ name: 'wardlink_cloud_partition_range_alert', help: '1 while a partition range alert is active (missing partitions, rows outside the premade range)', labelNames: ['kind'], registers });
    this.rangeRows = new Gauge({ name: 'wardlink_cloud_partition_range_alert_rows', help: 'Rows concerned by each partition range alert (capped at 1e6)', labelNames: ['kind'], registers });
    for (const kind of RANGE_ALERT_KINDS) this.rangeAlert.set({ kind }, 0);
    this.jobRuns = new Counter({ name: 'wardlink_cloud_lifecycle_job_runs_total', help: 'Lifecycle job runs by job and outcome', labelNames: ['job', 'outcome'], registers });
    this.lastSuccess = new Gauge({ name: 'wardlink_cloud_lifecycle_last_success_timestamp_seconds', help: 'When each lifecycle job last completed', labelNames: ['job'], registers });
    this.archivedReadings = new Counter({ name: 'wardlink_cloud_archived_readings_total', help: 'Readings archived to Parquet and dropped from the hot store', registers });
    this.archivedBytes = new Counter({ name: 'wardlink_cloud_archived_bytes_total', help: 'Bytes of Parquet archives written', registers });
    this.compactedReadings = new Counter({ name: 'wardlink_cloud_compacted_readings_total', help: 'Readings moved from vital_data rows into vital_blocks', registers });
    this.compactionDuplicates = new Counter({ name: 'wardlink_cloud_compaction_duplicates_total', help: 'Rows dropped by compaction as copies of readings already stored', registers });
    this.compactionFailedUnits = new Counter({ name: 'wardlink_cloud_compaction_failed_units_total', help: 'Compaction units rolled back on an error (retried by the next run)', registers });

    const capacityGauge = (name: string, help: string, read: (r: CapacityReport) => number | null | undefined) => {
      const gauge: Gauge = new Gauge({
        name,
        help,
        registers,
        collect: async () => {
          const r = await this.currentReport();
          const v = r ? read(r) : undefined;
          if (v !== null && v !== undefined && Number.isFinite(v)) gauge.set(v);
        },
      });
    };
    capacityGauge('wardlink_cloud_hot_store_bytes', 'Bytes of the hot store: every vital_data and vital_blocks partition (heap, indexes, TOAST)', (r) => r.hotBytes);
    capacityGauge('wardlink_cloud_hot_store_readings', 'Readings in the hot store, rows and compacted (rows of partitions over 64 MiB are the planner estimate)', (r) => r.hotRows);
    capacityGauge('wardlink_cloud_row_bytes_per_reading', 'Bytes per reading of the recent rows (vital_data)', (r) => r.tiers.rows.bytesPerReading);
    capacityGauge('wardlink_cloud_compacted_bytes_per_reading', 'Bytes per reading of the compacted hours (vital_blocks); the benchmark figure until some are compacted', (r) => r.tiers.blocks.bytesPerReading);
    capacityGauge('wardlink_cloud_database_bytes', 'Size of the database', (r) => r.databaseBytes);
    capacityGauge('wardlink_cloud_bytes_per_reading', 'Hot-store bytes per reading', (r) => r.bytesPerReading);
    capacityGauge('wardlink_cloud_archive_bytes_per_reading', 'Archive (Parquet) bytes per reading', (r) => r.archive.bytesPerReading);
    capacityGauge('wardlink_cloud_ingest_readings_per_second', 'Ingest rate over the last 7 days', (r) => r.ingest.readingsPerSecond);
    capacityGauge('wardlink_cloud_projected_hot_store_bytes', 'Projected hot-store size once it holds hot_days days at the current rate', (r) => r.projection.hotStoreBytes);
    capacityGauge('wardlink_cloud_projected_archive_bytes_per_year', 'Projected archive growth per year at the current rate', (r) => r.projection.archiveBytesPerYear);
    capacityGauge('wardlink_cloud_db_volume_used_ratio', 'Database size / configured volume size', (r) => (r.volume.usedPct === null ? null : r.volume.usedPct / 100));
    capacityGauge('wardlink_cloud_db_volume_projected_ratio', 'Projected steady-state size / configured volume size', (r) => (r.volume.projectedPct === null ? null : r.volume.projectedPct / 100));
    capacityGauge('wardlink_cloud_db_volume_full_timestamp_seconds', 'Projected date the database volume fills (absent if never at the current rate)', (r) =>
      r.volume.fullDate === null ? null : Date.parse(r.volume.fullDate) / 1000,
    );
    const partitionBytes: Gauge<'partition'> = new Gauge({
      name: 'wardlink_cloud_partition_bytes',
      help: 'Bytes of each vital_data partition',
      labelNames: ['partition'],
      registers,
      collect: async () => {
        const r = await this.currentReport();
        if (!r) return;
        partitionBytes.reset();
        for (const p of r.partitions) partitionBytes.set({ partition: p.name }, p.bytes);
      },
    });
  }

  /** The cached capacity report, refreshed when older than the TTL. */
  async currentReport(): Promise<CapacityReport | undefined> {
    if (!this.options.capacity) return this.report;
    const now = (this.options.now ?? systemClock.now)();
    if (now - this.reportAt >= (this.options.capacityTtlMs ?? 60_000)) {
      this.refreshing ??= this.options
        .capacity()
        .then((r) => {
          this.report = r;
          this.reportAt = now;
        })
        .catch(() => undefined) // a failed refresh keeps the last report; the scrape goes on
        .finally(() => (this.refreshing = undefined));
      await this.refreshing;
    }
    return this.report;
  }

  setCapacityReport(report: CapacityReport, at: number): void {
    this.report = report;
    this.reportAt = at;
  }

  setRangeAlerts(alerts: RangeAlert[]): void {
    for (const kind of RANGE_ALERT_KINDS) {
      const a = alerts.find((x) => x.kind === kind);
      this.rangeAlert.set({ kind }, a ? 1 : 0);
      this.rangeRows.set({ kind }, a?.rows ?? 0);
    }
  }

  recordJob(job: string, outcome: 'ok' | 'failed' | 'skipped', at?: number): void {
    this.jobRuns.inc({ job, outcome });
    if (outcome === 'ok' && at !== undefined) this.lastSuccess.set({ job }, at / 1000);
  }

  recordCompaction(result: { readings: number; duplicates: number; failedUnits: number }): void {
    this.compactedReadings.inc(result.readings);
    this.compactionDuplicates.inc(result.duplicates);
    this.compactionFailedUnits.inc(result.failedUnits);
  }

  recordArchived(readings: number, bytes: number): void {
    this.archivedReadings.inc(readings);
    this.archivedBytes.inc(bytes);
  }
}
