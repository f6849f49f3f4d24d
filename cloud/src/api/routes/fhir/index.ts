/** The FHIR R4 routes of a hospital (issue 16): Observation read and search, bulk export, metadata. */
import type { Router } from '../../router.js';
import type { ExportLevel } from '../../../fhir/export/export-store.js';
import { exportDelete, exportFile, exportKickOff, exportStatus, type ExportRouteDeps } from './bulk-export.js';
import { anonymousFhirRoute, fhirRoute } from './fhir-route.js';
import { fhirMetadata } from './metadata.js';
import { observationRead } from './observation-read.js';
import { observationSearch } from './observation-search.js';

export type { ExportRouteDeps } from './bulk-export.js';

export const FHIR_ROUTES = {
  observations: '/v1/hospitals/:hospitalId/fhir/Observation',
  observation: '/v1/hospitals/:hospitalId/fhir/Observation/:id',
  metadata: '/v1/hospitals/:hospitalId/fhir/metadata',
  export: '/v1/hospitals/:hospitalId/fhir/$export',
  patientExport: '/v1/hospitals/:hospitalId/fhir/Patient/$export',
  exportStatus: '/v1/hospitals/:hospitalId/fhir/$export-status/:jobId',
  exportFile: '/v1/hospitals/:hospitalId/fhir/$export-file/:jobId/:name',
} as const;

export function registerFhirRoutes(router: Router, deps: ExportRouteDeps): void {
  const kickOff = (pattern: string, level: ExportLevel) => fhirRoute(pattern, deps, exportKickOff(deps, level));
  router
    .add('GET', FHIR_ROUTES.observations, fhirRoute(FHIR_ROUTES.observations, deps, observationSearch(deps, FHIR_ROUTES.observations)))
    .add('GET', FHIR_ROUTES.observation, fhirRoute(FHIR_ROUTES.observation, deps, observationRead(deps)))
    .add('GET', FHIR_ROUTES.metadata, anonymousFhirRoute(FHIR_ROUTES.metadata, deps, fhirMetadata(deps)))
    .add('GET', FHIR_ROUTES.export, kickOff(FHIR_ROUTES.export, 'hospital'))
    .add('GET', FHIR_ROUTES.patientExport, kickOff(FHIR_ROUTES.patientExport, 'patient'))
    .add('GET', FHIR_ROUTES.exportStatus, fhirRoute(FHIR_ROUTES.exportStatus, deps, exportStatus(deps)))
    .add('DELETE', FHIR_ROUTES.exportStatus, fhirRoute(FHIR_ROUTES.exportStatus, deps, exportDelete(deps)))
    .add('GET', FHIR_ROUTES.exportFile, fhirRoute(FHIR_ROUTES.exportFile, deps, exportFile(deps)));
}
