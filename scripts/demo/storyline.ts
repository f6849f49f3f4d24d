/**
 * What the demo makes happen in its first minute, so a new user sees what Wardlink is
 * for: a desaturation on one bed, a monitor unplugged on another (the simulator's
 * scripted episodes), and an uplink outage that heals (the demo cuts its relay to the
 * cloud). Seconds count from the start of the feed.
 */
import type { ScriptedEvent } from '@wardlink/simulator';

export const DESAT_BED = 'bed-03';
export const UNPLUGGED_BED = 'bed-07';

/** SpO2 ramps from baseline to 84 % over 10 s from second 5, holds 40 s, recovers over 10 s:
 * below the 90 % limit of `default-spo2` for far longer than its 10 s delay. */
export const DEMO_SCRIPT: ScriptedEvent[] = [
  { bedId: DESAT_BED, kind: 'desaturation', atS: 5, rampInS: 10, plateauS: 40, rampOutS: 10, target: 84 },
  // The gateway raises comm-loss after 5 s of silence (alarms.engine.commLoss.defaultMs,
  // the default): 25 s unplugged shows it raised, then cleared when the monitor returns.
  { bedId: UNPLUGGED_BED, kind: 'device-silent', atS: 12, durationS: 25 },
];

/** The uplink is cut at second 22 and healed at second 42. */
export const OUTAGE = { fromS: 22, toS: 42 };

export function storylineText(beds: number): string[] {
  const lines = [`  0:05  ${DESAT_BED}: SpO2 falls to ~84 % and stays below 90 % for ~45 s (medium alarm after the rule's 10 s delay)`];
  if (beds >= 7) lines.push(`  0:12  ${UNPLUGGED_BED}: the monitor is unplugged for 25 s (comm-loss technical alarm after the default 5 s of silence)`);
  lines.push(`  0:${OUTAGE.fromS}  the uplink to the cloud is cut for ${OUTAGE.toS - OUTAGE.fromS} s: the gateway buffers, then drains when it heals`);
  return lines;
}
