/** The gateway's local alarm engine. See README.md in this folder. */
export { alarmMigrations } from './migrations.js';
export { defaultRules, METRIC_DEFAULTS } from './defaults.js';
export { RuleStore, type NewRule, type RulePatch, type RuleFilter } from './rule-store.js';
export { RuleResolver, bandsFor } from './rule-resolver.js';
export { testRule, type RuleTestResult } from './rule-test.js';
export { AlarmEngine, type AlarmEngineDeps, type DeviceLinkChange } from './engine.js';
export { resolveEngineOptions, TECHNICAL_DEFAULTS, type AlarmEngineOptions } from './engine-options.js';
export { AlarmEvents, type AlarmListenerMap } from './events.js';
export { compareAlarms, LATCHED_MARKER, type AlarmRecorder } from './alarm-book.js';
export { AuditLog, type AuditLogOptions } from './audit-log.js';
export { AuditQuery, replay, conditionKey, type AuditedAlarm, type HistoryQuery } from './audit-query.js';
export { AckRequests, ACK_REQUEST_MAX_AGE_MS, type AckRequest } from './ack-requests.js';
export { AlarmDbWatcher } from './db-watcher.js';
export { openAlarms, type RestoredAlarm } from './restore.js';
export { openAlarmService, type AlarmService, type AlarmServiceOptions } from './service.js';
export type { DeviceInfo, CommLossOptions } from './technical-device.js';
export * from './types.js';
