/**
 * The figures of `pnpm bench gateway-footprint` from its phase marks, and the issue's
 * targets. Every per-reading figure divides a process counter's growth between two marks
 * by the readings the gateway committed between the same marks.
 */
import { percentile, type ProcSample, type ProcSampler } from './_footprint-proc.js';

export const TARGETS = {
  rss_mb_p99: 120,
  rss_mb_max: 160,
  cpu_us_per_reading: 20,
  disk_write_bytes_per_reading: 40,
  startup_ms: 1500,
  idle_cpu_percent: 0.5,
} as const;

/** A phase boundary: the process's counters and the readings committed so far. */
export interface Mark {
  proc: ProcSample;
  readings: number;
}

export type FootprintFigures = Record<string, number | string | boolean | null | Record<string, boolean>>;

const r = (v: number, digits = 1) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : null);

function perReading(from: Mark, to: Mark, key: 'cpuUs' | 'sysUs' | 'mainThreadUs' | 'writeBytes'): number {
  return (to.proc[key] - from.proc[key]) / Math.max(1, to.readings - from.readings);
}

export function loadFigures(m: { steady: Mark; outage: Mark; drain: Mark; drained: Mark }, sampler: ProcSampler): FootprintFigures {
  const run = sampler.rssMb(['steady', 'outage', 'drain']);
  return {
    rss_mb_p99: r(percentile(run, 99)),
    rss_mb_max: r(Math.max(...sampler.rssMb(['warm-up', 'steady', 'outage', 'drain', 'disconnect', 'settle', 'idle']))),
    rss_mb_p50: r(percentile(run, 50)),
    cpu_us_per_reading: r(perReading(m.steady, m.drained, 'cpuUs'), 2),
    cpu_us_per_reading_steady: r(perReading(m.steady, m.outage, 'cpuUs'), 2),
    cpu_us_per_reading_outage: r(perReading(m.outage, m.drain, 'cpuUs'), 2),
    cpu_us_per_reading_drain: r(perReading(m.drain, m.drained, 'cpuUs'), 2),
    // Where the CPU per reading goes (steady start to drain end, as cpu_us_per_reading).
    cpu_sys_us_per_reading: r(perReading(m.steady, m.drained, 'sysUs'), 2),
    cpu_main_thread_us_per_reading: r(perReading(m.steady, m.drained, 'mainThreadUs'), 2),
    disk_write_bytes_per_reading: r(perReading(m.steady, m.drained, 'writeBytes'), 2),
    disk_write_bytes_per_reading_steady: r(perReading(m.steady, m.outage, 'writeBytes'), 2),
    disk_write_bytes_per_reading_outage: r(perReading(m.outage, m.drain, 'writeBytes'), 2),
    disk_write_bytes_per_reading_drain: r(perReading(m.drain, m.drained, 'writeBytes'), 2),
    readings_steady: m.outage.readings - m.steady.readings,
    readings_outage: m.drain.readings - m.outage.readings,
    readings_drain: m.drained.readings - m.drain.readings,
    readings_per_s_steady: r(((m.outage.readings - m.steady.readings) * 1000) / (m.outage.proc.atMs - m.steady.proc.atMs)),
  };
}

export function idleCpuPercent(from: ProcSample, to: ProcSample): number {
  return (100 * (to.cpuUs - from.cpuUs)) / ((to.atMs - from.atMs) * 1000);
}

export function targetsMet(f: FootprintFigures): Record<string, boolean> {
  const met: Record<string, boolean> = {};
  for (const [key, limit] of Object.entries(TARGETS)) met[key] = typeof f[key] === 'number' && f[key] <= limit;
  return met;
}
