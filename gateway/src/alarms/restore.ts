/**
 * Restart: the alarms that were live when the gateway stopped, replayed from the audit
 * trail. The engine keeps a latched, unacknowledged high-priority alarm until a nurse
 * acknowledges it (a power cut must not silently drop it) and ends the others, which
 * fresh readings raise again if their condition persists.
 */
import type Database from 'better-sqlite3';
import { AuditQuery } from './audit-query.js';
import type { ActiveAlarm } from './types.js';

export interface RestoredAlarm extends ActiveAlarm {
  /** The condition key (bed|metric|direction or device|condition). */
  key: string;
}

/** Every alarm whose last audited phase is not `cleared`, oldest first. */
export function openAlarms(db: Database.Database, limit = 10_000): RestoredAlarm[] {
  return new AuditQuery(db)
    .alarms({ activeOnly: true, limit })
    .map(({ phase: _phase, active: _active, ...alarm }) => alarm)
    .reverse();
}
