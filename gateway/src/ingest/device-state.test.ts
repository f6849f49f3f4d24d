import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeviceStates, type DeviceStateChange } from './device-state.js';

afterEach(() => vi.useRealTimers());

describe('device link state', () => {
  it('goes connected, silent after the quiet period, gone on unplug, and back', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const states = new DeviceStates(1100);
    const changes: DeviceStateChange[] = [];
    states.on('change', (c) => changes.push(c));
    states.register('spo2-1');
    states.start(100);
    states.seen('spo2-1');
    vi.advanceTimersByTime(1000);
    expect(states.snapshot()[0]!.state).toBe('connected');
    vi.advanceTimersByTime(300);
    expect(states.snapshot()[0]!.state).toBe('silent');
    states.portGone('spo2-1');
    states.portOpened('spo2-1');
    states.seen('spo2-1');
    expect(changes.map((c) => `${c.from}>${c.to}`)).toEqual(['unknown>connected', 'connected>silent', 'silent>gone', 'gone>silent', 'silent>connected']);
    expect(changes[1]!.atMs - 1_000_000).toBeGreaterThan(1100);
    expect(changes[1]!.atMs - 1_000_000).toBeLessThanOrEqual(1200);
    states.stop();
  });
});
