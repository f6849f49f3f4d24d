/**
 * The status document a gateway sends (POST /v1/gateways/status, JSON, at most
 * STATUS_MAX_BYTES). Checked field by field: a wrong type or an out-of-range number is
 * refused with WL_FLEET_STATUS_INVALID naming the field. Unknown fields are ignored (a
 * newer gateway may send more) and never stored.
 */
import { MAX_DOWN_IDS, type GatewayStatusDoc } from '@wardlink/shared';
import { FleetStatusInvalidError } from './errors.js';

export { MAX_DOWN_IDS, STATUS_MAX_BYTES, type GatewayStatusDoc } from '@wardlink/shared';

type Obj = Record<string, unknown>;

function obj(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FleetStatusInvalidError(`${field} must be an object`, { field });
  return v as Obj;
}

function count(v: unknown, field: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw new FleetStatusInvalidError(`${field} must be a non-negative integer`, { field });
  return v as number;
}

function nullableNumber(v: unknown, field: string, max: number): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max) throw new FleetStatusInvalidError(`${field} must be null or a number from 0 to ${max}`, { field });
  return v;
}

function text(v: unknown, field: string, maxLength: number): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > maxLength || hasControlCharacter(v)) {
    throw new FleetStatusInvalidError(`${field} must be a printable string of 1 to ${maxLength} characters`, { field });
  }
  return v;
}

function hasControlCharacter(v: string): boolean {
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) < 0x20 || v.charCodeAt(i) === 0x7f) return true;
  return false;
}

export function parseStatusDoc(body: Buffer): GatewayStatusDoc {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch {
    throw new FleetStatusInvalidError('the body is not JSON');
  }
  const d = obj(raw, 'document');
  if (d.v !== 1) throw new FleetStatusInvalidError('v must be 1', { field: 'v' });
  const sentAtMs = d.sentAtMs;
  if (!Number.isSafeInteger(sentAtMs) || (sentAtMs as number) <= 0) throw new FleetStatusInvalidError('sentAtMs must be a positive integer (Unix ms)', { field: 'sentAtMs' });
  const uplink = obj(d.uplink, 'uplink');
  if (typeof uplink.up !== 'boolean') throw new FleetStatusInvalidError('uplink.up must be a boolean', { field: 'uplink.up' });
  const backlog = obj(d.backlog, 'backlog');
  const disk = obj(d.disk, 'disk');
  const devices = obj(d.devices, 'devices');
  const downIds = devices.downIds ?? [];
  if (!Array.isArray(downIds) || downIds.length > MAX_DOWN_IDS) throw new FleetStatusInvalidError(`devices.downIds must be a list of at most ${MAX_DOWN_IDS} ids`, { field: 'devices.downIds' });
  return {
    v: 1,
    gatewayId: text(d.gatewayId, 'gatewayId', 128),
    sentAtMs: sentAtMs as number,
    version: text(d.version, 'version', 64),
    uplink: { up: uplink.up, breaker: text(uplink.breaker, 'uplink.breaker', 16) },
    backlog: {
      batches: count(backlog.batches, 'backlog.batches'),
      readings: count(backlog.readings, 'backlog.readings'),
      alarms: count(backlog.alarms, 'backlog.alarms'),
      oldestAgeS: nullableNumber(backlog.oldestAgeS, 'backlog.oldestAgeS', 10 * 365 * 86_400),
    },
    quarantinedBatches: count(d.quarantinedBatches, 'quarantinedBatches'),
    disk: { freeBytes: nullableNumber(disk.freeBytes, 'disk.freeBytes', Number.MAX_SAFE_INTEGER), outageDaysLeft: nullableNumber(disk.outageDaysLeft, 'disk.outageDaysLeft', 100_000) },
    devices: {
      up: count(devices.up, 'devices.up'),
      down: count(devices.down, 'devices.down'),
      unknown: count(devices.unknown ?? 0, 'devices.unknown'),
      downIds: downIds.map((id, i) => text(id, `devices.downIds[${i}]`, 128)),
    },
    alarmsActive: d.alarmsActive === null ? null : count(d.alarmsActive, 'alarmsActive'),
  };
}
