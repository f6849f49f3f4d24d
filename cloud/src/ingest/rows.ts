/**
 * What the loader writes for each reading: one vital_data row. Shared by the binary and
 * text COPY encoders and the latest_vitals upsert.
 */
import { METRIC_IDS, METRICS, type MetricId } from '@wardlink/shared';

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

/** The MDC code stored for a catalog metric (the decoder only yields catalog metrics). */
export function mdcCodeOf(metric: MetricId): number {
  const code = MDC_BY_ID.get(metric);
  if (code === undefined) throw new RangeError(`metric ${metric} is not in the catalog`);
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
