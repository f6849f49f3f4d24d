/**
 * FHIR dateTime parameters: an instant with its zone (a bare local time means a
 * different instant on every machine), or a whole UTC day (YYYY-MM-DD). Refusals keep
 * the read API's WL_API_INVALID_TIME code.
 */
import { InvalidParameterError } from '@wardlink/shared';

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function parseFhirTime(parameter: string, raw: string): Date {
  const ms = INSTANT.test(raw) ? Date.parse(raw) : DAY.test(raw) ? Date.parse(`${raw}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms)) {
    throw new InvalidParameterError('WL_API_INVALID_TIME', parameter, `${parameter} must be a FHIR dateTime with its zone (2026-03-01T08:00:00Z) or a UTC day (2026-03-01)`, { value: raw.slice(0, 64) });
  }
  return new Date(ms);
}
