/**
 * `pnpm bench codec [--quick]`: the batch wire codec on a realistic 50-bed ward at 1 Hz,
 * 1 h (5 min with --quick), cut into batches of 1 s, 10 s and 60 s.
 *
 * Figures: bytes per reading for each batch length (10 s is the headline), the naive
 * baseline (the same readings as JSON objects, gzipped, per 10 s batch), the ratio, and
 * encode/decode throughput on one core over the 10 s batches of the first 5 minutes. A survey of the
 * compressors on the first 5 minutes backs the choice documented in
 * shared/src/codec/compression.ts.
 */
import zlib from 'node:zlib';
import { isDeepStrictEqual } from 'node:util';
import { canonicalizeBatch, decodeBatch, DEFAULT_COMPRESSION, encodeBatch, type Batch, type EncodeOptions, type Reading } from '@wardlink/shared';
import { createWard } from '@wardlink/simulator';
import type { BenchFigures, BenchOptions } from './run.js';

const BEDS = 50;
const START_MS = Date.UTC(2025, 0, 6, 8);
const GATEWAY_ID = 'gw-bench-01';
const CHUNK_MS = 60_000;

interface ReadingSource {
  name: string;
  readingsBetween(fromMs: number, toMs: number): Reading[];
}

/** The ward simulator's readings. */
function wardSource(): ReadingSource {
  const ward = createWard({ beds: BEDS, seed: 1, startMs: START_MS, gatewayId: GATEWAY_ID });
  return { name: 'simulator', readingsBetween: (a, b) => ward.readingsBetween(a, b) };
}

/** Cuts a chunk of readings (any order) into batches of `batchMs` by device time. */
function batchesOf(readings: readonly Reading[], fromMs: number, toMs: number, batchMs: number, seq: { next: number }): Batch[] {
  const buckets: Reading[][] = Array.from({ length: Math.ceil((toMs - fromMs) / batchMs) }, () => []);
  for (const r of readings) buckets[Math.min(buckets.length - 1, Math.max(0, Math.floor((r.deviceTimeMs - fromMs) / batchMs)))]!.push(r);
  return buckets.map((bucket, i) => ({
    gatewayId: GATEWAY_ID,
    seq: seq.next++,
    createdAtMs: fromMs + (i + 1) * batchMs + 150,
    alarms: [],
    readings: bucket,
  }));
}

interface Tally {
  readings: number;
  bytes: number;
  encodeMs: number;
}

function measureSize(batches: readonly Batch[], tally: Tally, opts: EncodeOptions = {}): void {
  for (const batch of batches) {
    const t0 = performance.now();
    const bytes = encodeBatch(batch, opts);
    tally.encodeMs += performance.now() - t0;
    tally.readings += batch.readings.length;
    tally.bytes += bytes.length;
  }
}

/**
 * Throughput on one core: whole passes of encoding, then of decoding, over the same
 * batches; the median pass, so a neighbour process stealing the core now and then
 * doesn't decide the figure.
 */
function measureSpeed(batches: readonly Batch[], passes: number): { encode: number; decode: number } {
  const readings = batches.reduce((n, b) => n + b.readings.length, 0);
  const enc: number[] = [];
  const dec: number[] = [];
  for (let p = 0; p < passes; p++) {
    const t0 = performance.now();
    const encoded = batches.map((b) => encodeBatch(b));
    const t1 = performance.now();
    for (const bytes of encoded) decodeBatch(bytes);
    const t2 = performance.now();
    enc.push(readings / ((t1 - t0) / 1000));
    dec.push(readings / ((t2 - t1) / 1000));
  }
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return { encode: Math.round(median(enc)), decode: Math.round(median(dec)) };
}

const tally = (): Tally => ({ readings: 0, bytes: 0, encodeMs: 0 });
const round = (n: number, digits = 3) => Number(n.toFixed(digits));

const SURVEY: { name: string; opts: EncodeOptions }[] = [
  { name: 'none', opts: { compression: 'none' } },
  { name: 'deflate6', opts: { compression: 'deflate', level: 6 } },
  { name: 'deflate9', opts: { compression: 'deflate', level: 9 } },
  { name: 'brotli1', opts: { compression: 'brotli', level: 1 } },
  { name: 'brotli4', opts: { compression: 'brotli', level: 4 } },
  { name: 'brotli5', opts: { compression: 'brotli', level: 5 } },
  { name: 'brotli6', opts: { compression: 'brotli', level: 6 } },
  { name: 'brotli9', opts: { compression: 'brotli', level: 9 } },
  { name: 'brotli11', opts: { compression: 'brotli', level: 11 } },
];

export async function run({ quick, log }: BenchOptions): Promise<BenchFigures> {
  const durationMs = quick ? 5 * 60_000 : 60 * 60_000;
  const source = wardSource();
  log(`data: ${source.name}, ${BEDS} beds, ${durationMs / 60_000} min at 1 Hz`);

  // Throughput first, on the first 5 minutes in 10 s batches, before the size survey
  // below fills the heap with garbage that the collector would then bill to the codec.
  const speedMs = 5 * 60_000;
  const firstChunks = Array.from({ length: speedMs / CHUNK_MS }, (_, i) => source.readingsBetween(START_MS + i * CHUNK_MS, START_MS + (i + 1) * CHUNK_MS));
  const speedBatches = firstChunks.flatMap((readings, i) => batchesOf(readings, START_MS + i * CHUNK_MS, START_MS + (i + 1) * CHUNK_MS, 10_000, { next: 1 }));
  const check = speedBatches[1]!;
  if (!isDeepStrictEqual(decodeBatch(encodeBatch(check)), canonicalizeBatch(check))) throw new Error('codec round trip failed on the benchmark data');
  measureSpeed(speedBatches, 3); // JIT warm-up
  const speed = measureSpeed(speedBatches, quick ? 5 : 15);
  log(`throughput: encode ${(speed.encode / 1e6).toFixed(2)} M readings/s, decode ${(speed.decode / 1e6).toFixed(2)} M readings/s`);

  const by = { s1: tally(), s10: tally(), s60: tally() };
  const survey = SURVEY.map(() => tally());
  const seq = { next: 1 };
  let jsonGzipBytes = 0;
  for (let from = START_MS, chunk = 0; from < START_MS + durationMs; from += CHUNK_MS, chunk++) {
    const to = from + CHUNK_MS;
    const readings = firstChunks[chunk] ?? source.readingsBetween(from, to);
    const tens = batchesOf(readings, from, to, 10_000, seq);
    measureSize(tens, by.s10);
    measureSize(batchesOf(readings, from, to, 1_000, seq), by.s1);
    measureSize(batchesOf(readings, from, to, 60_000, seq), by.s60);
    for (const b of tens) jsonGzipBytes += zlib.gzipSync(JSON.stringify(b.readings)).length;
    if (from < START_MS + speedMs) SURVEY.forEach((s, i) => measureSize(tens, survey[i]!, s.opts));
    if ((to - START_MS) % (10 * CHUNK_MS) === 0) log(`sized ${Math.round((to - START_MS) / 60_000)} min`);
  }

  const bpr = (t: Tally) => t.bytes / t.readings;
  const figures: BenchFigures = {
    data_source: source.name,
    readings: by.s10.readings,
    compression: `${DEFAULT_COMPRESSION.compression}-${DEFAULT_COMPRESSION.level}`,
    bytes_per_reading: round(bpr(by.s10)),
    bytes_per_reading_1s: round(bpr(by.s1)),
    bytes_per_reading_60s: round(bpr(by.s60)),
    json_gzip_bytes_per_reading: round(jsonGzipBytes / by.s10.readings),
    ratio_vs_json_gzip: round(jsonGzipBytes / by.s10.bytes, 2),
    encode_readings_per_s: speed.encode,
    decode_readings_per_s: speed.decode,
  };
  SURVEY.forEach((s, i) => {
    const t = survey[i]!;
    figures[`survey_${s.name}_bytes_per_reading`] = round(bpr(t));
    figures[`survey_${s.name}_encode_readings_per_s`] = Math.round(t.readings / (t.encodeMs / 1000));
  });
  return figures;
}
