/**
 * Serializing the fleet status document (its contract: shared/src/fleet-status.ts);
 * the sender checks STATUS_MAX_BYTES before sending.
 */
import { STATUS_MAX_BYTES, type GatewayStatusDoc } from '@wardlink/shared';

export { MAX_DOWN_IDS, STATUS_MAX_BYTES, type GatewayStatusDoc } from '@wardlink/shared';

/** The JSON to send, stamped now; device ids are dropped if the document would be too large. */
export function serializeStatus(doc: GatewayStatusDoc, nowMs: number): string {
  const stamped = { ...doc, sentAtMs: nowMs };
  const json = JSON.stringify(stamped);
  if (Buffer.byteLength(json) <= STATUS_MAX_BYTES) return json;
  return JSON.stringify({ ...stamped, devices: { ...stamped.devices, downIds: [] } });
}
