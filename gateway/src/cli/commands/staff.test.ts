import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../testing/sandbox.js';

const sandbox = useCliSandbox();
const { cli } = sandbox;

describe('wardlink-gateway staff', () => {
  it('adds accounts with a PIN or token shown once, lists them without secrets, and audits every change', async () => {
    await cli('init');
    const nurse = JSON.parse((await cli('staff', 'add', 'RN-4711', '--name', 'Zoë Martin', '--role', 'nurse', '--by', 'it-admin', '--json')).stdout) as { staffId: string; pin: string };
    expect(nurse).toMatchObject({ staffId: 'RN-4711', role: 'nurse', enabled: true });
    expect(nurse.pin).toMatch(/^\d{6}$/);
    const wall = await cli('staff', 'add', 'wall-1', '--name', 'ICU wall', '--role', 'display');
    expect(wall.code).toBe(0);
    const token = /token: (wlt_\S+)/.exec(wall.stdout)![1]!;
    expect(wall.stdout).toContain(`#display-token=${token}`);

    const listed = await cli('staff', 'list', '--json');
    expect(JSON.parse(listed.stdout)).toMatchObject([{ staffId: 'RN-4711', role: 'nurse' }, { staffId: 'wall-1', role: 'display' }]);
    const db = readFileSync(join(sandbox.dir, 'gateway.db'));
    for (const secret of [nurse.pin, token]) {
      expect(listed.stdout).not.toContain(secret);
      expect(db.includes(Buffer.from(secret))).toBe(false);
    }

    expect((await cli('staff', 'disable', 'RN-4711', '--by', 'charge-1')).code).toBe(0);
    const reset = JSON.parse((await cli('staff', 'reset-pin', 'wall-1', '--json')).stdout) as { token: string };
    expect(reset.token).toMatch(/^wlt_/);
    expect(reset.token).not.toBe(token);
    const audit = JSON.parse((await cli('staff', 'audit', '--json')).stdout) as { kind: string; staffId: string; detail: string | null }[];
    expect(audit.map((e) => `${e.kind}:${e.staffId}`)).toEqual(['secret-reset:wall-1', 'staff-disabled:RN-4711', 'staff-added:wall-1', 'staff-added:RN-4711']);
    expect(audit[1]!.detail).toBe('by charge-1');
    expect(audit[3]!.detail).toBe('role nurse by it-admin');
  });

  it('refuses what cannot be an account, with usage errors', async () => {
    await cli('init');
    expect((await cli('staff', 'add', 'x y', '--name', 'A', '--role', 'nurse')).code).toBe(2);
    expect((await cli('staff', 'add', 'rn', '--name', 'A', '--role', 'admin')).code).toBe(2);
    expect((await cli('staff', 'add', 'rn', '--name', 'A', '--role', 'nurse')).code).toBe(0);
    expect((await cli('staff', 'add', 'rn', '--name', 'A', '--role', 'nurse')).code).toBe(4);
    expect((await cli('staff', 'disable', 'nobody')).code).toBe(3);
    expect((await cli('staff', 'audit', '--kind', 'nope')).code).toBe(2);
  });
});
