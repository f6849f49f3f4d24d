/**
 * The codes of a FHIR vital-signs Observation for each catalog metric: LOINC first (what
 * clinical systems search by), then the metric's ISO/IEEE 11073-10101 (MDC) code as a
 * second coding, so a device-aware consumer keeps the monitor's own term. The profile is
 * the R4 vital-signs profile the codes satisfy; a metric with no verified LOINC code (PI)
 * gets only its MDC coding and no vital-signs profile. Sources: docs/interop.md.
 */
import { METRICS, type MetricId } from '@wardlink/shared';

export const LOINC = 'http://loinc.org';
/** The MDC code system URI of FHIR R4's terminology list (urn:iso:std:iso:11073:10101). */
export const MDC = 'urn:iso:std:iso:11073:10101';
export const UCUM = 'http://unitsofmeasure.org';
const VS = 'http://hl7.org/fhir/StructureDefinition/';

export interface LoincCode {
  code: string;
  display: string;
}

export interface MetricCodes {
  loinc: LoincCode[];
  /** The vital-signs profile the Observation claims in meta.profile, when one fits. */
  profile?: string;
}

export const METRIC_CODES: Readonly<Record<MetricId, MetricCodes>> = {
  HR: { loinc: [{ code: '8867-4', display: 'Heart rate' }], profile: `${VS}heartrate` },
  // A pulse rate from the oximeter is a heart rate: 8867-4 keeps it in the heartrate profile.
  PR: { loinc: [{ code: '8889-8', display: 'Heart rate by Pulse oximetry' }, { code: '8867-4', display: 'Heart rate' }], profile: `${VS}heartrate` },
  // The oxygensat profile requires 2708-6; 59408-5 says it was measured by pulse oximetry.
  SPO2: {
    loinc: [
      { code: '2708-6', display: 'Oxygen saturation in Arterial blood' },
      { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry' },
    ],
    profile: `${VS}oxygensat`,
  },
  PI: { loinc: [] },
  RR: { loinc: [{ code: '9279-1', display: 'Respiratory rate' }], profile: `${VS}resprate` },
  NIBP_SYS: { loinc: [{ code: '8480-6', display: 'Systolic blood pressure' }] },
  NIBP_DIA: { loinc: [{ code: '8462-4', display: 'Diastolic blood pressure' }] },
  NIBP_MEAN: { loinc: [{ code: '8478-0', display: 'Mean blood pressure' }] },
  ABP_SYS: { loinc: [{ code: '8480-6', display: 'Systolic blood pressure' }] },
  ABP_DIA: { loinc: [{ code: '8462-4', display: 'Diastolic blood pressure' }] },
  ABP_MEAN: { loinc: [{ code: '8478-0', display: 'Mean blood pressure' }] },
  TEMP: { loinc: [{ code: '8310-5', display: 'Body temperature' }], profile: `${VS}bodytemp` },
  ETCO2: { loinc: [{ code: '19889-5', display: 'Carbon dioxide [Partial pressure] in Exhaled gas --at end expiration' }] },
};

/** A blood pressure measured as systolic, diastolic and mean at one time: one
 * Observation of the panel code, the three as components (the bp profile). */
export interface PressureFamily {
  /** The MDC code of the pressure itself (the panel's second coding). */
  mdcCode: number;
  mdcRefId: string;
  sys: number;
  dia: number;
  mean: number;
}

export const BP_PANEL: LoincCode = { code: '85354-9', display: 'Blood pressure panel with all children optional' };
export const BP_PROFILE = `${VS}bp`;

export const PRESSURE_FAMILIES: readonly PressureFamily[] = [
  { mdcCode: 150020, mdcRefId: 'MDC_PRESS_BLD_NONINV', sys: METRICS.NIBP_SYS.mdcCode, dia: METRICS.NIBP_DIA.mdcCode, mean: METRICS.NIBP_MEAN.mdcCode },
  { mdcCode: 150032, mdcRefId: 'MDC_PRESS_BLD_ART', sys: METRICS.ABP_SYS.mdcCode, dia: METRICS.ABP_DIA.mdcCode, mean: METRICS.ABP_MEAN.mdcCode },
];

/** The pressure family a metric code belongs to, if any. */
export function pressureFamilyOf(mdcCode: number): PressureFamily | undefined {
  return PRESSURE_FAMILIES.find((f) => f.sys === mdcCode || f.dia === mdcCode || f.mean === mdcCode);
}
