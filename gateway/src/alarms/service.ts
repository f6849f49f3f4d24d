/**
 * The alarm engine wired to the gateway's database: rules seeded and loaded, the audit
 * log (every event once in `alarm_events`, through `sink`: the table the upload reads
 * too), alarms live at the last stop restored, and the watcher that takes CLI rule
 * changes and acknowledgements. The daemon does:
 *
 *   const alarms = openAlarmService(db, {
 *     clock, logger, sink: writer,
 *     deviceInfo: (id) => registry.device(id), patientOf: (bed) => registry.patientOf(bed),
 *   });
 *   pipeline.observe(alarms.engine.observer);
 *   deviceStates.on('change', (c) => alarms.engine.onDeviceLinkChange(c));
 *   alarms.start();   ...   alarms.stop();
 */
import type Database from 'better-sqlite3';
import { systemClock, type Clock } from '@wardlink/shared';
import { AuditLog } from './audit-log.js';
import { AlarmDbWatcher } from './db-watcher.js';
import { AlarmEngine } from './engine.js';
import type { AlarmEngineOptions } from './engine-options.js';
import { openAlarms } from './restore.js';
import { RuleStore } from './rule-store.js';
import type { DeviceInfo } from './technical-device.js';
import { silentAlarmLogger, type AlarmLogger, type AlarmSink } from './types.js';

export interface AlarmServiceOptions extends AlarmEngineOptions {
  clock?: Clock;
  logger?: AlarmLogger;
  /** Where alarm events are stored: the buffer writer. Default: `db` itself, on the event loop. */
  sink?: AlarmSink;
  deviceInfo?: (deviceId: string) => DeviceInfo | undefined;
  /** The patient admitted to a bed (`registry.patientOf`), for records without values. */
  patientOf?: (bedId: string) => string | null;
  /** How often other processes' commits are looked for, ms. Default 250. */
  checkEveryMs?: number;
  /** How long events gather before a write, ms. Default 0 with a sink, 100 without. */
  auditFlushEveryMs?: number;
  /** Called with the engine before the alarms live at the last stop are taken back, for a
   * subscriber that must see every phase, those of the restart included (the PCD-04
   * reporter: the alarm manager must hear that an alarm ended at the restart). */
  onEngine?: (engine: AlarmEngine) => void;
}

export interface AlarmService {
  readonly engine: AlarmEngine;
  readonly rules: RuleStore;
  readonly audit: AuditLog;
  readonly watcher: AlarmDbWatcher;
  start(): void;
  /** Stops timers and hands the audit queue to the sink (close the buffer writer after it). */
  stop(): void;
}

export function openAlarmService(db: Database.Database, opts: AlarmServiceOptions = {}): AlarmService {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? silentAlarmLogger;
  const rules = new RuleStore(db, () => clock.now());
  const seeded = rules.seedDefaults();
  if (seeded > 0) logger.info({ rules: seeded }, 'ward default alarm rules seeded');
  const audit = new AuditLog(db, { clock, logger, ...(opts.sink ? { sink: opts.sink } : {}), ...(opts.auditFlushEveryMs ? { flushEveryMs: opts.auditFlushEveryMs } : {}) });
  const engine = new AlarmEngine(rules.list(), opts, { clock, logger, recorder: audit, ...(opts.deviceInfo ? { deviceInfo: opts.deviceInfo } : {}), ...(opts.patientOf ? { patientOf: opts.patientOf } : {}) });
  opts.onEngine?.(engine);
  const open = openAlarms(db);
  if (open.length > 0) {
    engine.restore(open);
    logger.info({ alarms: open.length }, 'alarms live at the last stop taken back');
  }
  const watcher = new AlarmDbWatcher(db, rules, engine, { clock, logger, ...(opts.checkEveryMs ? { checkEveryMs: opts.checkEveryMs } : {}) });
  return {
    engine,
    rules,
    audit,
    watcher,
    start() {
      engine.start();
      watcher.start();
    },
    stop() {
      watcher.stop();
      engine.stop();
      audit.close();
    },
  };
}
