/**
 * What a reading's quality flags become in FHIR. A value that is not the patient's
 * physiology (simulated by a monitor in demo mode, the sensor off the patient, an
 * invalid-value marker, possibly another patient's) is never sent as a measurement: the
 * Observation carries a dataAbsentReason instead of a value (the raw number stays
 * readable in the history API). Every flag, including CLOCK_SUSPECT whose value is
 * real, is also listed in `interpretation` under Wardlink's flag code system, so a
 * consumer sees exactly what the monitor and the gateway reported.
 */
import { QualityFlag, type QualityFlagName } from '@wardlink/shared';
import { NOT_PHYSIOLOGY } from '../storage/not-physiology.js';

/** The code system of Wardlink's quality flags (the names of QualityFlag). */
export const WARDLINK_FLAG_SYSTEM = 'urn:wardlink:fhir:quality-flag';
const DATA_ABSENT = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';

export interface FhirCoding {
  system: string;
  code: string;
  display?: string;
}
export interface FhirConcept {
  coding: FhirCoding[];
  text?: string;
}

const MEANING: Record<QualityFlagName, string> = {
  DEMO: 'the monitor was in demo mode: the value is simulated, not the patient’s',
  SENSOR_OFF: 'the sensor was off the patient',
  INVALID: 'the monitor sent an invalid-value marker or a physiologically impossible value',
  PATIENT_MISMATCH: 'the monitor named another patient than the one admitted to the bed: the value may be another patient’s',
  CLOCK_SUSPECT: 'the monitor’s clock was wrong: the time is when the gateway received the reading',
};

/** The data-absent reason of each flag that withholds the value, in priority order. */
const ABSENT: Array<[number, string, string]> = [
  [QualityFlag.DEMO, 'not-performed', 'Not Performed'],
  [QualityFlag.SENSOR_OFF, 'not-performed', 'Not Performed'],
  [QualityFlag.INVALID, 'error', 'Error'],
  [QualityFlag.PATIENT_MISMATCH, 'error', 'Error'],
];

const NAMED = Object.entries(QualityFlag) as Array<[QualityFlagName, number]>;

/** True when the value must not be presented as a measurement. */
export function valueWithheld(flags: number): boolean {
  return (flags & NOT_PHYSIOLOGY) !== 0;
}

export function dataAbsentReason(flags: number): FhirConcept | undefined {
  const first = ABSENT.find(([bit]) => (flags & bit) !== 0);
  if (first === undefined) return undefined;
  const why = NAMED.filter(([, bit]) => (flags & bit) !== 0 && (bit & NOT_PHYSIOLOGY) !== 0).map(([name]) => MEANING[name]);
  return { coding: [{ system: DATA_ABSENT, code: first[1], display: first[2] }], text: why.join('; ') };
}

/** Every flag set, as Wardlink flag codes (unknown bits as "bit-N"); none for 0. */
export function flagInterpretation(flags: number): FhirConcept[] | undefined {
  if (flags === 0) return undefined;
  const coding: FhirCoding[] = NAMED.filter(([, bit]) => (flags & bit) !== 0).map(([name]) => ({ system: WARDLINK_FLAG_SYSTEM, code: name, display: MEANING[name] }));
  const known = NAMED.reduce((all, [, bit]) => all | bit, 0);
  for (let i = 0; i < 16; i++) if ((flags & (1 << i)) !== 0 && (known & (1 << i)) === 0) coding.push({ system: WARDLINK_FLAG_SYSTEM, code: `bit-${i}` });
  return [{ coding, text: 'Wardlink quality flags' }];
}
