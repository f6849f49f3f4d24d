/**
 * The callers of BufferWriter.flush() waiting for every append made before their call to
 * be settled. Kept apart from writer.ts, which only says, after each commit, how old the
 * oldest unsettled append is; resolving the waiters older than it is done here.
 */
export class FlushWaiters {
  private waiters: { seq: number; resolve: () => void }[] = [];

  get empty(): boolean {
    return this.waiters.length === 0;
  }

  /** Resolves once every append up to `seq` (an arrival number) is settled. */
  wait(seq: number): Promise<void> {
    return new Promise<void>((resolve) => this.waiters.push({ seq, resolve }));
  }

  /** Resolves the waiters whose appends are all older than `oldestUnsettledSeq`. */
  settleBefore(oldestUnsettledSeq: number): void {
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.seq < oldestUnsettledSeq) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }
}
