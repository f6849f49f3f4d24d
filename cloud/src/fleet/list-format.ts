/** `wardlink-cloud gateway list`, one row per gateway: its registration and, from its
 * latest status, what IT looks at first (fleet/view.ts has the figures). */
import type { GatewayRecord } from '../api/auth/gateway-store.js';
import type { FleetGateway } from './view.js';

export interface GatewayListRow {
  gatewayId: string;
  hospitalId: string;
  wardId: string;
  tokenPrefix: string;
  status: 'active' | 'revoked';
  createdAt: Date;
  state: FleetGateway['state'];
  lastSeen: string | null;
  version: string | null;
  /** "<batches> b / <readings> r, oldest <s> s" */
  backlog: string | null;
  skewS: number | null;
  diskDaysLeft: number | null;
  devices: string | null;
  alarms: number | null;
  quarantined: number | null;
  fleet: FleetGateway;
}

function ago(s: number | null): string | null {
  if (s === null) return null;
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

export function gatewayListRow(g: GatewayRecord, f: FleetGateway): GatewayListRow {
  const b = f.backlog;
  return {
    gatewayId: g.gatewayId,
    hospitalId: g.hospitalId,
    wardId: g.wardId,
    tokenPrefix: g.tokenPrefix,
    status: g.revokedAt ? 'revoked' : 'active',
    createdAt: g.createdAt,
    state: f.state,
    lastSeen: ago(f.lastSeenAgeS),
    version: f.version,
    backlog: b ? `${b.batches} b / ${b.readings} r` + (b.oldestAgeS === null ? '' : `, oldest ${Math.round(b.oldestAgeS)} s`) : null,
    skewS: f.clockSkewS,
    diskDaysLeft: f.disk?.outageDaysLeft ?? null,
    devices: f.devices ? `${f.devices.up} up / ${f.devices.down} down` : null,
    alarms: f.alarmsActive,
    quarantined: f.quarantinedBatches,
    fleet: f,
  };
}

export const GATEWAY_LIST_COLUMNS = ['gatewayId', 'hospitalId', 'wardId', 'tokenPrefix', 'status', 'state', 'lastSeen', 'version', 'backlog', 'skewS', 'diskDaysLeft', 'devices', 'alarms', 'quarantined'] as const;
