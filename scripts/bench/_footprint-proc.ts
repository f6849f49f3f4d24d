/**
 * What the kernel says a process costs, sampled once a second for `pnpm bench
 * gateway-footprint`: resident memory (/proc/<pid>/status VmRSS), CPU time (utime + stime
 * of /proc/<pid>/stat, every thread, the commit worker included; the system share and
 * the main thread's share apart) and the bytes it dirtied
 * for the disk (/proc/<pid>/io write_bytes: WAL, checkpoints and the outbox alike).
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of utime/stime (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

export interface ProcSample {
  atMs: number;
  phase: string;
  rssKb: number;
  /** user + system CPU, microseconds. */
  cpuUs: number;
  /** Of which system (kernel) time: syscalls, page faults, the I/O the writes start. */
  sysUs: number;
  /** Of which the main thread's (tid = pid), user + system: the event loop; the rest is
   * the commit worker, libuv's pool (the WAL fsync) and V8's GC helpers. */
  mainThreadUs: number;
  writeBytes: number;
}

/** One reading of the process's counters; null once it has exited. */
export function readProc(pid: number): Omit<ProcSample, 'atMs' | 'phase'> | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const main = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const mainFields = main.slice(main.lastIndexOf(')') + 2).split(' ');
    return {
      rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0),
      cpuUs: ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / TICKS_PER_S,
      sysUs: (Number(fields[12]) * 1_000_000) / TICKS_PER_S,
      mainThreadUs: ((Number(mainFields[11]) + Number(mainFields[12])) * 1_000_000) / TICKS_PER_S,
      writeBytes: Number(/^write_bytes:\s+(\d+)/m.exec(io)?.[1] ?? 0),
    };
  } catch {
    return null;
  }
}

/** Samples one process every `intervalMs`, each sample labelled with the current phase. */
export class ProcSampler {
  readonly samples: ProcSample[] = [];
  private phase = 'start';
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly pid: number, private readonly intervalMs = 1000) {}

  start(): void {
    this.take();
    this.timer = setInterval(() => this.take(), this.intervalMs);
  }

  /** Enters a phase; returns the sample taken at its start (counters are cumulative). */
  enter(phase: string): ProcSample | null {
    this.phase = phase;
    return this.take();
  }

  /** Takes a sample now (also the end mark of a phase). */
  take(): ProcSample | null {
    const s = readProc(this.pid);
    if (!s) return null;
    const sample = { atMs: performance.now(), phase: this.phase, ...s };
    this.samples.push(sample);
    return sample;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  rssMb(phases: readonly string[]): number[] {
    return this.samples.filter((s) => phases.includes(s.phase)).map((s) => s.rssKb / 1024);
  }
}

/** The p-th percentile (0-100) by nearest rank; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
