/**
 * Readings as FHIR R4 vital-signs Observations. One reading is one Observation; the
 * systolic, diastolic and mean of one blood pressure measured by one device at one time
 * are one Observation of the panel code with a component each (the bp profile). Ids are
 * the readings' primary key, encoded (observation-id.ts), so a reading has the same id in
 * every search page and every export, two readings never share one, and GET
 * Observation/{id} finds the reading again.
 */
import { knownTermOfCode, metricByMdcCode } from '@wardlink/shared';
import { BP_PANEL, BP_PROFILE, LOINC, MDC, METRIC_CODES, UCUM, type PressureFamily } from './codes.js';
import type { FhirRow } from './fhir-row.js';
import { dataAbsentReason, flagInterpretation, valueWithheld, type FhirCoding, type FhirConcept } from './flags.js';
import type { ObservationUnit } from './grouping.js';
import { encodeObservationId } from './observation-id.js';

export type FhirObservation = Record<string, unknown> & { resourceType: 'Observation'; id: string };

const VITAL_SIGNS: FhirConcept[] = [
  { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }], text: 'Vital Signs' },
];
/** FHIR's id syntax; other patient ids are named by identifier instead of reference. */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const DATA_ABSENT = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';

export interface ObservationContext {
  hospitalId: string;
  /** Units of uncatalogued terms registered for the hospital (migration 007). */
  units?: ReadonlyMap<number, string>;
}

export function observationOf(unit: ObservationUnit, ctx: ObservationContext): FhirObservation {
  return unit.family === undefined ? singleObservation(unit.rows[0]!, ctx) : pressureObservation(unit.rows, unit.family, ctx);
}

export function patientReference(patientId: string): Record<string, unknown> {
  return FHIR_ID.test(patientId) ? { reference: `Patient/${patientId}` } : { identifier: { system: 'urn:wardlink:patient-id', value: patientId }, display: patientId };
}

/** The reading's key as an id (observation-id.ts): readable back by GET Observation/{id}. */
function observationId(r: FhirRow, metric: number): string {
  return encodeObservationId({ t: r.t, metric, patientId: r.patient_id, gatewayId: r.gateway_id, deviceId: r.device_id });
}

function header(r: FhirRow, metric: number, profile: string | undefined, code: FhirConcept): FhirObservation {
  return {
    resourceType: 'Observation',
    id: observationId(r, metric),
    ...(profile === undefined ? {} : { meta: { profile: [profile] } }),
    status: 'final',
    category: VITAL_SIGNS,
    code,
    subject: patientReference(r.patient_id),
    effectiveDateTime: r.t.toISOString(),
    device: { display: `device ${r.device_id} of gateway ${r.gateway_id}, bed ${r.bed_id}` },
  };
}

function mdcCoding(mdcCode: number): FhirCoding {
  const refId = metricByMdcCode(mdcCode)?.mdcRefId ?? knownTermOfCode(mdcCode)?.refId;
  return refId === undefined ? { system: MDC, code: String(mdcCode) } : { system: MDC, code: String(mdcCode), display: refId };
}

function metricCode(mdcCode: number): { code: FhirConcept; profile?: string } {
  const m = metricByMdcCode(mdcCode);
  const codes = m === undefined ? undefined : METRIC_CODES[m.id];
  const loinc = (codes?.loinc ?? []).map((l) => ({ system: LOINC, code: l.code, display: l.display }));
  const text = m?.displayName ?? knownTermOfCode(mdcCode)?.name ?? `MDC ${mdcCode}`;
  return { code: { coding: [...loinc, mdcCoding(mdcCode)], text }, ...(codes?.profile === undefined ? {} : { profile: codes.profile }) };
}

/** valueQuantity, or dataAbsentReason when the flags withhold the value; interpretation. */
function valueOf(r: FhirRow, ctx: ObservationContext): Record<string, unknown> {
  const interpretation = flagInterpretation(r.flags);
  const flagged = interpretation === undefined ? {} : { interpretation };
  if (valueWithheld(r.flags)) return { dataAbsentReason: dataAbsentReason(r.flags), ...flagged };
  const unit = metricByMdcCode(r.metric)?.ucum ?? ctx.units?.get(r.metric);
  const quantity = unit === undefined || unit === '' ? { value: r.value } : { value: r.value, unit, system: UCUM, code: unit };
  return { valueQuantity: quantity, ...flagged };
}

function singleObservation(r: FhirRow, ctx: ObservationContext): FhirObservation {
  const { code, profile } = metricCode(r.metric);
  return { ...header(r, r.metric, profile, code), ...valueOf(r, ctx) };
}

function pressureObservation(rows: FhirRow[], family: PressureFamily, ctx: ObservationContext): FhirObservation {
  const first = rows[0]!;
  const code: FhirConcept = { coding: [{ system: LOINC, code: BP_PANEL.code, display: BP_PANEL.display }, mdcCoding(family.mdcCode)], text: 'Blood pressure' };
  const component = (mdcCode: number) => {
    const r = rows.find((x) => x.metric === mdcCode);
    const c = metricCode(mdcCode).code;
    if (r !== undefined) return { code: c, ...valueOf(r, ctx) };
    return { code: c, dataAbsentReason: { coding: [{ system: DATA_ABSENT, code: 'unknown', display: 'Unknown' }], text: 'the monitor sent no value for it at this time' } };
  };
  const components = [component(family.sys), component(family.dia)];
  if (rows.some((r) => r.metric === family.mean)) components.push(component(family.mean));
  return { ...header(first, family.mdcCode, BP_PROFILE, code), component: components };
}
