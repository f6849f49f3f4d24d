/** One stored reading as the FHIR routes read it, from PostgreSQL (both tiers, detached
 * days) or an archived day's Parquet objects: node-postgres' shapes in every case. */
export interface FhirRow {
  t: Date;
  value: number;
  flags: number;
  metric: number;
  patient_id: string;
  gateway_id: string;
  device_id: string;
  bed_id: string;
}

/** The order every FHIR source is read in: patient, time, then the device (gateway,
 * device) and the metric, so the readings of one device at one time are adjacent and a
 * blood pressure's systolic, diastolic and mean (consecutive MDC codes) are together. */
export function compareFhirRows(a: FhirRow, b: FhirRow): number {
  return (
    cmp(a.patient_id, b.patient_id) || a.t.getTime() - b.t.getTime() || cmp(a.gateway_id, b.gateway_id) || cmp(a.device_id, b.device_id) || a.metric - b.metric
  );
}

/** Code point order: COLLATE "C" in PostgreSQL, DuckDB's order, for Wardlink's ids. */
function cmp(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}
