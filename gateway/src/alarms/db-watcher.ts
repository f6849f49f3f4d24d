/**
 * Keeps the daemon's engine in step with what other processes (the CLI) commit: every
 * `checkEveryMs` it reads `PRAGMA data_version`, which moves only when ANOTHER connection
 * committed. Then, and only then, it compares `rules_version` (bumped by triggers on
 * `alarm_rules`) and reloads the rules if they changed, and serves pending ack requests.
 * With the default 250 ms a CLI change reaches the engine well within 1 s.
 */
import type Database from 'better-sqlite3';
import { systemClock, type Clock, type TimerHandle } from '@wardlink/shared';
import { AckRequests } from './ack-requests.js';
import type { RuleStore } from './rule-store.js';
import { silentAlarmLogger, type AlarmLogger, type AlarmRule } from './types.js';

export interface WatchTarget {
  setRules(rules: readonly AlarmRule[]): void;
  acknowledge(alarmId: string, by: string): unknown;
}

export class AlarmDbWatcher {
  private dataVersion = -1;
  private rulesVersion: number;
  private timer: TimerHandle | null = null;
  private readonly acks: AckRequests;

  constructor(
    private readonly db: Database.Database,
    private readonly rules: RuleStore,
    private readonly target: WatchTarget,
    private readonly opts: { clock?: Clock; logger?: AlarmLogger; checkEveryMs?: number } = {},
  ) {
    this.acks = new AckRequests(db, opts.clock ?? systemClock);
    this.rulesVersion = rules.version();
  }

  start(): void {
    const clock = this.opts.clock ?? systemClock;
    this.dataVersion = this.readDataVersion();
    this.timer ??= clock.setInterval(() => this.check(), this.opts.checkEveryMs ?? 250).unref();
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
    return this.db.pragma('data_version', { simple: true }) as number;
  }
}
