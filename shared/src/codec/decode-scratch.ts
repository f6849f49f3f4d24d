/**
 * The payload decoder's reusable arrays for one series' times and flags. Kept apart from
 * decode-payload.ts because it is module state (one set, shared by every decode): decoding
 * is synchronous, so one set serves every series of every batch in turn.
 */

export interface SeriesScratch {
  deviceTimes: Float64Array;
  receivedTimes: Float64Array;
  flags: Uint8Array;
}

const SCRATCH_MAX = 65_536;
let scratch: SeriesScratch = newScratch(1024);

function newScratch(size: number): SeriesScratch {
  return { deviceTimes: new Float64Array(size), receivedTimes: new Float64Array(size), flags: new Uint8Array(size) };
}

/**
 * One series' times and flags, decoded before its readings are built. Reused across
 * series and batches (decoding is synchronous) so a batch allocates little besides its
 * readings; an unusually long series gets arrays of its own instead of growing ours.
 */
export function scratchFor(count: number): SeriesScratch {
  if (count <= scratch.flags.length) return scratch;
  if (count > SCRATCH_MAX) return newScratch(count);
  scratch = newScratch(SCRATCH_MAX);
  return scratch;
}
