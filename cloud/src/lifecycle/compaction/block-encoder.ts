/**
 * Packs one series' readings of one hour into a vital_blocks row (migration 008 explains
 * the layout, and vital_block_rows() is its decoder in SQL). Every choice here is checked
 * to be lossless before it is taken: a block decodes to exactly the rows it was made of,
 * to the microsecond and to the float4 bit pattern, or the encoder takes the wider form.
 */

/** The readings of one series (one hospital, patient, metric, gateway, device, bed) in
 * one hour, sorted by time with no two at the same time. */
export interface SeriesReadings {
  /** Microseconds since the Unix epoch (exact in a double up to the year 2255). */
  readonly tUs: ArrayLike<number>;
  readonly receivedUs: ArrayLike<number>;
  readonly batchSeq: ArrayLike<number>;
  readonly value: ArrayLike<number>;
  readonly flags: ArrayLike<number>;
  /** The readings are [start, end) of the arrays above. */
  readonly start: number;
  readonly end: number;
}

export interface EncodedBlock {
  blockStartUs: number;
  tFirstUs: number;
  tLastUs: number;
  seqFirst: number;
  n: number;
  tUnitUs: 1 | 1_000 | 1_000_000;
  lagUnitUs: 1 | 1_000;
  vScale: 0 | 1 | 10 | 100 | 1_000 | 10_000;
  nFlagged: number;
  nMeasured: number;
  vMin: number | null;
  vMax: number | null;
  vSum: number | null;
  /** Exactly one of dt / dt64 is set; likewise lag16 / lag64 and dv / vRaw. */
  dt: number[] | null;
  dt64: number[] | null;
  dv: number[] | null;
  vRaw: number[] | null;
  /** null: every flag is 0. */
  flags: number[] | null;
  lag16: number[] | null;
  lag64: number[] | null;
  /** null: the whole block came in one batch. */
  dseq: number[] | null;
}

export const HOUR_US = 3_600_000_000;
const INT4_MAX = 2_147_483_647;
const INT2_MAX = 32_767;
const SCALES = [1, 10, 100, 1_000, 10_000] as const;

/** The UTC hour holding t (the same as date_bin('1 hour', t, '2000-01-03 00:00Z')). */
export function hourOf(tUs: number): number {
  return Math.floor(tUs / HOUR_US) * HOUR_US;
}

/**
 * Encodes readings [start, end) of `s`, which must be sorted by time, unique in time and
 * all in one UTC hour. `aggMask`: flags that mean "not physiology" (the report aggregates
 * leave those readings out of min, max and sum).
 */
export function encodeBlock(s: SeriesReadings, aggMask: number): EncodedBlock {
  const { start, end } = s;
  const n = end - start;
  if (n <= 0) throw new RangeError('a block needs at least one reading');
  const tFirst = s.tUs[start]!;
  const tLast = s.tUs[end - 1]!;
  if (hourOf(tFirst) !== hourOf(tLast)) throw new RangeError('a block holds one UTC hour');

  const tUnitUs = coarsestUnit(s.tUs, start, end, tFirst, [1_000_000, 1_000, 1]) as EncodedBlock['tUnitUs'];
  const dts: number[] = new Array(n);
  let dtFitsInt4 = true;
  for (let i = 0; i < n; i++) {
    const d = i === 0 ? 0 : (s.tUs[start + i]! - s.tUs[start + i - 1]!) / tUnitUs;
    if (d <= 0 && i > 0) throw new RangeError('readings of a block must be strictly increasing in time');
    if (d > INT4_MAX) dtFitsInt4 = false;
    dts[i] = d;
  }

  const lagUnitUs = lagUnit(s);
  const lags: number[] = new Array(n);
  let lagFitsInt2 = true;
  for (let i = 0; i < n; i++) {
    const lag = (s.receivedUs[start + i]! - s.tUs[start + i]!) / lagUnitUs;
    if (lag > INT2_MAX || lag < -INT2_MAX - 1) lagFitsInt2 = false;
    lags[i] = lag;
  }

  const seqFirst = s.batchSeq[start]!;
  let oneBatch = true;
  const dseq: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const d = i === 0 ? 0 : s.batchSeq[start + i]! - s.batchSeq[start + i - 1]!;
    if (d !== 0) oneBatch = false;
    dseq[i] = d;
  }

  let anyFlag = false;
  const flags: number[] = new Array(n);
  let nFlagged = 0;
  let nMeasured = 0;
  let vMin = Infinity;
  let vMax = -Infinity;
  let vSum = 0;
  for (let i = 0; i < n; i++) {
    const f = s.flags[start + i]!;
    flags[i] = f;
    if (f !== 0) {
      anyFlag = true;
      nFlagged++;
    }
    if ((f & aggMask) === 0) {
      const v = s.value[start + i]!;
      nMeasured++;
      if (v < vMin) vMin = v;
      if (v > vMax) vMax = v;
      vSum += v;
    }
  }

  const values = quantize(s);
  return {
    blockStartUs: hourOf(tFirst),
    tFirstUs: tFirst,
    tLastUs: tLast,
    seqFirst,
    n,
    tUnitUs,
    lagUnitUs,
    vScale: values.scale,
    nFlagged,
    nMeasured,
    vMin: nMeasured > 0 ? vMin : null,
    vMax: nMeasured > 0 ? vMax : null,
    vSum: nMeasured > 0 ? vSum : null,
    dt: dtFitsInt4 ? dts : null,
    dt64: dtFitsInt4 ? null : dts,
    dv: values.dv,
    vRaw: values.raw,
    flags: anyFlag ? flags : null,
    lag16: lagFitsInt2 ? lags : null,
    lag64: lagFitsInt2 ? null : lags,
    dseq: oneBatch ? null : dseq,
  };
}

/** The largest unit that divides every time's distance from the first. */
function coarsestUnit(tUs: ArrayLike<number>, start: number, end: number, origin: number, units: readonly number[]): number {
  for (const unit of units) {
    let ok = true;
    for (let i = start; i < end && ok; i++) ok = (tUs[i]! - origin) % unit === 0;
    if (ok) return unit;
  }
  return 1;
}

function lagUnit(s: SeriesReadings): 1 | 1_000 {
  for (let i = s.start; i < s.end; i++) if ((s.receivedUs[i]! - s.tUs[i]!) % 1_000 !== 0) return 1;
  return 1_000;
}

/**
 * Values as integer steps of 1/scale for the smallest scale that reproduces every float4
 * exactly, or the raw values when none does (a value with more digits than a monitor
 * sends, or beyond int4 once scaled).
 */
function quantize(s: SeriesReadings): { scale: EncodedBlock['vScale']; dv: number[] | null; raw: number[] | null } {
  const n = s.end - s.start;
  outer: for (const scale of SCALES) {
    const dv: number[] = new Array(n);
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const v = s.value[s.start + i]!;
      if (Object.is(v, -0)) continue outer; // an integer has no -0: keep the float4 as sent
      const q = Math.round(v * scale);
      if (!Number.isFinite(q) || Math.abs(q) > INT4_MAX || !Object.is(Math.fround(q / scale), v)) continue outer;
      const d = q - prev;
      if (Math.abs(d) > INT4_MAX) continue outer;
      dv[i] = d;
      prev = q;
    }
    return { scale, dv, raw: null };
  }
  const raw: number[] = new Array(n);
  for (let i = 0; i < n; i++) raw[i] = s.value[s.start + i]!;
  return { scale: 0, dv: null, raw };
}
