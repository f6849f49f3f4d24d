/**
 * The status document the gateway sends to the cloud's fleet view
 * (POST /v1/gateways/status; the cloud checks it in cloud/src/fleet/status-doc.ts).
 * Small by construction: counts, a few figures, at most MAX_DOWN_IDS device ids, well
 * under STATUS_MAX_BYTES, which the sender checks before sending.
 */
export const STATUS_MAX_BYTES = 4096;
export const MAX_DOWN_IDS = 20;

export interface GatewayStatusDoc {
  v: 1;
  gatewayId: string;
  /** This gateway's wall clock at send time: the cloud compares it with its own (clock skew). */
  sentAtMs: number;
  version: string;
  uplink: { up: boolean; breaker: string };
  /** batches: pending batches; readings and alarms: not yet acknowledged by the cloud. */
  backlog: { batches: number; readings: number; alarms: number; oldestAgeS: number | null };
  quarantinedBatches: number;
  disk: { freeBytes: number | null; outageDaysLeft: number | null };
  devices: { up: number; down: number; unknown: number; downIds: string[] };
  /** Alarms raised and not cleared; null when the alarm record cannot be read. */
  alarmsActive: number | null;
}

/** The JSON to send, stamped now; device ids are dropped if the document would be too large. */
export function serializeStatus(doc: GatewayStatusDoc, nowMs: number): string {
  const stamped = { ...doc, sentAtMs: nowMs };
  const json = JSON.stringify(stamped);
  if (Buffer.byteLength(json) <= STATUS_MAX_BYTES) return json;
  return JSON.stringify({ ...stamped, devices: { ...stamped.devices, downIds: [] } });
}
