/**
 * The event loop's delay as gauges (`<prefix>nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds`,
 * the names prom-client gives them), from a 1 s timer: each sample is how late the timer
 * ran, and a scrape reports the samples since the previous one.
 *
 * prom-client measures them with a native histogram sampling every 10 ms, which woke an
 * idle gateway 100 times a second: about half its idle CPU (issue 18). Its resolution
 * cannot simply be raised: each sample is then the whole interval (~1 s at idle), which
 * reads as a stalled loop. These gauges report the delay past the interval (~0 when idle).
 * A stall shows whenever it delays the timer: one of a second or more always does, a
 * shorter one in proportion to its length. `nodejs_eventloop_lag_seconds` (prom-client's,
 * measured at each scrape) is unchanged.
 */
import { systemClock, type Clock } from '@wardlink/shared';
import { Gauge, type Registry } from 'prom-client';

export const EVENT_LOOP_SAMPLE_MS = 1000;
/** prom-client's own histogram, whose gauges are replaced: sampled this rarely, it costs nothing. */
export const PROM_CLIENT_EVENT_LOOP_PRECISION_MS = 60_000;

const STATS = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'] as const;
/** Samples kept between two scrapes at most: the last hour (a scraper that stopped cannot grow it). */
const MAX_SAMPLES = 3600;

function statsOf(delaysMs: number[]): number[] {
  const sorted = [...delaysMs].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((s, v) => s + v, 0) / n;
  const stddev = Math.sqrt(sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  const at = (p: number) => sorted[Math.min(n - 1, Math.ceil((p / 100) * n) - 1)]!;
  return [sorted[0]!, sorted[n - 1]!, mean, stddev, at(50), at(90), at(99)].map((ms) => ms / 1000);
}

/** Replaces prom-client's event-loop delay gauges in `registry`; returns a stop function. */
export function registerEventLoopLag(registry: Registry, prefix: string, clock: Clock = systemClock): () => void {
  const names = STATS.map((s) => `${prefix}nodejs_eventloop_lag_${s}_seconds`);
  for (const name of names) registry.removeSingleMetric(name);
  let delays: number[] = [];
  let last = clock.monotonicMs();
  const timer = clock
    .setInterval(() => {
      const now = clock.monotonicMs();
      if (delays.length >= MAX_SAMPLES) delays.shift(); // the newest matter: drop the oldest
      delays.push(Math.max(0, now - last - EVENT_LOOP_SAMPLE_MS));
      last = now;
    }, EVENT_LOOP_SAMPLE_MS)
    .unref();
  const gauges: Gauge[] = [];
  // The first of the seven is collected first: it sets all seven, then starts a new set.
  const collect = (): void => {
    if (delays.length === 0) return; // no sample since the last scrape: keep the last values
    statsOf(delays).forEach((v, i) => gauges[i]!.set(v));
    delays = [];
  };
  STATS.forEach((s, i) => {
    const help = `How late the event loop ran a ${EVENT_LOOP_SAMPLE_MS} ms timer since the last scrape, ${s}, seconds`;
    gauges.push(new Gauge({ name: names[i]!, help, registers: [registry], ...(i === 0 ? { collect } : {}) }));
  });
  return () => timer.cancel();
}
