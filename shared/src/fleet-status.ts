/**
 * The status document a gateway sends to the cloud's fleet view (POST /v1/gateways/status):
 * one contract for both sides. The gateway builds it (gateway/src/fleet) and the cloud
 * checks it field by field (cloud/src/fleet/status-doc.ts). Small by construction: counts,
 * a few figures, at most MAX_DOWN_IDS device ids, well under STATUS_MAX_BYTES.
 */
export const STATUS_MAX_BYTES = 4096;
/** Device ids listed as down, at most (the counts are always complete). */
export const MAX_DOWN_IDS = 20;

export interface GatewayStatusDoc {
  v: 1;
  gatewayId: string;
  /** The gateway's wall clock when it sent the document: the cloud compares it with its own (clock skew). */
  sentAtMs: number;
  version: string;
  uplink: { up: boolean; breaker: string };
  /** batches: pending batches; readings and alarms: not yet acknowledged by the cloud. */
  backlog: { batches: number; readings: number; alarms: number; oldestAgeS: number | null };
  quarantinedBatches: number;
  disk: { freeBytes: number | null; outageDaysLeft: number | null };
  devices: { up: number; down: number; unknown: number; downIds: string[] };
  /** Alarms raised and not cleared; null when the gateway cannot read its alarm record. */
  alarmsActive: number | null;
}
