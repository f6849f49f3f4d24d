/**
 * The gateway's MQTT topic scheme (documented in the README):
 *   wardlink/devices/{deviceId}/readings   a device publishes its readings here, QoS 1
 * A device may publish only to its own readings topic.
 */
export const READINGS_TOPIC_PREFIX = 'wardlink/devices/';
export const READINGS_TOPIC_SUFFIX = '/readings';

export function readingsTopic(deviceId: string): string {
  return `${READINGS_TOPIC_PREFIX}${deviceId}${READINGS_TOPIC_SUFFIX}`;
}

/** The device id a readings topic names, or null when the topic is not a readings topic. */
export function deviceOfReadingsTopic(topic: string): string | null {
  if (!topic.startsWith(READINGS_TOPIC_PREFIX) || !topic.endsWith(READINGS_TOPIC_SUFFIX)) return null;
  const id = topic.slice(READINGS_TOPIC_PREFIX.length, topic.length - READINGS_TOPIC_SUFFIX.length);
  return id.length > 0 && !id.includes('/') ? id : null;
}
