/**
 * What each staff role may do on the gateway's HTTP port.
 *  - nurse: view the ward and acknowledge alarms;
 *  - charge: also pause a bed's alarm audio for a bounded time;
 *  - display: a ward wall screen, signed in once with a token: views, acknowledges nothing;
 *  - it: the operational routes (/status, /metrics), and no patient data.
 */
export const ROLES = ['nurse', 'charge', 'display', 'it'] as const;
export type Role = (typeof ROLES)[number];

export type Permission = 'view' | 'acknowledge' | 'audio-pause' | 'operate';

const GRANTS: Readonly<Record<Role, readonly Permission[]>> = {
  nurse: ['view', 'acknowledge'],
  charge: ['view', 'acknowledge', 'audio-pause'],
  display: ['view'],
  it: ['operate'],
};

export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export function permissionsOf(role: Role): readonly Permission[] {
  return GRANTS[role];
}

/** People sign in with a PIN or password they type; screens and scrapers with a token. */
export function secretKindOf(role: Role): 'pin' | 'token' {
  return role === 'display' || role === 'it' ? 'token' : 'pin';
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
