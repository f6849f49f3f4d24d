/**
 * GET /v1/hospitals/:hospitalId/fhir/Observation?patient=&code=&date=ge..&date=lt..&_count=:
 * one page of a patient's vital-signs Observations as a searchset Bundle, written while
 * it is read (streamSource: the 200 only after the first read, backpressure from the
 * socket). The "next" link carries the resolved date bounds and an opaque cursor, the
 * key of the page's last reading, so following the links visits every Observation
 * exactly once, also while new readings arrive.
 */
import { FHIR_JSON, operationOutcome } from '../../../fhir/operation-outcome.js';
import { BundleText, type BundleLink } from '../../../fhir/bundle-text.js';
import { fhirSources } from '../../../fhir/fhir-sources.js';
import type { FhirRow } from '../../../fhir/fhir-row.js';
import { observationOf, type ObservationContext } from '../../../fhir/observation.js';
import { PageReader } from '../../../fhir/page-reader.js';
import type { ObservationUnit } from '../../../fhir/grouping.js';
import { streamSource } from '../read/cursor-stream.js';
import type { ReadRouteDeps } from '../read/deps.js';
import { metricUnitsOf } from '../read/metric-units.js';
import { encodeCursor, parseObservationSearch, type ObservationSearch } from './search-params.js';
import { fhirBase, type FhirHandler } from './fhir-route.js';

function pageUrl(base: string, s: ObservationSearch, cursor?: string): string {
  const q = new URLSearchParams();
  q.set('patient', s.query.patientId);
  if (s.query.metrics !== undefined) q.set('code', s.query.metrics.map((m) => `urn:iso:std:iso:11073:10101|${m}`).join(','));
  q.append('date', `ge${s.query.from.toISOString()}`);
  q.append('date', `lt${s.query.to.toISOString()}`);
  q.set('_count', String(s.count));
  if (cursor !== undefined) q.set('_cursor', cursor);
  return `${base}/Observation?${q.toString()}`;
}

export function observationSearch(deps: ReadRouteDeps, route: string): FhirHandler {
  return async (ctx, params) => {
    const hospitalId = params.hospitalId!;
    const url = new URL(ctx.req.url ?? '/', 'http://x');
    const search = parseObservationSearch(url.searchParams, hospitalId, new Date(deps.clock.now()), deps.historyMaxDays);
    Object.assign(ctx.fields, { patientId: search.query.patientId, from: search.query.from.toISOString(), to: search.query.to.toISOString() });
    const base = fhirBase(ctx, hospitalId);
    const obsCtx: ObservationContext = { hospitalId, units: await metricUnitsOf(deps.pool, deps.clock).allOf(hospitalId) };
    const plan = await fhirSources(deps, search.query);
    const bundle = new BundleText(base);
    const page = new PageReader(search.count);
    const entries = (units: ObservationUnit[]) => units.map((u) => bundle.entry(observationOf(u, obsCtx))).join('');
    const self = `${base}/Observation${url.search}`;
    await streamSource<FhirRow>(ctx, deps, plan.source, {
      route,
      contentType: FHIR_JSON,
      head: bundle.head(new Date(deps.clock.now())),
      format: (rows) => {
        const units = page.push(rows);
        return { text: entries(units), rows: units.length, stop: page.full };
      },
      check: plan.check,
      done: () => {
        const last = entries(page.finish());
        const links: BundleLink[] = [{ relation: 'self', url: self }];
        if (page.next !== undefined) links.push({ relation: 'next', url: pageUrl(base, search, encodeCursor(search.fingerprint, page.next)) });
        return last + bundle.tail(links);
      },
      failed: (error, traceId) =>
        bundle.outcome(operationOutcome(error.code, `${error.message} (traceId ${traceId}); this page is incomplete, search again`, 503, 'fatal')) + bundle.tail([{ relation: 'self', url: self }]),
    });
  };
}
