/**
 * Errors of the gateway's local alarm engine: its rules, alarms and acknowledgements.
 * Callers branch on `code`; catch the family with `instanceof AlarmError`.
 */
import { WardlinkError } from './base.js';

/** Every alarm error code, in a fixed order. */
export const ALARM_ERROR_CODES = [
  'WL_RULE_INVALID',
  'WL_RULE_NOT_FOUND',
  'WL_ALARM_NOT_FOUND',
  'WL_ALARM_ALREADY_ACKNOWLEDGED',
  'WL_ALARM_ACK_TIMEOUT',
  'WL_ALARM_BAD_OPTION',
] as const;
export type AlarmErrorCode = (typeof ALARM_ERROR_CODES)[number];

/** The common parent of every alarm error. */
export abstract class AlarmError extends WardlinkError {
  declare readonly code: AlarmErrorCode;

  protected constructor(code: AlarmErrorCode, message: string, detail: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, detail, options);
  }
}

export function isAlarmError(err: unknown): err is AlarmError {
  return err instanceof AlarmError;
}

/** A rule field breaks a rule (bad metric, low limit above high limit, unknown priority...). */
export class RuleInvalidError extends AlarmError {
  readonly field: string;
  constructor(field: string, rule: string, value?: unknown) {
    const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)?.slice(0, 80)})`;
    super('WL_RULE_INVALID', `alarm rule: ${field} ${rule}${shown}; fix the value and try again`, { field });
    this.field = field;
  }
}

/** No rule has this id. */
export class RuleNotFoundError extends AlarmError {
  constructor(ruleId: string) {
    super('WL_RULE_NOT_FOUND', `alarm rule "${ruleId}" does not exist; list the rules with "rule list"`, { ruleId });
  }
}

/** No active alarm has this id (it never existed, or it has already cleared). */
export class AlarmNotFoundError extends AlarmError {
  constructor(alarmId: string) {
    super('WL_ALARM_NOT_FOUND', `no active alarm "${alarmId}"; it may have cleared already; list active alarms with "alarms list --active"`, { alarmId });
  }
}

/** The alarm was already acknowledged (by someone else, or twice). */
export class AlarmAlreadyAcknowledgedError extends AlarmError {
  constructor(alarmId: string, by: string | null) {
    super('WL_ALARM_ALREADY_ACKNOWLEDGED', `alarm "${alarmId}" is already acknowledged${by ? ` by ${by}` : ''}; nothing to do`, { alarmId, by });
  }
}

/** The CLI queued an acknowledgement, but no running gateway daemon took it in time. */
export class AlarmAckTimeoutError extends AlarmError {
  constructor(alarmId: string, waitedMs: number) {
    super(
      'WL_ALARM_ACK_TIMEOUT',
      `the acknowledgement of alarm "${alarmId}" was not taken by a running gateway within ${waitedMs} ms and was withdrawn; check that the gateway daemon is running ("status") and try again`,
      { alarmId, waitedMs },
    );
  }
}

/** An alarm engine option is invalid. Names the option and the rule. */
export class AlarmOptionError extends AlarmError {
  constructor(option: string, rule: string, value?: unknown) {
    const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)?.slice(0, 80)})`;
    super('WL_ALARM_BAD_OPTION', `alarm engine option ${option} ${rule}${shown}`, { option });
  }
}
