import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../testing/sandbox.js';

const sandbox = useCliSandbox();
const { cli } = sandbox;

describe('wardlink-gateway admit, discharge, admissions', () => {
  it('lists the admissions and their audit trail, with who decided', async () => {
    await cli('init');
    await cli('bed', 'add', 'bed-01');
    await cli('bed', 'add', 'bed-02');
    expect((await cli('admit', '--bed', 'bed-01', '--patient', 'P1', '--by', 'RN-4711')).code).toBe(0);
    expect((await cli('admit', '--bed', 'bed-02', '--patient', 'P1')).code).toBe(0); // moves P1
    expect((await cli('discharge', '--bed', 'bed-02')).code).toBe(0);
    expect((await cli('admit', '--bed', 'bed-01', '--patient', 'P2')).code).toBe(0);
    const list = JSON.parse((await cli('admissions', 'list', '--json')).stdout) as { source: string; admissions: unknown[] };
    expect(list).toMatchObject({ source: 'cli', admissions: [{ bedId: 'bed-01', patientId: 'P2', source: 'cli' }] });
    const history = JSON.parse((await cli('admissions', 'history', '--patient', 'P1', '--json')).stdout) as { action: string; bedId: string; reference: string | null }[];
    expect(history.map((e) => `${e.bedId}:${e.action}`).reverse()).toEqual(['bed-01:admit', 'bed-01:transfer-out', 'bed-02:admit', 'bed-02:discharge']);
    expect(history.at(-1)!.reference).toBe('RN-4711');
    expect((await cli('admissions', 'history', '--limit', '0')).code).toBe(2);
  });

  it('refuses an admission by hand when the ADT feed is the source of truth, unless overridden', async () => {
    await cli('init');
    await cli('config', 'set', 'admissions.adt.senders', '["IE"]');
    await cli('config', 'set', 'admissions.source', 'adt');
    await cli('bed', 'add', 'bed-01');
    const refused = await cli('admit', '--bed', 'bed-01', '--patient', 'P1', '--json');
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stderr)).toMatchObject({ error: { code: 'WL_USAGE' } });
    expect(refused.stderr).toContain('the hospital ADT feed');
    expect((await cli('admit', '--bed', 'bed-01', '--patient', 'P1', '--override', '--by', 'IT on call')).code).toBe(0);
    const history = JSON.parse((await cli('admissions', 'history', '--json')).stdout) as { source: string; reference: string }[];
    expect(history[0]).toMatchObject({ source: 'cli', reference: 'IT on call' });
  });

  it('refuses a config whose ADT source names no interface engine', async () => {
    await cli('init');
    const bad = await cli('config', 'set', 'admissions.source', 'adt');
    expect(bad.code).toBe(78);
    expect(bad.stderr).toMatch(/admissions.adt.senders/);
  });
});
