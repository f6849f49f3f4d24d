import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runLiveSummary, SimulatorOptionError } from './index.js';

const START = Date.UTC(2026, 10, 29, 8, 0, 0);

function sink(): { text: () => string; write: (s: string) => void } {
  let buf = '';
  return { text: () => buf, write: (s: string) => void (buf += s) };
}

describe('runLiveSummary', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'], now: START });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prints one row a second with the sped-up ward rates, then stops at the duration', async () => {
    const out = sink();
    const seen: string[] = [];
    const done = runLiveSummary({ beds: 20, seed: 1, speed: 60, durationMs: 3_000, out, onRecord: (r) => seen.push(r.deviceId) });
    await vi.advanceTimersByTimeAsync(3_000);
    const result = await done;
    const lines = out.text().trimEnd().split('\n');
    expect(lines[0]).toMatch(/beds +rec\/s +read\/s +episode +sensor-off +silent +demo/);
    expect(lines).toHaveLength(5);
    expect(result.rows).toBe(3);
    expect(result.simulatedMs).toBe(180_000);
    expect(result.records).toBe(seen.length);
    expect(result.records).toBeGreaterThan(20 * 180 * 0.95);
    expect(result.readings / result.records).toBeGreaterThan(6);
    const row = lines[2]!.trim().split(/ +/);
    expect(row[0]).toBe('2026-11-29');
    expect(row[1]).toBe('08:02:00');
    expect(Number(row[2])).toBe(20);
    expect(Number(row[3])).toBeGreaterThan(1_100); // 20 beds * 60 sim s per real s
    expect(lines[4]).toMatch(/^done: \d+ records, \d+ readings over 180 simulated s$/);
  });

  it('stops cleanly when aborted, and rejects a bad speed', async () => {
    const out = sink();
    const controller = new AbortController();
    const done = runLiveSummary({ beds: 5, seed: 2, speed: 1, out, signal: controller.signal, startMs: START });
    await vi.advanceTimersByTimeAsync(2_000);
    controller.abort();
    const result = await done;
    expect(result.rows).toBe(2);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(out.text().trimEnd().split('\n')).toHaveLength(4);
    expect(() => runLiveSummary({ beds: 5, seed: 2, speed: 0, out })).toThrow(SimulatorOptionError);
  });
});
