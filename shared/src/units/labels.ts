/**
 * UCUM codes as a nurse reads them. UCUM stays the unit on the wire, in HL7 and in FHIR
 * (`mm[Hg]`, `Cel`); people see the clinical spelling on cards and in alarm texts, so a
 * bed card and the alarm about it never disagree.
 */
const UNIT_LABELS: Readonly<Record<string, string>> = { Cel: '°C', 'mm[Hg]': 'mmHg' };

/** The display spelling of a UCUM code; codes without one are shown as they are. */
export function unitLabel(ucum: string): string {
  return UNIT_LABELS[ucum] ?? ucum;
}
