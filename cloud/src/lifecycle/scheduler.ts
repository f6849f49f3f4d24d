/**
 * Runs the lifecycle inside the service: partition maintenance and the range check at
 * start, the range check every 30 s (alerts within a minute), and on the cron schedule
 * (config retention.maintenanceCron, UTC) maintenance, then compaction of closed hours
 * into vital_blocks, then retention (archive + purge),
 * then the capacity check. Every instance runs the scheduler; the advisory locks make
 * one of them do each job and the others skip it. A failed job is logged and counted,
 * never thrown: the next tick tries again.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { TimerHandle } from '@wardlink/shared';
import { preloadArchiveLibraries } from './archive/preload.js';
import { alertOnCapacity, capacityReport } from './capacity.js';
import type { LifecycleContext } from './context.js';
import { runPartitionMaintenance } from './maintenance.js';
import { RangeMonitor } from './range-monitor.js';
import { runRetention } from './retention.js';
import { runCompaction } from './compaction/compaction-job.js';

export interface SchedulerOptions {
  /** node-cron expression; default hourly at :17. */
  cron?: string;
  /** How often the partition range is checked; default 30 s. */
  rangeCheckIntervalMs?: number;
  /** Compact closed hours into vital_blocks on the schedule; default true. */
  compaction?: boolean;
  /** Run retention (archive + purge) on the schedule; default true. */
  retention?: boolean;
}

export interface LifecycleScheduler {
  /** Resolves when the start-up maintenance and first range check are done. */
  readonly ready: Promise<void>;
  /** One scheduled cycle now (what the cron tick runs). */
  runCycle(): Promise<void>;
  readonly rangeMonitor: RangeMonitor;
  stop(): Promise<void>;
}

export function startLifecycleScheduler(ctx: LifecycleContext, options: SchedulerOptions = {}): LifecycleScheduler {
  const log = ctx.logger;
  const rangeMonitor = new RangeMonitor(ctx);
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const guard = async (job: string, fn: () => Promise<unknown>) => {
    if (stopped) return;
    try {
      await fn();
    } catch (err) {
      ctx.metrics?.recordJob(job, 'failed');
      log.error({ err, job }, `lifecycle job ${job} failed; it runs again on the next schedule`);
    }
  };
  const checkRange = () => guard('range-check', () => rangeMonitor.check());
  const maintain = () => guard('maintenance', () => runPartitionMaintenance(ctx));
  const cycle = async () => {
    await maintain();
    await checkRange();
    if (options.compaction ?? true) await guard('compaction', () => runCompaction(ctx));
    if (options.retention ?? true) await guard('retention', () => runRetention(ctx));
    await guard('capacity', async () => {
      const report = await capacityReport(ctx);
      ctx.metrics?.setCapacityReport(report, ctx.clock.now());
      alertOnCapacity(ctx, report);
    });
  };
  const runCycle = () => (running = running.then(cycle));

  const ready = (async () => {
    await maintain();
    await checkRange();
    if (options.retention ?? true) await guard('preload', preloadArchiveLibraries);
  })();
  running = ready;
  const timer: TimerHandle = ctx.clock.setInterval(() => void checkRange(), options.rangeCheckIntervalMs ?? 30_000).unref();
  const task: ScheduledTask = cron.schedule(options.cron ?? '17 * * * *', () => runCycle(), { name: 'wardlink-lifecycle', timezone: 'Etc/UTC', noOverlap: true });

  return {
    ready,
    runCycle,
    rangeMonitor,
    stop: async () => {
      stopped = true;
      timer.cancel();
      await task.destroy();
      await running.catch(() => undefined);
    },
  };
}
