/**
 * The alarm topics on the gateway's own broker (documented in the README's "Alarm
 * topics"). The same layout, under another root, is used by the external forward.
 *
 *   {root}/beds/{bedId}/active   retained, QoS 1: the bed's live alarms (`-` = gateway/IT)
 *   {root}/events                QoS 1: one AlarmEvent per phase
 *   {root}/reminders             QoS 1: an unacknowledged high alarm, announced again
 *   {root}/escalations           QoS 1: the `escalated` phase, for the second target
 */
export const ALARM_TOPIC_ROOT = 'wardlink/alarms';

export function bedTopicSuffix(bedId: string): string {
  return `beds/${bedId}/active`;
}

export const EVENTS_SUFFIX = 'events';
export const REMINDERS_SUFFIX = 'reminders';
export const ESCALATIONS_SUFFIX = 'escalations';

/** True for a subscription filter that stays inside the local alarm topics. */
export function isAlarmTopicFilter(filter: string): boolean {
  return filter.startsWith(`${ALARM_TOPIC_ROOT}/`);
}
