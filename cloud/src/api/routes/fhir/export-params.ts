/**
 * The kick-off parameters of a bulk export: `_since` (default: the longest range a read
 * may cover, server.historyMaxDays before now; older is refused, as every read range is
 * bounded), `_type` (only Observation: any other type is refused with
 * WL_FHIR_UNSUPPORTED_TYPE rather than silently left out), `_outputFormat` (NDJSON
 * only). `_typeFilter` and `patient` are refused: this server cannot honour them, and
 * ignoring them would export more than was asked for. Others are ignored.
 */
import { InvalidParameterError } from '@wardlink/shared';
import { FhirParameterError } from '../../../fhir/fhir-errors.js';
import { parseFhirTime } from './fhir-time.js';

const DAY_MS = 86_400_000;
const NDJSON_FORMATS = new Set(['application/fhir+ndjson', 'application/ndjson', 'ndjson']);

export interface ExportParams {
  since: Date;
  until: Date;
}

export function parseExportParams(search: URLSearchParams, now: Date, maxDays: number): ExportParams {
  for (const name of ['_typeFilter', 'patient', '_elements', 'includeAssociatedData']) {
    if (search.has(name)) throw new FhirParameterError('WL_FHIR_INVALID_PARAMETER', name, `${name} is not supported by this server's $export; leave it out`);
  }
  const types = search.getAll('_type').flatMap((v) => v.split(',')).filter((t) => t !== '');
  const other = types.find((t) => t !== 'Observation');
  if (other !== undefined) throw new FhirParameterError('WL_FHIR_UNSUPPORTED_TYPE', '_type', `this server exports only Observation resources, not ${other.slice(0, 64)}; ask for _type=Observation`);
  const format = search.get('_outputFormat');
  if (format !== null && !NDJSON_FORMATS.has(format)) throw new FhirParameterError('WL_FHIR_UNSUPPORTED_FORMAT', '_outputFormat', 'the only output format is application/fhir+ndjson');
  const earliest = new Date(now.getTime() - maxDays * DAY_MS);
  const raw = search.get('_since');
  const since = raw === null ? earliest : parseFhirTime('_since', raw);
  if (since < earliest) {
    throw new InvalidParameterError('WL_API_RANGE_TOO_LONG', '_since', `_since is more than ${maxDays} days ago; export in pieces of at most ${maxDays} days`, { maxDays });
  }
  if (since >= now) throw new InvalidParameterError('WL_API_INVALID_RANGE', '_since', '_since must be in the past');
  return { since, until: now };
}
