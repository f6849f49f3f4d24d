/**
 * Process figures of `pnpm bench cloud-ingest` read from /proc: CPU time of a process and
 * of every process of the embedded cluster, and a process's peak RSS. Apart from the
 * bench's run because the CPU probe (_cloud-ingest-cpu.ts) and the read-path benches use them too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** CPU time (user + system) of a process, in ms; 0 when it is gone. */
export function cpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** utime + stime of a /proc stat file (a process's or one thread's), in ms; 0 when gone. */
function statCpuMs(statPath: string): number {
  try {
    const fields = readFileSync(statPath, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return 0;
  }
}

/** CPU time of each process of the embedded cluster (the postmaster and its children). */
export function clusterCpu(pgDir: string | undefined): Map<number, number> | undefined {
  if (!pgDir) return undefined;
  const postmaster = Number(readFileSync(join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return new Map([postmaster, ...children].map((pid) => [pid, cpuMs(pid)]));
}

/** CPU ms the cluster spent between two snapshots (sessions that ended in between are lost). */
export function clusterCpuSince(before: Map<number, number> | undefined, pgDir: string | undefined): number {
  const after = clusterCpu(pgDir);
  if (!before || !after) return Number.NaN;
  let sum = 0;
  for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
  return sum;
}

export function peakRssMb(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/**
 * CPU ms of a process split into its main thread (the event loop, what a --cpu-prof
 * profile shows) and its other threads (V8's compiler and GC helpers, libuv's pool),
 * which /proc/<pid>/stat counts too and a profile never shows.
 */
export function threadCpuMs(pid: number): { main: number; others: number } {
  let others = 0;
  let main = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const ms = statCpuMs(`/proc/${pid}/task/${tid}/stat`);
      if (Number(tid) === pid) main = ms;
      else others += ms;
    }
  } catch {
    // gone
  }
  return { main, others };
}
