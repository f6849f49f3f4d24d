/**
 * `pnpm bench codec [--quick]`: the batch wire codec on data shaped like real ICU
 * numerics from a GE monitor (issue 18): a 50-bed ward, one record about every 5 s per
 * monitor at irregular, jittered intervals, metrics missing from some records
 * (`ICU_NUMERICS_CADENCE`), 1 h (5 min with --quick).
 *
 * Figures, in bytes on the wire per reading, as the gateway sends them (against its series
 * dictionary, which starts empty: the first batches carry every entry inline):
 * - `bytes_per_reading`: batches as the uplink builds them at its DEFAULT settings
 *   (`UPLINK_DEFAULTS`: a batch once the oldest unsent reading is maxBatchAgeMs = 1 s old,
 *   polled every 200 ms), the headline, since that is what a ward sends;
 * - `bytes_per_reading_10s`, `bytes_per_reading_60s`: batches of 10 s and 60 s;
 * - `plain_bytes_per_reading*`: the same batches without the dictionary (every id in full);
 * - the baseline in the same run, a naive per-series delta coding + the same brotli
 *   (`_codec-naive.ts`), at each batching, and `ratio_vs_naive*` = naive / ours;
 * - `lab_bytes_per_reading_10s`: the lab profile (1 Hz, every metric), the former headline;
 * - encode/decode throughput on one core over the lab profile's 10 s batches of the first
 *   5 minutes (the CPU load of a 1 Hz ward), and a survey of the compressors on the
 *   realistic 10 s batches, which backs the choice in shared/src/codec/compression.ts.
 * Sizes are exact and deterministic; throughput is noisy on a shared 2-core machine.
 */
import zlib from 'node:zlib';
import { isDeepStrictEqual } from 'node:util';
import { canonicalizeBatch, decodeBatch, DEFAULT_COMPRESSION, encodeBatch, entryOfReading, SeriesDictionary, type Batch, type EncodeOptions, type Reading } from '@wardlink/shared';
import { UPLINK_DEFAULTS } from '@wardlink/gateway';
import { createWard, ICU_NUMERICS_CADENCE, type Ward } from '@wardlink/simulator';
import { naiveEncode } from './_codec-naive.js';
import { UplinkBatcher } from './_codec-uplink-batches.js';
import type { BenchFigures, BenchOptions } from './run.js';

const BEDS = 50;
const START_MS = Date.UTC(2025, 0, 6, 8);
const GATEWAY_ID = 'gw-bench-01';
const CHUNK_MS = 60_000;

/** Cuts a chunk of readings (any order) into batches of `batchMs` by device time. */
function batchesOf(readings: readonly Reading[], fromMs: number, toMs: number, batchMs: number, seq: { next: number }): Batch[] {
  const buckets: Reading[][] = Array.from({ length: Math.ceil((toMs - fromMs) / batchMs) }, () => []);
  for (const r of readings) buckets[Math.min(buckets.length - 1, Math.max(0, Math.floor((r.deviceTimeMs - fromMs) / batchMs)))]!.push(r);
  return buckets
    .filter((bucket) => bucket.length > 0)
    .map((bucket, i) => ({ gatewayId: GATEWAY_ID, seq: seq.next++, createdAtMs: fromMs + (i + 1) * batchMs + 150, alarms: [], readings: bucket }));
}

interface Tally {
  batches: number;
  readings: number;
  bytes: number;
  naiveBytes: number;
  plainBytes: number;
  encodeMs: number;
}

const tally = (): Tally => ({ batches: 0, readings: 0, bytes: 0, naiveBytes: 0, plainBytes: 0, encodeMs: 0 });

/**
 * A gateway's series dictionary as the uplink keeps it (gateway/src/uplink/series-dictionary.ts):
 * new series numbered as they come, entries inline until a batch carrying them is
 * accepted (here: every batch is), then by number only.
 */
class DictionarySender {
  readonly dictionary = new SeriesDictionary(0x5eed);
  private readonly confirmed = new Set<number>();

  encode(batch: Batch): Buffer {
    this.dictionary.addReadings(batch.readings);
    const used = new Set(batch.readings.map((r) => this.dictionary.indexOf(entryOfReading(r))!));
    const bytes = encodeBatch(batch, { dictionary: { dictionary: this.dictionary, inline: (n) => !this.confirmed.has(n) } });
    for (const n of used) this.confirmed.add(n);
    return bytes;
  }
}
const round = (n: number, digits = 3) => Number(n.toFixed(digits));

function measureSize(batches: readonly Batch[], t: Tally, opts: EncodeOptions = {}, sender?: DictionarySender): void {
  for (const batch of batches) {
    const t0 = performance.now();
    const bytes = sender ? sender.encode(batch) : encodeBatch(batch, opts);
    t.encodeMs += performance.now() - t0;
    t.batches++;
    t.readings += batch.readings.length;
    t.bytes += bytes.length;
    if (sender) {
      t.naiveBytes += naiveEncode(batch).length;
      t.plainBytes += encodeBatch(batch).length;
    }
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

function checkRoundTrip(batch: Batch): void {
  if (!isDeepStrictEqual(decodeBatch(encodeBatch(batch)), canonicalizeBatch(batch))) throw new Error('codec round trip failed on the benchmark data');
}

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

/** The lab profile's first 5 minutes in 10 s batches: throughput, and the former headline. */
function labBatches(): Batch[] {
  const lab: Ward = createWard({ beds: BEDS, seed: 1, startMs: START_MS, gatewayId: GATEWAY_ID });
  const seq = { next: 1 };
  return Array.from({ length: 5 }, (_, i) => {
    const from = START_MS + i * CHUNK_MS;
    return batchesOf(lab.readingsBetween(from, from + CHUNK_MS), from, from + CHUNK_MS, 10_000, seq);
  }).flat();
}

export async function run({ quick, log }: BenchOptions): Promise<BenchFigures> {
  const durationMs = quick ? 5 * 60_000 : 60 * 60_000;
  const uplink = { maxBatchAgeMs: UPLINK_DEFAULTS.maxBatchAgeMs, maxBatchReadings: UPLINK_DEFAULTS.maxBatchReadings, pollIntervalMs: UPLINK_DEFAULTS.pollIntervalMs };
  log(`data: simulator, ${BEDS} beds, ${durationMs / 60_000} min, ICU numerics cadence ${JSON.stringify(ICU_NUMERICS_CADENCE)}; uplink defaults ${JSON.stringify(uplink)}`);

  // Throughput first, before the size survey below fills the heap with garbage that the
  // collector would then bill to the codec.
  const lab = labBatches();
  checkRoundTrip(lab[1]!);
  measureSpeed(lab, 3); // JIT warm-up
  const speed = measureSpeed(lab, quick ? 5 : 15);
  log(`throughput (lab 1 Hz, 10 s batches): encode ${(speed.encode / 1e6).toFixed(2)} M readings/s, decode ${(speed.decode / 1e6).toFixed(2)} M readings/s`);
  const labSize = tally();
  measureSize(lab, labSize);

  const ward = createWard({ beds: BEDS, seed: 1, startMs: START_MS, gatewayId: GATEWAY_ID, ...ICU_NUMERICS_CADENCE });
  const seq = { next: 1 };
  const batcher = new UplinkBatcher(uplink, GATEWAY_ID, START_MS, seq);
  const by = { live: tally(), s10: tally(), s60: tally() };
  // One gateway per batching, each with its own dictionary from the start (its first
  // batches carry every entry inline, as a new gateway's do).
  const senders = { live: new DictionarySender(), s10: new DictionarySender(), s60: new DictionarySender() };
  const survey = SURVEY.map(() => tally());
  let jsonGzipBytes = 0;
  for (let from = START_MS; from < START_MS + durationMs; from += CHUNK_MS) {
    const to = from + CHUNK_MS;
    const readings = ward.readingsBetween(from, to);
    // The uplink sees readings by receive time: those received in this minute.
    const live = batcher.advance(readings, to);
    if (from === START_MS) checkRoundTrip(live[5]!);
    measureSize(live, by.live, {}, senders.live);
    const tens = batchesOf(readings, from, to, 10_000, seq);
    measureSize(tens, by.s10, {}, senders.s10);
    measureSize(batchesOf(readings, from, to, 60_000, seq), by.s60, {}, senders.s60);
    for (const b of tens) jsonGzipBytes += zlib.gzipSync(JSON.stringify(b.readings)).length;
    if (from < START_MS + 5 * CHUNK_MS) SURVEY.forEach((s, i) => measureSize(tens, survey[i]!, s.opts));
    if ((to - START_MS) % (10 * CHUNK_MS) === 0) log(`sized ${Math.round((to - START_MS) / 60_000)} min`);
  }

  const bpr = (t: Tally) => t.bytes / t.readings;
  const naive = (t: Tally) => t.naiveBytes / t.readings;
  const plain = (t: Tally) => t.plainBytes / t.readings;
  const figures: BenchFigures = {
    data_source: 'simulator-icu-numerics',
    readings: by.s10.readings,
    compression: `${DEFAULT_COMPRESSION.compression}-${DEFAULT_COMPRESSION.level}`,
    uplink_max_batch_age_ms: uplink.maxBatchAgeMs,
    readings_per_default_batch: round(by.live.readings / by.live.batches, 1),
    bytes_per_reading: round(bpr(by.live)),
    bytes_per_reading_10s: round(bpr(by.s10)),
    bytes_per_reading_60s: round(bpr(by.s60)),
    plain_bytes_per_reading: round(plain(by.live)),
    plain_bytes_per_reading_10s: round(plain(by.s10)),
    plain_bytes_per_reading_60s: round(plain(by.s60)),
    dictionary_entries: senders.live.dictionary.size,
    naive_bytes_per_reading: round(naive(by.live)),
    naive_bytes_per_reading_10s: round(naive(by.s10)),
    naive_bytes_per_reading_60s: round(naive(by.s60)),
    ratio_vs_naive: round(by.live.naiveBytes / by.live.bytes, 2),
    ratio_vs_naive_10s: round(by.s10.naiveBytes / by.s10.bytes, 2),
    ratio_vs_naive_60s: round(by.s60.naiveBytes / by.s60.bytes, 2),
    json_gzip_bytes_per_reading_10s: round(jsonGzipBytes / by.s10.readings),
    ratio_vs_json_gzip_10s: round(jsonGzipBytes / by.s10.bytes, 2),
    lab_bytes_per_reading_10s: round(bpr(labSize)),
    encode_readings_per_s: speed.encode,
    decode_readings_per_s: speed.decode,
  };
  SURVEY.forEach((s, i) => {
    const t = survey[i]!;
    figures[`survey_${s.name}_bytes_per_reading_10s`] = round(bpr(t));
    figures[`survey_${s.name}_encode_readings_per_s`] = Math.round(t.readings / (t.encodeMs / 1000));
  });
  return figures;
}
