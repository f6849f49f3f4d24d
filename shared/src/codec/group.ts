/**
 * Groups a batch's readings into streams (one device at one bed for one patient) and,
 * inside each stream, series (one metric). This grouping defines the canonical reading
 * order that `decodeBatch` returns:
 *   streams in order of their first reading in the batch, series inside a stream in order
 *   of their first reading, and readings inside a series in their batch order.
 * Splitting streams by bed and patient keeps the codec lossless when a monitor moves
 * beds or a patient is admitted mid-batch.
 */
import { CodecInputError } from '../errors/codec.js';
import type { Reading } from '../types.js';
import { METRIC_CODECS, seriesCodecByKey, type SeriesCodec } from './format.js';

export interface SeriesGroup {
  metric: SeriesCodec;
  /** Indices into the batch's readings array, in batch order. */
  rows: number[];
  /** An uncatalogued series' UCUM unit ('' when the device sent none); null for a catalog metric. */
  unit: string | null;
}

export interface StreamGroup {
  deviceId: string;
  bedId: string;
  patientId: string | null;
  series: SeriesGroup[];
  /** Catalog series by metric index, to find one without scanning. */
  byMetric: (SeriesGroup | undefined)[];
  /** Uncatalogued series by code and unit (rare: made on first use). */
  uncatalogued: Map<string, SeriesGroup> | null;
}

export function groupReadings(readings: readonly Reading[]): StreamGroup[] {
  const streams: StreamGroup[] = [];
  const byDevice = new Map<string, Map<string, Map<string | null, StreamGroup>>>();
  // Consecutive readings usually belong to one device record: skip the map lookups then.
  let last: StreamGroup | undefined;
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i]!;
    if (typeof r !== 'object' || r === null) throw new CodecInputError(`readings[${i}]`, 'must be a Reading object', r);
    let stream = last;
    if (stream === undefined || stream.deviceId !== r.deviceId || stream.bedId !== r.bedId || stream.patientId !== r.patientId) {
      stream = findOrAddStream(byDevice, streams, r);
      last = stream;
    }
    const metric = seriesCodecByKey(r.metric);
    if (metric === undefined) throw new CodecInputError(`readings[${i}].metric`, 'is neither a catalog metric id nor an uncatalogued MDC code', r.metric);
    const series = metric.index >= 0 ? catalogSeries(stream, metric) : uncataloguedSeries(stream, metric, r, i);
    series.rows.push(i);
  }
  return streams;
}

function catalogSeries(stream: StreamGroup, metric: SeriesCodec): SeriesGroup {
  let series = stream.byMetric[metric.index];
  if (series === undefined) {
    series = { metric, rows: [], unit: null };
    stream.byMetric[metric.index] = series;
    stream.series.push(series);
  }
  return series;
}

function uncataloguedSeries(stream: StreamGroup, metric: SeriesCodec, r: Reading, i: number): SeriesGroup {
  const unit = r.unit ?? '';
  if (typeof unit !== 'string') throw new CodecInputError(`readings[${i}].unit`, 'must be a string', unit);
  stream.uncatalogued ??= new Map();
  // One series per (code, unit): a device reconfigured between two of its records may
  // send one term in two units, and the batch must still carry both faithfully.
  const key = `${metric.id}\u0000${unit}`;
  let series = stream.uncatalogued.get(key);
  if (series === undefined) {
    series = { metric, rows: [], unit };
    stream.uncatalogued.set(key, series);
    stream.series.push(series);
  }
  return series;
}

function findOrAddStream(
  byDevice: Map<string, Map<string, Map<string | null, StreamGroup>>>,
  streams: StreamGroup[],
  r: Reading,
): StreamGroup {
  let byBed = byDevice.get(r.deviceId);
  if (byBed === undefined) byDevice.set(r.deviceId, (byBed = new Map()));
  let byPatient = byBed.get(r.bedId);
  if (byPatient === undefined) byBed.set(r.bedId, (byPatient = new Map()));
  let stream = byPatient.get(r.patientId);
  if (stream === undefined) {
    stream = {
      deviceId: r.deviceId,
      bedId: r.bedId,
      patientId: r.patientId,
      series: [],
      byMetric: new Array<SeriesGroup | undefined>(METRIC_CODECS.length).fill(undefined),
      uncatalogued: null,
    };
    byPatient.set(r.patientId, stream);
    streams.push(stream);
  }
  return stream;
}
