/**
 * Writes a batch's uncompressed payload: a table of column byte lengths, then the
 * columns (see README.md in this folder). Columns keep like with like (all times, all
 * value deltas...) so the general-purpose compressor after us finds long repeats.
 */
import { CodecInputError } from '../errors/codec.js';
import { QualityFlag, type Batch, type Reading } from '../types.js';
import { writeAlarms } from './alarms.js';
import { ByteWriter, zigzag } from './bytes.js';
import { writeExact } from './exact.js';
import { writeClocks } from './clocks.js';
import { orderByDictionary, writeDictionaryColumn, type DictionaryEncoding } from './dictionary.js';
import { COLUMN_COUNT, isCatalogCodec, METRIC_CODECS, MAX_STEPS, SERIES_HAS_FLAGS, SERIES_SHARES_TIMES, SERIES_SUBSET_TIMES } from './format.js';
import { writeFlags } from './flags.js';
import { groupReadings, type SeriesGroup, type StreamGroup } from './group.js';
import { RangeEncoder } from './range-coder.js';
import { StringTableWriter } from './strings.js';
import { checkTimes, findSharedTimes, writeTimes } from './times.js';
import { findSubsetTimes, writeSubsetBitmap } from './times-subset.js';
import { createValueModel, encodeUnsigned, modelBase, ROLE_DELTA, ROLE_FIRST, sizeClass } from './value-model.js';

const INVALID = QualityFlag.INVALID;

export interface EncodedPayload {
  payload: Uint8Array;
  /** Dictionary entries written inline. */
  inlineEntries: number;
}

/**
 * With a dictionary (version 3), streams and series name their series by dictionary
 * number, and the entries the receiver may lack travel in the dictionary column.
 */
export function encodePayload(batch: Batch, dict?: DictionaryEncoding): EncodedPayload {
  const readings = batch.readings;
  const streams = groupReadings(readings);
  const strings = new StringTableWriter();
  const cols = Array.from({ length: COLUMN_COUNT }, (_, i) => new ByteWriter(i >= 4 && i <= 6 ? 8192 : 1024));
  const [stringsCol, streamsCol, seriesCol, flagsCol, timesCol, offsetsCol, valuesCol, rawCol, alarmsCol, clocksCol, dictionaryCol] = cols as [
    ByteWriter, ByteWriter, ByteWriter, ByteWriter, ByteWriter, ByteWriter, ByteWriter, ByteWriter, ByteWriter, ByteWriter, ByteWriter,
  ];

  const numbers = dict === undefined ? null : orderByDictionary(streams, readings, dict.dictionary);
  if (numbers === null) writeStreams(streamsCol, streams, strings);
  else writeStreamSizes(streamsCol, streams);
  const values: ValueCoder = {
    enc: new RangeEncoder(valuesCol),
    probs: createValueModel(METRIC_CODECS.length),
    firstSteps: new Array<number>(METRIC_CODECS.length).fill(0),
  };

  const allSeries: SeriesGroup[] = [];
  const modes: number[] = [];
  const refs: number[] = [];
  let prevFirstTime = batch.createdAtMs;
  for (const stream of streams) {
    for (let s = 0; s < stream.series.length; s++) {
      const series = stream.series[s]!;
      allSeries.push(series);
      let mode = writeFlags(flagsCol, readings, series.rows) ? SERIES_HAS_FLAGS : 0;
      const ref = findSharedTimes(readings, stream, s, modes, allSeries.length - 1);
      const subset = ref > 0 ? null : findSubsetTimes(readings, stream, s);
      if (ref > 0) {
        mode |= SERIES_SHARES_TIMES;
        refs.push(ref - 1);
      } else if (subset !== null) {
        mode |= SERIES_SUBSET_TIMES;
        refs.push(subset.ref);
        writeSubsetBitmap(timesCol, subset);
        checkTimes(readings, series.rows);
      } else {
        prevFirstTime = writeTimes(timesCol, offsetsCol, readings, series.rows, prevFirstTime);
      }
      modes.push(mode);
      writeValues(values, rawCol, readings, series, batch.gatewayId);
    }
  }

  seriesCol.uvarint(allSeries.length);
  if (numbers === null) {
    for (const s of allSeries) seriesCol.uvarint(s.metric.mdcCode);
  } else {
    // In dictionary order (orderByDictionary): the deltas are mostly 1.
    let prev = 0;
    for (const n of numbers) {
      seriesCol.svarint(n - prev);
      prev = n;
    }
  }
  for (const s of allSeries) seriesCol.uvarint(s.rows.length);
  for (const m of modes) seriesCol.u8(m);
  // Version 2: each uncatalogued series' unit (a string ref), in series order (with a
  // dictionary, the unit is in the series' entry).
  if (numbers === null) for (const s of allSeries) if (s.unit !== null) seriesCol.uvarint(strings.intern(s.unit, 'reading.unit'));
  for (const r of refs) seriesCol.uvarint(r);
  writeClocks(clocksCol, readings, streams);

  values.enc.finish();
  writeAlarms(alarmsCol, batch.alarms, strings, batch.createdAtMs);
  let inlineEntries = 0;
  if (dict !== undefined && numbers !== null) {
    const inline = [...new Set(numbers)].filter((n) => dict.inline(n)).sort((a, b) => a - b);
    writeDictionaryColumn(dictionaryCol, dict.dictionary, inline, strings);
    inlineEntries = inline.length;
  }
  strings.writeColumn(stringsCol);

  let total = 0;
  for (const c of cols) total += c.pos;
  const out = new ByteWriter(total + COLUMN_COUNT * 4);
  for (const c of cols) out.uvarint(c.pos);
  for (const c of cols) out.bytes(c.view());
  return { payload: out.view(), inlineEntries };
}

/** Streams column with a dictionary: the count and each stream's series count (the ids are in the entries). */
function writeStreamSizes(w: ByteWriter, streams: readonly StreamGroup[]): void {
  w.uvarint(streams.length);
  for (const s of streams) w.uvarint(s.series.length);
}

/**
 * Streams column: count, then device refs, bed refs, patient refs (+1, 0 = null), each
 * as a zigzag delta from the previous stream's (strings are interned in this order, so
 * the deltas are mostly 1), then series counts.
 */
function writeStreams(w: ByteWriter, streams: readonly StreamGroup[], strings: StringTableWriter): void {
  w.uvarint(streams.length);
  const refColumns: ((s: StreamGroup) => number)[] = [
    (s) => strings.intern(s.deviceId, 'reading.deviceId'),
    (s) => strings.intern(s.bedId, 'reading.bedId'),
    (s) => strings.internNullable(s.patientId, 'reading.patientId'),
  ];
  for (const refOf of refColumns) {
    let prev = 0;
    for (const s of streams) {
      const ref = refOf(s);
      w.svarint(ref - prev);
      prev = ref;
    }
  }
  for (const s of streams) w.uvarint(s.series.length);
}

interface ValueCoder {
  enc: RangeEncoder;
  probs: Uint16Array;
  /** Per metric, the first value of the last series: the next series' first is coded against it. */
  firstSteps: number[];
}

/**
 * Valid values as resolution steps, range-coded: a series' first value as a delta from
 * the previous series' first value of the same metric, then deltas. INVALID values raw,
 * and every value of an uncatalogued series (it has no known resolution).
 */
function writeValues(values: ValueCoder, raw: ByteWriter, readings: readonly Reading[], series: SeriesGroup, gatewayId: string): void {
  const { enc, probs, firstSteps } = values;
  const rows = series.rows;
  const metric = series.metric;
  if (!isCatalogCodec(metric)) {
    for (const row of rows) {
      const r = readings[row]!;
      if (r.gatewayId !== gatewayId) throw new CodecInputError(`readings[${row}].gatewayId`, `must equal the batch's gatewayId "${gatewayId}"`, r.gatewayId);
      if (typeof r.value !== 'number') throw new CodecInputError(`readings[${row}].value`, 'must be a number', r.value);
      writeExact(raw, r.value);
    }
    return;
  }
  const resolution = metric.resolution;
  const firstBase = modelBase(metric.index, ROLE_FIRST);
  const deltaBase = modelBase(metric.index, ROLE_DELTA);
  let prev = Number.NaN;
  let cls = 0;
  for (let k = 0; k < rows.length; k++) {
    const r = readings[rows[k]!]!;
    if (r.gatewayId !== gatewayId) throw new CodecInputError(`readings[${rows[k]}].gatewayId`, `must equal the batch's gatewayId "${gatewayId}"`, r.gatewayId);
    if (r.unit !== undefined) throw new CodecInputError(`readings[${rows[k]}].unit`, 'must be absent for a catalog metric (its values are in the catalog unit)', r.unit);
    const v = r.value;
    if (r.flags & INVALID) {
      if (typeof v !== 'number') throw new CodecInputError(`readings[${rows[k]}].value`, 'must be a number', v);
      writeExact(raw, v);
      continue;
    }
    // Same rounding as the catalog's quantize(), so decode(encode(x)) equals quantize(x).
    const steps = Math.round(v / resolution);
    if (!(Math.abs(steps) <= MAX_STEPS)) {
      throw new CodecInputError(`readings[${rows[k]}].value`, 'must be finite and within 2^48 resolution steps unless flagged INVALID', v);
    }
    if (prev !== prev) {
      encodeUnsigned(enc, probs, firstBase, 0, zigzag(steps - firstSteps[metric.index]!));
      firstSteps[metric.index] = steps;
    } else {
      const u = zigzag(steps - prev);
      encodeUnsigned(enc, probs, deltaBase, cls, u);
      cls = sizeClass(u);
    }
    prev = steps;
  }
}
