/**
 * What `wardlink-gateway doctor` reports: one result per check, each OK, WARN or FAIL,
 * with a stable code (scripts and the install guide branch on it, never on the text) and,
 * unless it is OK, the one thing to do about it.
 */

export type CheckStatus = 'OK' | 'WARN' | 'FAIL';

/** The stable code of every check. A new check adds a code; a code never changes meaning. */
export const CHECK_CODES = [
  'config',
  'daemon',
  'database',
  'port.http',
  'port.mqtt',
  'port.mqtt-tls',
  'port.hl7',
  'port.hl7-tls',
  'serial.port',
  'buffer.disk',
  'clock.sync',
  'clock.skew',
  'cloud.reach',
  'cloud.tls',
  'cloud.token',
  'device.seen',
] as const;
export type CheckCode = (typeof CHECK_CODES)[number];

export interface CheckResult {
  code: CheckCode;
  status: CheckStatus;
  /** What the check is about when one code covers several things (a device id, a port). */
  subject: string | null;
  /** What was found, in one line. */
  detail: string;
  /** What to do; null when the check is OK. */
  remedy: string | null;
  /** Figures behind the verdict, for --json readers (ports, bytes, days, seconds). */
  data?: Record<string, unknown>;
}

export interface DoctorReport {
  gatewayId: string | null;
  configPath: string;
  /** The worst status of all checks. */
  status: CheckStatus;
  counts: Record<CheckStatus, number>;
  checks: CheckResult[];
}

type Extra = { subject?: string | null; data?: Record<string, unknown> };

export function ok(code: CheckCode, detail: string, extra: Extra = {}): CheckResult {
  return { code, status: 'OK', subject: extra.subject ?? null, detail, remedy: null, ...(extra.data ? { data: extra.data } : {}) };
}

export function warn(code: CheckCode, detail: string, remedy: string, extra: Extra = {}): CheckResult {
  return { code, status: 'WARN', subject: extra.subject ?? null, detail, remedy, ...(extra.data ? { data: extra.data } : {}) };
}

export function fail(code: CheckCode, detail: string, remedy: string, extra: Extra = {}): CheckResult {
  return { code, status: 'FAIL', subject: extra.subject ?? null, detail, remedy, ...(extra.data ? { data: extra.data } : {}) };
}

const RANK: Record<CheckStatus, number> = { OK: 0, WARN: 1, FAIL: 2 };

export function summarize(gatewayId: string | null, configPath: string, checks: CheckResult[]): DoctorReport {
  const counts: Record<CheckStatus, number> = { OK: 0, WARN: 0, FAIL: 0 };
  for (const c of checks) counts[c.status] += 1;
  const status = checks.reduce<CheckStatus>((worst, c) => (RANK[c.status] > RANK[worst] ? c.status : worst), 'OK');
  return { gatewayId, configPath, status, counts, checks };
}
