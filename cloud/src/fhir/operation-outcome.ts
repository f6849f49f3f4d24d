/**
 * Errors of the FHIR routes as OperationOutcome resources: the HTTP status and message
 * of the error's answer, and its stable Wardlink code in issue[].details.coding, so a
 * FHIR client branches on the same codes as every other Wardlink client.
 */
import { answerFor } from '../api/errors.js';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';
export const WARDLINK_ERROR_SYSTEM = 'urn:wardlink:fhir:error-code';

/** The FHIR issue type of an HTTP status (http://hl7.org/fhir/issue-type). */
function issueType(status: number): string {
  if (status === 401) return 'login';
  if (status === 403) return 'forbidden';
  if (status === 404 || status === 410) return 'not-found';
  if (status === 429 || status === 503) return 'transient';
  if (status >= 500) return 'exception';
  return 'invalid';
}

export function operationOutcome(code: string, message: string, status: number, severity: 'error' | 'fatal' | 'information' = 'error'): Record<string, unknown> {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity, code: severity === 'information' ? 'informational' : issueType(status), details: { coding: [{ system: WARDLINK_ERROR_SYSTEM, code }], text: message } }],
  };
}

export interface OutcomeAnswer {
  status: number;
  code: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  unexpected: boolean;
}

export function outcomeFor(err: unknown, traceId: string): OutcomeAnswer {
  const a = answerFor(err);
  const headers: Record<string, string> = { ...a.headers };
  if (a.retryAfterS !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(a.retryAfterS)));
  const body = operationOutcome(a.code, a.message, a.status);
  (body.issue as Array<Record<string, unknown>>)[0]!.diagnostics = `traceId ${traceId}`;
  return { status: a.status, code: a.code, headers, body, unexpected: a.unexpected };
}
