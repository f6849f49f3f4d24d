/**
 * The CapabilityStatement a hospital's FHIR base answers at GET .../fhir/metadata: what
 * this server does now, and nothing more: Observation read and search (patient or
 * subject, code, date, _count), the vital-signs profiles it claims, and Bulk Data
 * $export at system (the hospital) and Patient level, NDJSON, reader token required.
 */
import { BP_PROFILE, METRIC_CODES } from './codes.js';

const BULK = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition';
const SEARCH_PARAM = 'http://hl7.org/fhir/SearchParameter';

function vitalSignsProfiles(): string[] {
  const claimed = new Set(Object.values(METRIC_CODES).flatMap((c) => (c.profile === undefined ? [] : [c.profile])));
  claimed.add(BP_PROFILE);
  return [...claimed].sort();
}

export function capabilityStatement(base: string, date: Date): Record<string, unknown> {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: date.toISOString(),
    publisher: 'Wardlink',
    kind: 'instance',
    software: { name: 'Wardlink cloud' },
    implementation: { description: "Wardlink vital signs of one hospital's wards", url: base },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        security: { description: "Bearer reader token of this hospital (Authorization: Bearer <token>), as the Wardlink read API" },
        resource: [
          {
            type: 'Observation',
            supportedProfile: vitalSignsProfiles(),
            interaction: [{ code: 'read' }, { code: 'search-type', documentation: 'one patient at a time: patient (or subject) is required; date ranges are bounded' }],
            versioning: 'no-version',
            readHistory: false,
            updateCreate: false,
            searchParam: [
              { name: 'patient', definition: `${SEARCH_PARAM}/clinical-patient`, type: 'reference', documentation: 'required (or subject): patient=<id> or Patient/<id>' },
              { name: 'subject', definition: `${SEARCH_PARAM}/Observation-subject`, type: 'reference', documentation: 'the same as patient' },
              { name: 'code', definition: `${SEARCH_PARAM}/clinical-code`, type: 'token', documentation: 'LOINC or MDC (urn:iso:std:iso:11073:10101) codes, with or without their system; a list is OR' },
              { name: 'date', definition: `${SEARCH_PARAM}/clinical-date`, type: 'date', documentation: 'prefixes ge, gt, lt, le: at most one lower and one upper bound' },
              { name: '_count', type: 'number', documentation: 'Observations per page, 1 to 1000 (default 100)' },
            ],
            operation: [{ name: 'export', definition: `${BULK}/export` }],
          },
          { type: 'Patient', operation: [{ name: 'export', definition: `${BULK}/patient-export`, documentation: 'the Observations of every admitted patient' }] },
        ],
        operation: [{ name: 'export', definition: `${BULK}/export`, documentation: "the hospital's Observations, NDJSON, asynchronous (Prefer: respond-async)" }],
      },
    ],
  };
}
