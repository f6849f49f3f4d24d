/**
 * Walks one bed's emitted records within a device-time window [fromMs, toMs). Each
 * device's record times increase strictly (jitter is far below the 1 s period), so the
 * walk stops at the first tick at or past `toMs`.
 */
import { firstTickNear } from './device-clock.js';
import type { BedTraits } from './beds.js';
import { CHUNK_TICKS, type SeriesCache, type SeriesChunk } from './series.js';

export class BedCursor {
  /** The current record's tick, chunk and row within the chunk (valid after next()). */
  tick: number;
  chunk: SeriesChunk | null = null;
  row = 0;
  timeMs = 0;

  constructor(
    private readonly cache: SeriesCache,
    readonly bed: BedTraits,
    startMs: number,
    private readonly fromMs: number,
    private readonly toMs: number,
  ) {
    this.tick = firstTickNear(startMs, bed.clock, fromMs) - 1;
  }

  /** Moves to the next emitted record in the window; false when there is none. */
  next(): boolean {
    for (;;) {
      const tick = this.tick + 1;
      const chunkIndex = Math.floor(tick / CHUNK_TICKS);
      if (this.chunk === null || this.chunk.firstTick !== chunkIndex * CHUNK_TICKS) {
        this.chunk = this.cache.chunk(this.bed.index, chunkIndex);
      }
      const row = tick - this.chunk.firstTick;
      const timeMs = this.chunk.timeMs[row]!;
      if (timeMs >= this.toMs) return false;
      this.tick = tick;
      if (timeMs < this.fromMs || this.chunk.present[row] === 0) continue;
      this.row = row;
      this.timeMs = timeMs;
      return true;
    }
  }
}
