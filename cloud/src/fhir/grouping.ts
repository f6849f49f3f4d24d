/**
 * Cuts a sorted stream of readings (compareFhirRows' order) into Observations: a
 * reading alone, or the systolic, diastolic and mean of one blood pressure of one device
 * at one time (consecutive in that order, since their MDC codes are). A mean without a
 * systolic or diastolic stays an Observation of its own: the bp profile needs both.
 */
import { pressureFamilyOf, type PressureFamily } from './codes.js';
import type { FhirRow } from './fhir-row.js';

export interface ObservationUnit {
  rows: FhirRow[];
  family?: PressureFamily;
}

function sameInstant(a: FhirRow, b: FhirRow): boolean {
  return a.t.getTime() === b.t.getTime() && a.patient_id === b.patient_id && a.gateway_id === b.gateway_id && a.device_id === b.device_id;
}

function finished(unit: ObservationUnit): ObservationUnit[] {
  const f = unit.family;
  if (f === undefined || unit.rows.some((r) => r.metric !== f.mean)) return [unit];
  return unit.rows.map((r) => ({ rows: [r] }));
}

/** Holds back the last unit of a batch, which the next batch may continue. */
export class ObservationGrouper {
  private open: ObservationUnit | undefined;

  /** The units completed by `rows`. */
  push(rows: FhirRow[]): ObservationUnit[] {
    const out: ObservationUnit[] = [];
    for (const r of rows) {
      const family = pressureFamilyOf(r.metric);
      const o = this.open;
      if (o !== undefined && family !== undefined && o.family === family && sameInstant(o.rows[0]!, r)) {
        o.rows.push(r);
        continue;
      }
      if (o !== undefined) out.push(...finished(o));
      this.open = family === undefined ? { rows: [r] } : { rows: [r], family };
    }
    return out;
  }

  /** The last unit, once the stream ended. */
  flush(): ObservationUnit[] {
    const o = this.open;
    this.open = undefined;
    return o === undefined ? [] : finished(o);
  }
}
