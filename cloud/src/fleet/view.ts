/**
 * One gateway as the fleet view shows it (the route's JSON and `gateway list`): its
 * registration joined with its latest status, ages taken at `nowMs`. Two queries joined
 * here rather than a SQL outer join of the gateways reference table with the distributed
 * gateway_status, which Citus may refuse.
 */
import type pg from 'pg';
import { listGateways, type GatewayRecord } from '../api/auth/gateway-store.js';
import { loadStatuses, type StoredStatus } from './store.js';
import { fleetState, SILENT_AFTER_S, type FleetState } from './thresholds.js';

export interface FleetGateway {
  hospitalId: string;
  gatewayId: string;
  wardId: string;
  revoked: boolean;
  lastSeenAt: string | null;
  lastSeenAgeS: number | null;
  version: string | null;
  backlog: { batches: number; readings: number; alarms: number; oldestAgeS: number | null } | null;
  clockSkewS: number | null;
  disk: { freeBytes: number | null; outageDaysLeft: number | null } | null;
  devices: { up: number; down: number; unknown: number; downIds: string[] } | null;
  alarmsActive: number | null;
  quarantinedBatches: number | null;
  uplinkUp: boolean | null;
  state: FleetState;
}

export function fleetGateway(g: GatewayRecord, s: StoredStatus | undefined, nowMs: number, silentAfterS = SILENT_AFTER_S): FleetGateway {
  const lastSeenAgeS = s ? Math.max(0, Math.round((nowMs - s.receivedAt.getTime()) / 1000)) : null;
  const clockSkewS = s ? Math.round(s.clockSkewMs / 100) / 10 : null;
  const d = s?.status;
  return {
    hospitalId: g.hospitalId,
    gatewayId: g.gatewayId,
    wardId: g.wardId,
    revoked: g.revokedAt !== null,
    lastSeenAt: s ? s.receivedAt.toISOString() : null,
    lastSeenAgeS,
    version: d?.version ?? null,
    backlog: d ? d.backlog : null,
    clockSkewS,
    disk: d ? d.disk : null,
    devices: d ? d.devices : null,
    alarmsActive: d?.alarmsActive ?? null,
    quarantinedBatches: d ? d.quarantinedBatches : null,
    uplinkUp: d ? d.uplink.up : null,
    state: fleetState({ lastSeenAgeS, backlogOldestAgeS: d?.backlog.oldestAgeS ?? null, clockSkewS }, silentAfterS),
  };
}

/** The gateways (of one hospital) with their latest status. */
export async function loadFleet(db: pg.Pool | pg.PoolClient, opts: { hospitalId?: string | undefined; nowMs: number; silentAfterS?: number }): Promise<FleetGateway[]> {
  const [gateways, statuses] = await Promise.all([listGateways(db, opts.hospitalId), loadStatuses(db, { hospitalId: opts.hospitalId })]);
  const byId = new Map(statuses.map((s) => [`${s.hospitalId}\u0000${s.gatewayId}`, s]));
  return gateways.map((g) => fleetGateway(g, byId.get(`${g.hospitalId}\u0000${g.gatewayId}`), opts.nowMs, opts.silentAfterS));
}
