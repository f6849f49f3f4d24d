import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../alarms/testing/manual-clock.js';
import { registerEventLoopLag } from './event-loop-lag.js';

const value = async (registry: Registry, stat: string) => (await registry.getSingleMetric(`t_nodejs_eventloop_lag_${stat}_seconds`)!.get()).values[0]?.value;

describe('event-loop lag from a 1 s timer', () => {
  it('reports how late the timer ran: 0 when on time, the stall when the loop was blocked, and keeps values between samples', async () => {
    const manual = new ManualClock(0);
    let stalledMs = 0; // how much later than due the loop gets to run the timer
    const clock = { ...manual, now: () => manual.now(), monotonicMs: () => manual.monotonicMs() + stalledMs, setTimeout: manual.setTimeout.bind(manual), setInterval: manual.setInterval.bind(manual) };
    const registry = new Registry();
    const stop = registerEventLoopLag(registry, 't_', clock);
    const clockAdvanceBy = (ms: number) => manual.advanceBy(ms);
    clockAdvanceBy(5000); // five samples, each on time
    await registry.metrics();
    expect([await value(registry, 'p99'), await value(registry, 'max')]).toEqual([0, 0]);
    stalledMs = 1500; // a 1.5 s stall delays the next sample
    clockAdvanceBy(1000);
    await registry.metrics();
    expect(await value(registry, 'max')).toBe(1.5);
    await registry.metrics(); // a scrape before the next sample
    expect(await value(registry, 'max')).toBe(1.5);
    clockAdvanceBy(2000); // on time again
    await registry.metrics();
    expect(await value(registry, 'max')).toBe(0);
    stop();
  });

  it('replaces prom-client\'s gauges of the same names', async () => {
    const registry = new Registry();
    const stop = registerEventLoopLag(registry, 't_');
    expect((await registry.getMetricsAsJSON()).filter((m) => m.name.startsWith('t_nodejs_eventloop_lag_'))).toHaveLength(7);
    stop();
  });
});
