/**
 * Keeps the daemon's engine in step with what other processes (the CLI) commit: every
 * `checkEveryMs` it reads `PRAGMA data_version`, which moves only when ANOTHER connection
 * committed. Then, and only then, it compares `rules_version` (bumped by triggers on
 * `alarm_rules`) and reloads the rules if they changed, and serves pending ack requests.
 * With the default 500 ms a CLI change reaches the engine within 1 s (a look costs one
 * prepared pragma; the buffer's commit thread is another connection too, so under ingest
 * the version moves at every commit and each look also reads rules_version and the ack
 * requests: half as often as at the former 250 ms, and an idle gateway wakes 2 times a
 * second for it instead of 4).
 */
import type Database from 'better-sqlite3';
import { systemClock, type Clock, type TimerHandle } from '@wardlink/shared';
import { AckRequests } from './ack-requests.js';
import type { RuleStore } from './rule-store.js';
import { silentAlarmLogger, type AlarmLogger, type AlarmRule } from './types.js';

/** Within the promise that a CLI change reaches the engine in 1 s, with room for a busy tick. */
export const DEFAULT_CHECK_EVERY_MS = 500;

export interface WatchTarget {
  setRules(rules: readonly AlarmRule[]): void;
  acknowledge(alarmId: string, by: string): unknown;
}

export class AlarmDbWatcher {
  private dataVersion = -1;
  private rulesVersion: number;
  private timer: TimerHandle | null = null;
  private readonly acks: AckRequests;
  private readonly dataVersionStmt: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly rules: RuleStore,
    private readonly target: WatchTarget,
    private readonly opts: { clock?: Clock; logger?: AlarmLogger; checkEveryMs?: number } = {},
  ) {
    this.acks = new AckRequests(db, opts.clock ?? systemClock);
    this.rulesVersion = rules.version();
    this.dataVersionStmt = db.prepare('PRAGMA data_version').pluck();
  }

  start(): void {
    const clock = this.opts.clock ?? systemClock;
    this.dataVersion = this.readDataVersion();
    this.timer ??= clock.setInterval(() => this.check(), this.opts.checkEveryMs ?? DEFAULT_CHECK_EVERY_MS).unref();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** One look. Returns what it did, for tests and logs. */
  check(): { rulesReloaded: boolean; acksServed: number } {
    const logger = this.opts.logger ?? silentAlarmLogger;
    const result = { rulesReloaded: false, acksServed: 0 };
    try {
      const version = this.readDataVersion();
      if (version === this.dataVersion) return result;
      const rulesVersion = this.rules.version();
      if (rulesVersion !== this.rulesVersion) {
        this.rulesVersion = rulesVersion;
        this.target.setRules(this.rules.list());
        result.rulesReloaded = true;
        logger.info({ rulesVersion }, 'alarm rules reloaded');
      }
      result.acksServed = this.acks.serve((alarmId, by) => {
        this.target.acknowledge(alarmId, by);
      });
      this.dataVersion = version;
    } catch (err) {
      // A busy database or a bad row must not kill the watcher: look again next tick.
      logger.error({ err }, 'alarm rule/ack check failed');
    }
    return result;
  }

  private readDataVersion(): number {
    return this.dataVersionStmt.get() as number;
  }
}
