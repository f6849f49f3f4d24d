/**
 * When a gateway's state stops being `ok`. The same figures are in docs/alerts.yml, so the
 * CLI, the route and the alerts agree on what "silent", "behind" and "skewed" mean.
 */
/** The gateway sends its status at least every 30 s: four missed sends is silence. */
export const SILENT_AFTER_S = 120;
/** Its oldest unsent reading is older than this: the uplink is not keeping up. */
export const BEHIND_AFTER_S = 600;
/** Its clock differs from the cloud's by more than this (either way). */
export const SKEWED_ABOVE_S = 5;

export type FleetState = 'ok' | 'silent' | 'behind' | 'skewed';

export interface StateInput {
  lastSeenAgeS: number | null;
  backlogOldestAgeS: number | null;
  clockSkewS: number | null;
}

/** The worst state first: silence hides everything else (the figures are old). */
export function fleetState(s: StateInput, silentAfterS = SILENT_AFTER_S): FleetState {
  if (s.lastSeenAgeS === null || s.lastSeenAgeS > silentAfterS) return 'silent';
  if (s.backlogOldestAgeS !== null && s.backlogOldestAgeS > BEHIND_AFTER_S) return 'behind';
  if (s.clockSkewS !== null && Math.abs(s.clockSkewS) > SKEWED_ABOVE_S) return 'skewed';
  return 'ok';
}
