/**
 * HL7 v2.6 ORU^R01 per IHE PCD-01 (Device Enterprise Communication): one message per
 * record. Layout and field numbers are in FORMATS.md; MDC codes and units come from the
 * shared metric catalog.
 */
import { METRIC_IDS, METRICS, QualityFlag, type MetricId } from '@wardlink/shared';
import { deviceEui64 } from './device-ids.js';
import { hl7Timestamp } from './time-format.js';
import type { DeviceRecord } from './types.js';
import { formatValue } from './value-format.js';

export interface Hl7Options {
  /** MSH-10, echoed by the receiver's ACK. */
  controlId: string;
  /** MSH-3. Default `WARDSIM`. */
  sendingApp?: string;
  /** MSH-4 and the assigning authority in PID-3. Default `HOSP`. */
  facility?: string;
  /** The point of care in PV1-3. Default `WARD1`. */
  ward?: string;
  /** The device's local time offset written in every timestamp. Default 0 (UTC). */
  utcOffsetMinutes?: number;
  /** Default `\r`, the standard; real monitors also send `\n` or `\r\n`. */
  segmentSeparator?: '\r' | '\n' | '\r\n';
  /** Imitate real-monitor quirks: every second numeric OBX row has an empty OBX-1. */
  quirks?: boolean;
}

/** IHE PCD-01 profile id in MSH-21. */
export const PCD01_PROFILE = 'IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO';
/** OBX-3 of the device (MDS) row. */
export const MDS_OBSERVATION = '69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC';
/** OBR-4: the order the observations answer. */
export const MONITORING_SERVICE = '182777000^monitoring of patient^SNOMED-CT';

/** OBX-4 containment sub-ids, MDS.VMD.CHANNEL.METRIC, grouped by the module measuring it. */
export const OBX_SUB_IDS: Readonly<Record<MetricId, string>> = {
  HR: '1.1.1.1',
  RR: '1.1.2.1',
  SPO2: '1.2.1.1',
  PR: '1.2.1.2',
  PI: '1.2.1.3',
  NIBP_SYS: '1.3.1.1',
  NIBP_DIA: '1.3.1.2',
  NIBP_MEAN: '1.3.1.3',
  ABP_SYS: '1.4.1.1',
  ABP_DIA: '1.4.1.2',
  ABP_MEAN: '1.4.1.3',
  TEMP: '1.5.1.1',
  ETCO2: '1.6.1.1',
};

/** Joins fields 1..n of a segment; `fields[n]` is field n. Trailing empties are dropped. */
function segment(name: string, fields: Record<number, string>): string {
  const last = Math.max(...Object.keys(fields).map(Number));
  const parts: string[] = [];
  for (let i = name === 'MSH' ? 2 : 1; i <= last; i++) parts.push(fields[i] ?? '');
  return `${name}|${parts.join('|')}`;
}

export function toHl7Message(record: DeviceRecord, opts: Hl7Options): string {
  const app = opts.sendingApp ?? 'WARDSIM';
  const facility = opts.facility ?? 'HOSP';
  const ts = hl7Timestamp(record.deviceTimeMs, opts.utcOffsetMinutes ?? 0);
  const equipment = `${record.deviceId}^^${deviceEui64(record.deviceId)}^EUI-64`;
  const order = `${opts.controlId}^${app}`;
  const segments = [
    segment('MSH', {
      2: '^~\\&', 3: app, 4: facility, 7: ts, 9: 'ORU^R01^ORU_R01', 10: opts.controlId, 11: 'P', 12: '2.6',
      15: 'NE', 16: 'AL', 18: 'UNICODE UTF-8', 21: PCD01_PROFILE,
    }),
    segment('PID', { 3: `${record.patientId}^^^${facility}^MR`, 5: `SIM^${record.patientId}^^^^^L` }),
    segment('PV1', { 2: 'I', 3: `${opts.ward ?? 'WARD1'}^^${record.bedId}` }),
    segment('OBR', { 1: '1', 2: order, 3: order, 4: MONITORING_SERVICE, 7: ts }),
    segment('OBX', { 1: '1', 3: MDS_OBSERVATION, 4: '1', 11: 'X', 18: equipment }),
  ];
  let setId = 1;
  for (const metric of METRIC_IDS) {
    const value = record.values[metric];
    if (value === undefined) continue;
    setId++;
    const def = METRICS[metric];
    const flags = record.flags[metric] ?? 0;
    segments.push(
      segment('OBX', {
        1: opts.quirks && setId % 2 === 0 ? '' : String(setId),
        2: 'NM',
        3: `${def.mdcCode}^${def.mdcRefId}^MDC`,
        4: OBX_SUB_IDS[metric],
        5: formatValue(metric, value, flags),
        6: `${def.unitMdcCode}^${def.unitMdcRefId}^MDC`,
        8: (flags & QualityFlag.DEMO) !== 0 ? 'DEMO' : '',
        11: 'R',
        14: ts,
        18: equipment,
      }),
    );
  }
  const sep = opts.segmentSeparator ?? '\r';
  return segments.join(sep) + sep;
}
