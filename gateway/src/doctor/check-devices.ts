/**
 * Each registered device seen in the last minute, from the running daemon's /status (the
 * only place that knows). A silent monitor in a bed with a patient is a FAIL: that
 * patient's alarms cannot reach the ward. In an empty bed it may just be switched off: WARN.
 */
import type { LiveStatus } from '../http/routes.js';
import type { Device } from '../registry/types.js';
import type { DaemonProbe } from './daemon-probe.js';
import { fail, ok, warn, type CheckResult } from './types.js';

export const SEEN_WITHIN_MS = 60_000;

export function checkDevicesSeen(devices: readonly Device[], daemon: DaemonProbe, patientOf: (bedId: string) => string | null, now = Date.now()): CheckResult[] {
  const enabled = devices.filter((d) => d.enabled);
  if (enabled.length === 0) return [];
  if (daemon.live === null) {
    const unreadable = daemon.running || daemon.probeError !== null;
    const why = unreadable ? `the daemon could not be asked (${daemon.statusError ?? daemon.probeError})` : 'the daemon is not running';
    const remedy = unreadable ? 'run the doctor as the service user (sudo -u wardlink wardlink-gateway doctor)' : 'start it (systemctl start wardlink-gateway), then run the doctor again';
    return [warn('device.seen', `${enabled.length} device(s) not checked: ${why}`, remedy)];
  }
  const live = new Map(daemon.live.devices.map((d) => [d.deviceId, d]));
  return enabled.map((d) => seen(d, live.get(d.deviceId), daemon.live!, patientOf(d.bedId), now));
}

function seen(d: Device, state: LiveStatus['devices'][number] | undefined, live: LiveStatus, patient: string | null, now: number): CheckResult {
  const subject = d.deviceId;
  const lastSeenMs = state?.lastSeenMs ?? null;
  const data = { deviceId: d.deviceId, bedId: d.bedId, kind: d.kind, state: state?.state ?? null, lastSeen: lastSeenMs === null ? null : new Date(lastSeenMs).toISOString(), patientAdmitted: patient !== null };
  if (lastSeenMs !== null && now - lastSeenMs <= SEEN_WITHIN_MS) {
    return ok('device.seen', `${d.kind} in ${d.bedId}, seen ${Math.max(0, Math.round((now - lastSeenMs) / 1000))} s ago`, { subject, data });
  }
  const when = lastSeenMs === null ? 'never seen since the daemon started' : `last seen ${Math.round((now - lastSeenMs) / 1000)} s ago`;
  // Just started: a monitor may not have connected yet.
  if (live.uptimeS * 1000 < SEEN_WITHIN_MS) {
    return warn('device.seen', `${d.kind} in ${d.bedId}: ${when} (the daemon started ${live.uptimeS} s ago)`, 'run the doctor again in a minute', { subject, data });
  }
  const remedy = hint(d);
  if (patient === null) return warn('device.seen', `${d.kind} in ${d.bedId} (no patient admitted): ${when}`, remedy, { subject, data });
  return fail('device.seen', `${d.kind} in ${d.bedId}, patient admitted: ${when}`, remedy, { subject, data });
}

function hint(d: Device): string {
  if (d.kind === 'serial') return `check the monitor is on and its cable is in ${d.portPath ?? 'its port'} (baud ${d.baudRate ?? '?'}); "wardlink-gateway status" lists refused input`;
  if (d.kind === 'mqtt') return 'check the monitor\'s broker address, port and credentials (device add printed them); "wardlink-gateway status" lists refused input';
  return `check the monitor (or interface engine) sends MLLP to this gateway's hl7.port${d.allowedPeers.length > 0 ? ` from ${d.allowedPeers.join(', ')}` : ''}`;
}
