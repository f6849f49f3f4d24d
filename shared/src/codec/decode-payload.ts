/**
 * Parses a checksum-verified payload back into readings and alarms. The checksum only
 * proves the bytes are what the sender wrote, not that the sender was honest, so every
 * index, count, enum and time is still checked before it is used. The column framing
 * (decode-columns.ts) and dictionary entries (decode-series-entries.ts) are beside it.
 *
 * Readings are decoded into columns (reading-columns.ts): typed arrays for the
 * per-reading fields and one record per series for the ids, so a receiver that copies
 * readings on needs no object per reading. `decodePayload` builds the `Reading` objects.
 */
import { CodecCorruptError, CodecInvalidFieldError } from '../errors/codec.js';
import { QualityFlag, type AlarmEvent, type Reading } from '../types.js';
import { readAlarms } from './alarms.js';
import { unzigzag } from './bytes.js';
import { readClocks } from './clocks.js';
import { columnReaders, readDeltaRefs, readRefs } from './decode-columns.js';
import { seriesEntries } from './decode-series-entries.js';
import { readDictionaryColumn, type DictionaryLookup, type SeriesEntry } from './dictionary.js';
import { readExact } from './exact.js';
import {
  COLUMN,
  columnCount,
  flagMaskOf,
  isCatalogCodec,
  MAX_STEPS,
  METRIC_CODECS,
  SERIES_HAS_FLAGS,
  SERIES_SHARES_TIMES,
  SERIES_SUBSET_TIMES,
  seriesModeMaskOf,
  seriesCodecByKey,
  seriesCodecByMdc,
  type SeriesCodec,
} from './format.js';
import { readFlagRuns } from './flags.js';
import { RangeDecoder } from './range-coder.js';
import { readingsOfColumns, type ReadingColumns, type ReadingSeries } from './reading-columns.js';
import { nullableStringAt, readStringTable, stringAt } from './strings.js';
import { readTimes } from './times.js';
import { readSubsetTimes } from './times-subset.js';
import { createValueModel, decodeUnsigned, modelBase, ROLE_DELTA, ROLE_FIRST, sizeClass } from './value-model.js';

const INVALID = QualityFlag.INVALID;

export interface PayloadContext {
  /** The frame's format version (1 or 2). */
  version: number;
  gatewayId: string;
  createdAtMs: number;
  readingCount: number;
  alarmCount: number;
  maxStringLength: number;
  /** Version 4: the dictionary the batch is written against (0: none), its inline entry count, and the held ones. */
  dictionaryId?: number;
  dictionaryEntries?: number;
  dictionaries?: DictionaryLookup | undefined;
}

export interface DecodedPayload {
  readings: Reading[];
  alarms: AlarmEvent[];
  inlineEntries: Map<number, SeriesEntry>;
}

export interface DecodedPayloadColumns {
  columns: ReadingColumns;
  alarms: AlarmEvent[];
  inlineEntries: Map<number, SeriesEntry>;
}

export function decodePayload(payload: Uint8Array, ctx: PayloadContext): DecodedPayload {
  const { columns, alarms, inlineEntries } = decodePayloadColumns(payload, ctx);
  return { readings: readingsOfColumns(columns), alarms, inlineEntries };
}

export function decodePayloadColumns(payload: Uint8Array, ctx: PayloadContext): DecodedPayloadColumns {
  const version = ctx.version;
  const cols = columnReaders(payload, columnCount(version));
  const strings = readStringTable(cols[COLUMN.strings]!, ctx.maxStringLength);
  cols[COLUMN.strings]!.expectEnd();
  const dictionaryId = ctx.dictionaryId ?? 0;
  let inlineEntries = new Map<number, SeriesEntry>();
  if (version >= 4) {
    const dictionaryCol = cols[COLUMN.dictionary]!;
    if (dictionaryId !== 0) inlineEntries = readDictionaryColumn(dictionaryCol, ctx.dictionaryEntries ?? 0, strings, version);
    dictionaryCol.expectEnd();
  }

  const streamsCol = cols[COLUMN.streams]!;
  const streamCount = streamsCol.uvarintMax('streams.count', streamsCol.remaining);
  const byName = dictionaryId === 0;
  const devices = byName ? readDeltaRefs(streamsCol, streamCount, 'streams.deviceId') : [];
  const beds = byName ? readDeltaRefs(streamsCol, streamCount, 'streams.bedId') : [];
  const patients = byName ? readDeltaRefs(streamsCol, streamCount, 'streams.patientId') : [];
  const seriesPerStream = readRefs(streamsCol, streamCount, 'streams.seriesCount');
  streamsCol.expectEnd();

  const seriesCol = cols[COLUMN.series]!;
  const seriesCount = seriesCol.uvarintMax('series.count', seriesCol.remaining);
  const metrics = new Array<SeriesCodec>(seriesCount);
  const entries = byName ? null : seriesEntries(seriesCol, seriesCount, dictionaryId, inlineEntries, ctx.dictionaries);
  for (let i = 0; i < seriesCount; i++) {
    if (entries !== null) {
      metrics[i] = seriesCodecByKey(entries[i]!.metric)!;
      continue;
    }
    const code = seriesCol.uvarint('series.metric');
    const m = seriesCodecByMdc(code, version);
    if (m === undefined) throw new CodecInvalidFieldError('series.metric', code, version === 1 ? 'is not a catalog MDC code' : 'is not an MDC code');
    metrics[i] = m;
  }
  const counts = readRefs(seriesCol, seriesCount, 'series.readingCount');
  const modes = new Uint8Array(seriesCount);
  const modeMask = seriesModeMaskOf(version);
  for (let i = 0; i < seriesCount; i++) {
    const mode = seriesCol.u8();
    if (mode & ~modeMask || (mode & SERIES_SHARES_TIMES && mode & SERIES_SUBSET_TIMES)) throw new CodecInvalidFieldError('series.mode', mode, 'has unknown bits');
    modes[i] = mode;
  }
  const units = new Map<number, string>();
  for (let i = 0; i < seriesCount; i++) {
    if (isCatalogCodec(metrics[i]!)) continue;
    units.set(i, entries !== null ? entries[i]!.unit! : stringAt(strings, seriesCol.uvarint('series.unit'), 'series.unit'));
  }
  /** A stream's ids: from the string table, or (with a dictionary) from its first series' entry. */
  const streamIds = (st: number, firstSeries: number): { deviceId: string; bedId: string; patientId: string | null } => {
    if (entries === null) {
      return {
        deviceId: stringAt(strings, devices[st]!, 'streams.deviceId'),
        bedId: stringAt(strings, beds[st]!, 'streams.bedId'),
        patientId: nullableStringAt(strings, patients[st]!, 'streams.patientId'),
      };
    }
    const e = entries[firstSeries];
    if (e === undefined) throw new CodecInvalidFieldError('streams.seriesCount', firstSeries, 'more series than the series table holds');
    return e;
  };

  const n = ctx.readingCount;
  const seriesStart = new Int32Array(seriesCount);
  const deviceTimes = new Float64Array(n);
  const receivedTimes = new Float64Array(n);
  const values = new Float64Array(n);
  const flags = new Uint8Array(n);
  const decodedSeries = new Array<ReadingSeries>(seriesCount);
  const flagsCol = cols[COLUMN.flags]!;
  const timesCol = cols[COLUMN.times]!;
  const offsetsCol = cols[COLUMN.offsets]!;
  const valuesCol = cols[COLUMN.values]!;
  const valueDecoder = new RangeDecoder(valuesCol.buf, valuesCol.pos, valuesCol.end, 'values column');
  const probs = createValueModel(METRIC_CODECS.length);
  const firstSteps = new Array<number>(METRIC_CODECS.length).fill(0);
  const rawCol = cols[COLUMN.raw]!;
  const flagMask = flagMaskOf(version);
  const gatewayId = ctx.gatewayId;
  let prevFirst = ctx.createdAtMs;
  let out = 0;
  let series = 0;
  let flagsSeen = 0;
  let uncatalogued = false;
  const seenStreams = new Set<string>();

  for (let st = 0; st < streamCount; st++) {
    const { deviceId, bedId, patientId } = streamIds(st, series);
    // One stream per (device, bed, patient), as the encoder groups them: keeps output canonical.
    const key = JSON.stringify([deviceId, bedId, patientId]);
    if (seenStreams.has(key)) throw new CodecCorruptError('a stream appears twice', { deviceId, bedId, patientId });
    seenStreams.add(key);
    const inStream = seriesPerStream[st]!;
    if (inStream < 1 || inStream > seriesCount - series) throw new CodecInvalidFieldError('streams.seriesCount', inStream, 'must be 1..remaining series');
    let seenMetrics = 0;
    const seenCodes = new Set<string>();
    for (let s = 0; s < inStream; s++, series++) {
      const metric = metrics[series]!;
      if (entries !== null) {
        const e = entries[series]!;
        if (e.deviceId !== deviceId || e.bedId !== bedId || e.patientId !== patientId) throw new CodecCorruptError('a stream holds series of another device, bed or patient', { deviceId, series });
      }
      if (isCatalogCodec(metric)) {
        const bit = 1 << metric.index; // the catalog has fewer than 31 metrics
        if (seenMetrics & bit) throw new CodecCorruptError('a metric appears twice in one stream', { metric: metric.id, deviceId });
        seenMetrics |= bit;
      } else {
        // One series per (code, unit): the gateway may hold one term in two units.
        const key = `${metric.mdcCode}\u0000${units.get(series)}`;
        if (seenCodes.has(key)) throw new CodecCorruptError('a metric appears twice in one stream', { metric: metric.id, deviceId });
        seenCodes.add(key);
      }
      const mode = modes[series]!;
      let ref = -1;
      if (mode & (SERIES_SHARES_TIMES | SERIES_SUBSET_TIMES)) {
        ref = seriesCol.uvarint('series.timesRef');
        if (ref >= s) throw new CodecInvalidFieldError('series.timesRef', ref, 'must point to an earlier series of the stream');
      }
      const count = counts[series]!;
      if (count < 1 || count > n - out) throw new CodecInvalidFieldError('series.readingCount', count, 'must be 1..remaining readings');
      const start = out;
      const end = start + count;
      seriesStart[series] = start;
      const catalog = isCatalogCodec(metric);
      const unit = catalog ? '' : units.get(series)!;
      decodedSeries[series] = { deviceId, bedId, patientId, metric: metric.id, mdcCode: metric.mdcCode, unit: unit === '' ? undefined : unit, start, count };
      const hasFlags = (mode & SERIES_HAS_FLAGS) !== 0;
      if (hasFlags) flagsSeen |= readFlagRuns(flagsCol, flags, start, count, flagMask);
      if (mode & SERIES_SHARES_TIMES) {
        const other = series - s + ref;
        const from = seriesStart[other]!;
        if (counts[other] !== count) throw new CodecCorruptError('a series shares times with a series of another length');
        deviceTimes.copyWithin(start, from, from + count);
        receivedTimes.copyWithin(start, from, from + count);
      } else if (mode & SERIES_SUBSET_TIMES) {
        const other = series - s + ref;
        readSubsetTimes(timesCol, seriesStart[other]!, counts[other]!, count, deviceTimes, receivedTimes, start);
      } else {
        prevFirst = readTimes(timesCol, offsetsCol, deviceTimes, receivedTimes, start, count, prevFirst);
      }
      if (!catalog) {
        uncatalogued = true;
        for (let i = start; i < end; i++) values[i] = readExact(rawCol, 'raw.value', version);
        out += count;
        continue;
      }
      const divisor = metric.divisor;
      const firstBase = modelBase(metric.index, ROLE_FIRST);
      const deltaBase = modelBase(metric.index, ROLE_DELTA);
      let steps = Number.NaN;
      let cls = 0;
      for (let i = start; i < end; i++) {
        const f = flags[i]!;
        let value: number;
        if (f & INVALID) value = readExact(rawCol, 'raw.value', version);
        else {
          if (steps !== steps) {
            steps = firstSteps[metric.index]! + unzigzag(decodeUnsigned(valueDecoder, probs, firstBase, 0));
            firstSteps[metric.index] = steps;
          } else {
            const u = decodeUnsigned(valueDecoder, probs, deltaBase, cls);
            steps += unzigzag(u);
            cls = sizeClass(u);
          }
          if (!(steps <= MAX_STEPS && steps >= -MAX_STEPS)) throw new CodecInvalidFieldError('values', steps, 'beyond 2^48 resolution steps');
          value = steps / divisor;
        }
        values[i] = value;
      }
      out += count;
    }
  }
  if (series !== seriesCount) throw new CodecCorruptError('series table and streams disagree', { seriesCount, used: series });
  if (out !== n) throw new CodecCorruptError('series hold fewer readings than the header declares', { declared: n, found: out });
  let deviceClocks: Map<number, number> = NO_CLOCKS;
  if (version >= 2) {
    const clocksCol = cols[COLUMN.clocks]!;
    // Only CLOCK_SUSPECT readings have an entry: none, nothing to scan for.
    if (flagsSeen & QualityFlag.CLOCK_SUSPECT) deviceClocks = readClocks(clocksCol, flags, deviceTimes);
    clocksCol.expectEnd();
  }
  for (const c of [seriesCol, flagsCol, timesCol, offsetsCol, rawCol]) c.expectEnd();
  valueDecoder.expectEnd();

  const alarmsCol = cols[COLUMN.alarms]!;
  const alarms = readAlarms(alarmsCol, ctx.alarmCount, strings, ctx.createdAtMs, version);
  alarmsCol.expectEnd();
  const columns: ReadingColumns = { gatewayId, length: n, series: decodedSeries, uncatalogued, deviceTimeMs: deviceTimes, receivedAtMs: receivedTimes, value: values, flags, deviceClockMs: deviceClocks };
  return { columns, alarms, inlineEntries };
}

/** The clocks of a payload with no device clock (shared, never written to). */
const NO_CLOCKS: Map<number, number> = new Map();
