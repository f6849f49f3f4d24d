import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openGatewayDatabase, type GatewayDatabase } from '../db.js';
import { validate } from '../config/load.js';
import { openStaff, type StaffModule } from './index.js';

let dir: string;
let database: GatewayDatabase;
let staff: StaffModule;
let now = 1_000_000;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wl-staff-'));
  database = openGatewayDatabase(validate({}, dir));
  staff = openStaff(database.db, { now: () => now, policy: { idleMs: 60_000, maxMs: 600_000, displayMs: 86_400_000 } });
});
afterEach(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sessions', () => {
  it('stay alive with activity, end after inactivity, and end at their absolute end whatever the activity', async () => {
    const { staff: rn } = await staff.directory.add({ staffId: 'RN-1', name: 'A', role: 'nurse' });
    const { token } = staff.sessions.create(rn, '10.1.1.1');
    for (let i = 0; i < 12; i++) {
      now += 45_000; // activity every 45 s: under the 60 s idle limit
      expect('ok' in staff.sessions.lookup(token, { touch: true }), `step ${i}`).toBe(true);
    }
    now += 45_000; // 585 s after sign-in
    expect('ok' in staff.sessions.lookup(token, { touch: true })).toBe(true);
    now += 20_000; // 605 s: past maxMs although active
    expect(staff.sessions.lookup(token, { touch: true })).toEqual({ ended: 'expired' });

    const second = staff.sessions.create(rn, null).token;
    now += 30_000;
    expect('ok' in staff.sessions.lookup(second, { touch: false })).toBe(true); // a look does not count as activity
    now += 31_000;
    expect(staff.sessions.lookup(second, { touch: true })).toEqual({ ended: 'expired' });
    expect(staff.audit.list({ kind: 'session-expired' }).map((e) => e.detail)).toEqual(['inactive', 'reached its end']);
  });

  it('keep a display signed in for days without activity; a token login finds its account', async () => {
    const issued = await staff.directory.add({ staffId: 'wall', name: 'Wall', role: 'display' });
    expect(issued.kind).toBe('token');
    expect(staff.directory.byToken(issued.secret)?.staffId).toBe('wall');
    expect(staff.directory.byToken(issued.secret.slice(0, -1) + (issued.secret.endsWith('A') ? 'B' : 'A'))).toBeNull();
    const { token } = staff.sessions.create(staff.directory.byToken(issued.secret)!, null);
    now += 20 * 3_600_000;
    expect('ok' in staff.sessions.lookup(token, { touch: false })).toBe(true);
    now += 5 * 3_600_000;
    expect(staff.sessions.lookup(token, { touch: false })).toEqual({ ended: 'expired' });
  });

  it('never store a secret: not the PIN, the token nor the cookie', async () => {
    const pin = '73920146';
    const { staff: rn } = await staff.directory.add({ staffId: 'RN-2', name: 'B', role: 'charge', pin });
    const display = await staff.directory.add({ staffId: 'wall-2', name: 'W', role: 'display' });
    const { token } = staff.sessions.create(rn, null);
    const dump = JSON.stringify([...database.db.prepare('SELECT * FROM staff').all(), ...database.db.prepare('SELECT * FROM staff_sessions').all()]);
    for (const secret of [pin, display.secret, token]) expect(dump).not.toContain(secret);
    expect(await staff.directory.verifyPin('RN-2', pin)).toMatchObject({ staffId: 'RN-2', role: 'charge' });
    expect(await staff.directory.verifyPin('RN-2', '73920147')).toBeNull();
  });

  it('refuse weak chosen PINs and a PIN for a token role', async () => {
    await expect(staff.directory.add({ staffId: 'RN-3', name: 'C', role: 'nurse', pin: '1234' })).rejects.toThrow(/at least 6 digits/);
    await expect(staff.directory.add({ staffId: 'RN-3', name: 'C', role: 'nurse', pin: 'short-pw' })).rejects.toThrow(/10 characters/);
    await expect(staff.directory.add({ staffId: 'it-1', name: 'I', role: 'it', pin: '12345678' })).rejects.toThrow(/token/);
    await expect(staff.directory.add({ staffId: 'x', name: 'X', role: 'admin' })).rejects.toThrow(/role/);
  });
});
