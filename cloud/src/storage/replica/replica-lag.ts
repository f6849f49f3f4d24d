/**
 * The replica's replay lag in time, from WAL positions only, so neither an idle primary
 * nor a clock difference between the machines can distort it.
 *
 * Each check samples the primary's current WAL position with the time it was read. The
 * replica is `lag` behind when the oldest sampled position it has not replayed yet was
 * sampled `lag` ago: everything written before that moment is visible on the replica.
 * Resolution is the check interval; a replica that has replayed the primary's current
 * position has no lag at all.
 *
 * (`now() - pg_last_xact_replay_timestamp()` is the usual alternative, but it grows
 * without bound while the primary is idle, and would send reads to the primary for a
 * replica that is fully caught up.)
 */

/** A pg_lsn such as "16/B374D848" as a number of bytes. */
export function parseLsn(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  if (hi === undefined || lo === undefined || !/^[0-9A-Fa-f]+$/.test(hi) || !/^[0-9A-Fa-f]+$/.test(lo)) throw new RangeError(`not a pg_lsn: ${lsn}`);
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

interface Sample {
  atMs: number;
  lsn: bigint;
}

export interface LagReading {
  lagMs: number;
  lagBytes: number;
}

export class LagEstimator {
  private samples: Sample[] = [];

  constructor(private readonly maxSamples = 10_000) {}

  /** Records the primary's position `primaryLsn` read at `atMs`, and the replica's
   * replayed position; returns the replica's lag. */
  observe(atMs: number, primaryLsn: bigint, replayLsn: bigint): LagReading {
    const last = this.samples.at(-1);
    if (!last || primaryLsn > last.lsn) this.samples.push({ atMs, lsn: primaryLsn });
    // Positions the replica has replayed are no longer needed to date its lag.
    const firstUnreplayed = this.samples.findIndex((s) => s.lsn > replayLsn);
    this.samples = firstUnreplayed === -1 ? this.samples.slice(-1) : this.samples.slice(firstUnreplayed);
    if (this.samples.length > this.maxSamples) this.samples = this.samples.slice(-this.maxSamples);
    const oldest = this.samples[0]!;
    const behind = oldest.lsn > replayLsn;
    return {
      lagMs: behind ? Math.max(0, atMs - oldest.atMs) : 0,
      lagBytes: primaryLsn > replayLsn ? Number(primaryLsn - replayLsn) : 0,
    };
  }

  /** Forgets the history (the replica was down: its position is unknown). */
  reset(): void {
    this.samples = [];
  }
}
