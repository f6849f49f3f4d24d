/**
 * The FHIR routes' own refusals, each a class with a stable code (answered as an
 * OperationOutcome whose issue names the code). Parameter problems shared with the read
 * API (times, ranges) keep the read API's WL_API_* codes.
 */
import { ApiError } from '@wardlink/shared';

/** 400: a search parameter or export parameter this server does not accept. */
export class FhirParameterError extends ApiError {
  constructor(code: 'WL_FHIR_INVALID_PARAMETER' | 'WL_FHIR_INVALID_CURSOR' | 'WL_FHIR_UNSUPPORTED_TYPE' | 'WL_FHIR_UNSUPPORTED_FORMAT', parameter: string, message: string) {
    super(code, 400, message, { parameter });
  }
}

/** 400: a bulk export kick-off without "Prefer: respond-async" (the spec requires it). */
export class AsyncRequiredError extends ApiError {
  constructor() {
    super('WL_FHIR_ASYNC_REQUIRED', 400, 'a bulk export runs asynchronously: send the kick-off with the header "Prefer: respond-async"');
  }
}

/** 404: no export job of this id in this hospital (never started, deleted, or expired). */
export class ExportNotFoundError extends ApiError {
  constructor(jobId: string) {
    super('WL_FHIR_EXPORT_NOT_FOUND', 404, `no bulk export "${jobId.slice(0, 64)}" in this hospital: it was deleted, or it expired; start a new one`, { jobId: jobId.slice(0, 64) });
  }
}

/** 429: the hospital has as many exports running as allowed. */
export class TooManyExportsError extends ApiError {
  constructor(max: number) {
    super('WL_FHIR_TOO_MANY_EXPORTS', 429, `this hospital already has ${max} bulk exports queued or running; wait for one to finish or DELETE one`, { max }, 30);
  }
}

/** 500 (in the status answer): the export job failed; its message says why. */
export class ExportFailedError extends ApiError {
  constructor(reason: string) {
    super('WL_FHIR_EXPORT_FAILED', 500, `the bulk export failed: ${reason}; start a new one, and report it to IT if it fails again`);
  }
}

/** 503: the job is done but its file is not on this instance's disk: exports are written
 * to the data folder of the instance that ran them (share it between instances). */
export class ExportFileUnavailableError extends ApiError {
  constructor(name: string) {
    super('WL_FHIR_EXPORT_FILE_UNAVAILABLE', 503, `export file ${name} is not in this instance's data folder; the instances must share <dataDir>/fhir-exports, or retry on the instance that ran the export`, {}, 5);
  }
}

/** 400: an Observation id this server never gave out (not an encoded reading key). */
export class FhirInvalidIdError extends ApiError {
  constructor(id: string) {
    super('WL_FHIR_INVALID_ID', 400, `"${id.slice(0, 64)}" is not an Observation id of this server; use the id of a search or export answer as given`, { id: id.slice(0, 64) });
  }
}

/** 404: a well-formed Observation id whose reading is not (or no longer) stored here. */
export class FhirNotFoundError extends ApiError {
  constructor(resource: string) {
    super('WL_FHIR_NOT_FOUND', 404, `${resource.slice(0, 100)} is not stored for this hospital`, { resource: resource.slice(0, 100) });
  }
}
