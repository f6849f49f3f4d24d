/**
 * Encoded blocks as text COPY data for vital_blocks. Times are written with their
 * microseconds; floats in a form PostgreSQL reads back to the same bits (JavaScript's
 * shortest round-trip text of the double holding the float4, with -0 kept).
 */
import { escapeText } from '../../ingest/copy-text.js';
import { isoMicros } from '../archive/stats.js';
import type { EncodedBlock } from './block-encoder.js';

export interface BlockKey {
  hospitalId: string;
  patientId: string;
  metric: number;
  gatewayId: string;
  deviceId: string;
  bedId: string;
}

export const BLOCK_COPY_COLUMNS = [
  'block_start', 't_first', 't_last', 'seq_first', 'v_sum', 'n', 'metric', 't_unit_us', 'lag_unit_us', 'v_scale',
  'n_flagged', 'n_measured', 'v_min', 'v_max', 'agg_mask', 'hospital_id', 'patient_id', 'gateway_id', 'device_id', 'bed_id',
  'dt', 'dt64', 'dv', 'v_raw', 'flags', 'lag16', 'lag64', 'dseq',
] as const;

const NULL = '\\N';

/** One COPY text line (with its newline) for a block of `key`. */
export function blockCopyLine(key: BlockKey, b: EncodedBlock, aggMask: number): string {
  const fields = [
    isoMicros(b.blockStartUs),
    isoMicros(b.tFirstUs),
    isoMicros(b.tLastUs),
    String(b.seqFirst),
    b.vSum === null ? NULL : float(b.vSum),
    String(b.n),
    String(key.metric),
    String(b.tUnitUs),
    String(b.lagUnitUs),
    String(b.vScale),
    String(b.nFlagged),
    String(b.nMeasured),
    b.vMin === null ? NULL : float(b.vMin),
    b.vMax === null ? NULL : float(b.vMax),
    String(aggMask),
    escapeText(key.hospitalId),
    escapeText(key.patientId),
    escapeText(key.gatewayId),
    escapeText(key.deviceId),
    escapeText(key.bedId),
    intArray(b.dt),
    intArray(b.dt64),
    intArray(b.dv),
    b.vRaw === null ? NULL : `{${b.vRaw.map(float).join(',')}}`,
    intArray(b.flags),
    intArray(b.lag16),
    intArray(b.lag64),
    intArray(b.dseq),
  ];
  return `${fields.join('\t')}\n`;
}

function intArray(a: number[] | null): string {
  return a === null ? NULL : `{${a.join(',')}}`;
}

function float(v: number): string {
  if (Object.is(v, -0)) return '-0';
  return String(v);
}
