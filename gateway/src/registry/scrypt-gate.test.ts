import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './credentials.js';
import { ConcurrencyGate, SCRYPT_CONCURRENCY, scryptGate } from './scrypt-gate.js';

/** A piece of work that ends when told to, recording how many ran at once. */
function worker(state: { running: number; most: number; order: number[] }, id: number) {
  let finish!: (v: number) => void;
  let fail!: (e: Error) => void;
  const work = () => {
    state.running++;
    state.most = Math.max(state.most, state.running);
    state.order.push(id);
    return new Promise<number>((resolve, reject) => {
      finish = (v) => {
        state.running--;
        resolve(v);
      };
      fail = (e) => {
        state.running--;
        reject(e);
      };
    });
  };
  return { work, finish: (v: number) => finish(v), fail: (e: Error) => fail(e) };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyGate', () => {
  it('runs at most its limit at once, the others in the order they came, and passes on results and failures', async () => {
    const gate = new ConcurrencyGate(2);
    const state = { running: 0, most: 0, order: [] as number[] };
    const ws = [0, 1, 2, 3, 4].map((id) => worker(state, id));
    const results = ws.map((w) => gate.run(w.work));
    await turn();
    expect(state.order).toEqual([0, 1]);
    expect(gate.queued).toBe(3);
    ws[1]!.fail(new Error('scrypt failed'));
    await expect(results[1]).rejects.toThrow('scrypt failed');
    await turn();
    expect(state.order).toEqual([0, 1, 2]); // a failure frees its slot too
    ws[0]!.finish(10);
    ws[2]!.finish(12);
    await turn();
    ws[3]!.finish(13);
    await turn();
    ws[4]!.finish(14);
    expect(await Promise.all([results[0], results[2], results[3], results[4]])).toEqual([10, 12, 13, 14]);
    expect(state.order).toEqual([0, 1, 2, 3, 4]);
    expect(state.most).toBe(2);
    expect(gate.queued).toBe(0);
    // Free again: the next runs at once.
    const again = worker(state, 5);
    const r = gate.run(again.work);
    await turn();
    expect(state.running).toBe(1);
    again.finish(15);
    expect(await r).toBe(15);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new ConcurrencyGate(0)).toThrow(RangeError);
    expect(() => new ConcurrencyGate(1.5)).toThrow(RangeError);
  });
});

describe('scrypt through the gate', () => {
  it('a burst of password checks computes at most SCRYPT_CONCURRENCY hashes at once, and every answer is right', async () => {
    const stored = await hashPassword('right');
    const checks = [0, 1, 2, 3, 4, 5].map((i) => verifyPassword(i % 2 === 0 ? 'right' : 'wrong', stored));
    // The calls reached the gate synchronously: all but SCRYPT_CONCURRENCY wait.
    expect(scryptGate.queued).toBe(6 - SCRYPT_CONCURRENCY);
    expect(await Promise.all(checks)).toEqual([true, false, true, false, true, false]);
    expect(scryptGate.queued).toBe(0);
  });
});
