/**
 * What the loader writes for each reading: one vital_data row. Shared by the binary and
 * text COPY encoders and the latest_vitals upsert.
 */
import { METRIC_IDS, METRICS, QualityFlag, type MetricKey, type Reading, type ReadingColumns } from '@wardlink/shared';

/** A batch's readings: objects, or the columns the service decodes a batch into. */
export type BatchReadings = readonly Reading[] | ReadingColumns;

export function isColumns(readings: BatchReadings): readings is ReadingColumns {
  return !Array.isArray(readings);
}

/** vital_data's columns in COPY order (the table's own column order). */
export const VITAL_COLUMNS = ['t', 'received_at', 'batch_seq', 'value', 'metric', 'flags', 'hospital_id', 'patient_id', 'gateway_id', 'device_id', 'bed_id'] as const;
export const VITAL_COLUMN_LIST = VITAL_COLUMNS.join(', ');

/** The per-batch values every row of the batch shares. */
export interface RowContext {
  hospitalId: string;
  gatewayId: string;
  batchSeq: number;
}

const MDC_BY_ID = new Map<string, number>(METRIC_IDS.map((id) => [id, METRICS[id].mdcCode]));

/** The MDC code stored for a reading's metric: a catalog metric's own code, or the code
 * an uncatalogued term is keyed by (the decoder yields only well-formed keys). */
export function mdcCodeOf(metric: MetricKey): number {
  const code = MDC_BY_ID.get(metric) ?? Number(metric);
  if (!Number.isInteger(code) || code < 1) throw new RangeError(`metric ${metric} is neither a catalog id nor an MDC code`);
  return code;
}

/** A reading without an admitted patient is stored with patient_id '' (see migration 002). */
export const NO_PATIENT = '';

/** Largest finite float4 (`real`). */
const FLOAT4_MAX = 3.4028234663852886e38;

/** A value PostgreSQL's `real` input accepts: a raw INVALID value beyond float4's range
 * (the codec keeps it exactly) becomes +/-Infinity, as binary COPY stores it. */
export function float4Safe(v: number): number {
  return Math.abs(v) > FLOAT4_MAX ? Math.fround(v) : v;
}

/**
 * What vital_data.received_at holds for a reading. A CLOCK_SUSPECT reading's time (t) is
 * already the gateway's receive time, so received_at would only repeat it: it holds the
 * device clock's own time instead, the evidence of the fault, at no cost per row (see
 * migration 002 and docs/cloud-api.md). Every other reading: the receive time.
 */
export function receivedColumnMs(r: Reading): number {
  return r.flags & QualityFlag.CLOCK_SUSPECT && r.deviceClockMs !== undefined ? r.deviceClockMs : r.receivedAtMs;
}
