/**
 * The lifecycle as the service runs it, in one call for CloudService.start():
 *
 *   const lifecycle = startServiceLifecycle({ pool: pools.primary, config, logger, clock, registry: metrics.registry });
 *   ...
 *   await lifecycle.stop();   // in stop(), before the pools close
 *
 * It registers the lifecycle metrics on the service's registry (served by GET /metrics),
 * and starts the scheduler: partition maintenance and the range check now, the range
 * check every 30 s, and maintenance + retention + purge + capacity on the cron schedule.
 */
import { join } from 'node:path';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import { systemClock, type Clock } from '@wardlink/shared';
import type { CloudConfig } from '../config/schema.js';
import type { Logger } from '../storage/logger.js';
import { capacityReport } from './capacity.js';
import { archiveDirFor, createLifecycleContext, settingsFromConfig, type LifecycleContext } from './context.js';
import { LifecycleMetrics } from './metrics.js';
import { startLifecycleScheduler, type LifecycleScheduler, type SchedulerOptions } from './scheduler.js';
import type { ArchiveStore } from './store/archive-store.js';
import { LocalFolderArchiveStore } from './store/local-folder-store.js';

export interface ServiceLifecycleOptions {
  pool: pg.Pool;
  config: CloudConfig;
  logger: Logger;
  registry: Registry;
  clock?: Clock;
  /** Default: the local folder retention.archiveDir (`<dataDir>/archive`). */
  store?: ArchiveStore;
  scheduler?: SchedulerOptions;
}

export interface ServiceLifecycle {
  readonly context: LifecycleContext;
  readonly metrics: LifecycleMetrics;
  readonly scheduler: LifecycleScheduler;
  stop(): Promise<void>;
}

export function startServiceLifecycle(options: ServiceLifecycleOptions): ServiceLifecycle {
  const clock = options.clock ?? systemClock;
  const archiveDir = archiveDirFor(options.config);
  // The metrics need the context (for capacity) and the context the metrics: the closure reads it at scrape time.
  const metrics = new LifecycleMetrics(options.registry, { capacity: () => capacityReport(context), now: () => clock.now() });
  const context: LifecycleContext = createLifecycleContext({
    pool: options.pool,
    logger: options.logger,
    clock,
    store: options.store ?? new LocalFolderArchiveStore(archiveDir),
    stagingDir: join(archiveDir, '.staging'),
    settings: settingsFromConfig(options.config),
    metrics,
    actor: `scheduler@${process.pid}`,
  });
  const scheduler = startLifecycleScheduler(context, { cron: options.config.retention.maintenanceCron, ...options.scheduler });
  scheduler.ready.catch(() => undefined); // failures are logged by the scheduler
  return { context, metrics, scheduler, stop: () => scheduler.stop() };
}
