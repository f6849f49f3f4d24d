/**
 * FHIR read by id and the CapabilityStatement over real HTTP and PostgreSQL: every
 * Observation a search answers is answered again, equal, at its fullUrl (readings of
 * short ids and of ids too long to write out); malformed ids are 400, unknown ones 404,
 * both OperationOutcomes; the read API's access rules; everything validated by Medplum.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '@wardlink/shared';
import { useTestDatabase } from '../../../testing/pg.js';
import { getRead, seedHospital, type ReadFixture } from '../../testing/read-fixtures.js';
import { startTestService, type TestService } from '../../testing/service.js';
import { fhirValidator } from '../../../fhir/testing/fhir-validator.js';
import { decodeObservationId, encodeObservationId } from '../../../fhir/observation-id.js';
import { insertReadings, wardSample, WARD_SAMPLE_OBSERVATIONS } from '../../../fhir/testing/readings.js';

type Resource = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const db = useTestDatabase();
let t: TestService;
let h1: ReadFixture;
let h2: ReadFixture;
const T0 = Date.parse('2026-03-01T08:00:00Z');
const RANGE = 'date=ge2026-03-01T00:00:00Z&date=lt2026-03-02T00:00:00Z';
/** A patient id too long to write out in an Observation id (hashed ids). */
const LONG_PATIENT = `MRN-${'7'.repeat(60)}`;
const validated: Resource[] = [];

/** `token` null: no Authorization header. */
async function fhir(path: string, token: string | null = h1.readerToken): Promise<{ status: number; type: string | null; body: Resource }> {
  const res = await getRead(t.url, path, token ?? undefined);
  const body = JSON.parse(res.text) as Resource;
  validated.push(body);
  return { status: res.status, type: res.headers.get('content-type'), body };
}
const codeOf = (body: Resource) => body.issue?.[0]?.details?.coding?.[0]?.code as string | undefined;

async function searchEntries(patient: string): Promise<Resource[]> {
  const { status, body } = await fhir(`/v1/hospitals/h1/fhir/Observation?patient=${encodeURIComponent(patient)}&${RANGE}&_count=1000`);
  expect(status).toBe(200);
  return body.entry ?? [];
}

beforeAll(async () => {
  t = await startTestService(db.connectionString, { server: { historyMaxDays: 7 } });
  h1 = await seedHospital(db.pool, 'h1', 1, new Date(T0));
  h2 = await seedHospital(db.pool, 'h2', 1, new Date(T0));
  await insertReadings(db.pool, 'h1', [...wardSample('P1', T0), ...wardSample(LONG_PATIENT, T0 + 600_000)]);
  // Only in h1: h2's reader must not find it under h2.
  await insertReadings(db.pool, 'h1', [{ patientId: 'P1', tMs: T0 + 3_600_000, metric: METRICS.HR.mdcCode, value: 64, deviceId: 'mon-9' }]);
  await insertReadings(db.pool, 'h2', wardSample('P1', T0));
}, 60_000);
afterAll(async () => {
  await t?.service.stop();
});

describe('FHIR read by id', () => {
  it('answers at every fullUrl of a search the resource the search answered', async () => {
    const entries = [...(await searchEntries('P1')), ...(await searchEntries(LONG_PATIENT))];
    expect(entries).toHaveLength(2 * WARD_SAMPLE_OBSERVATIONS + 1);
    const kinds = new Set<string>();
    for (const e of entries) {
      const url = new URL(e.fullUrl as string);
      expect(url.pathname).toBe(`/v1/hospitals/h1/fhir/Observation/${e.resource.id}`);
      kinds.add(decodeObservationId(e.resource.id).kind);
      const read = await fhir(url.pathname);
      expect(read.status, JSON.stringify(read.body)).toBe(200);
      expect(read.type).toContain('application/fhir+json');
      expect(read.body).toEqual(e.resource);
    }
    expect([...kinds].sort()).toEqual(['full', 'hashed']);
  });

  it('refuses a malformed id with 400 WL_FHIR_INVALID_ID and an unknown one with 404 WL_FHIR_NOT_FOUND', async () => {
    for (const bad of ['abc', 'x'.repeat(65), 'A'.repeat(40), 'not_an_id']) {
      const r = await fhir(`/v1/hospitals/h1/fhir/Observation/${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.type).toContain('application/fhir+json');
      expect(r.body.resourceType).toBe('OperationOutcome');
      expect(codeOf(r.body)).toBe('WL_FHIR_INVALID_ID');
    }
    const unknown = [
      encodeObservationId({ t: new Date(T0 + 1), metric: METRICS.HR.mdcCode, patientId: 'P1', gatewayId: 'h1-gw', deviceId: 'mon-1' }),
      encodeObservationId({ t: new Date(T0), metric: METRICS.HR.mdcCode, patientId: 'P1', gatewayId: 'h1-gw', deviceId: 'mon-7' }),
      // A blood pressure's parts are never Observations of their own: the panel is.
      encodeObservationId({ t: new Date(T0), metric: METRICS.NIBP_SYS.mdcCode, patientId: 'P1', gatewayId: 'h1-gw', deviceId: 'mon-1' }),
      encodeObservationId({ t: new Date(T0 + 600_000), metric: METRICS.HR.mdcCode, patientId: LONG_PATIENT, gatewayId: 'h1-gw', deviceId: 'mon-7' }),
    ];
    for (const id of unknown) {
      const r = await fhir(`/v1/hospitals/h1/fhir/Observation/${id}`);
      expect(r.status, id).toBe(404);
      expect(codeOf(r.body)).toBe('WL_FHIR_NOT_FOUND');
    }
  });

  it('applies the read API’s rules: a reader token of the hospital, readings of that hospital only', async () => {
    const only = (await searchEntries('P1')).find((e) => e.resource.device.display.includes('mon-9'))!.resource;
    const path = (hospital: string) => `/v1/hospitals/${hospital}/fhir/Observation/${only.id}`;
    expect((await fhir(path('h1'))).status).toBe(200);
    expect(codeOf((await fhir(path('h1'), null)).body)).toBe('WL_API_UNAUTHORIZED');
    expect(codeOf((await fhir(path('h1'), h2.readerToken)).body)).toBe('WL_API_FORBIDDEN_HOSPITAL');
    const other = await fhir(path('h2'), h2.readerToken);
    expect(other.status).toBe(404);
    expect(codeOf(other.body)).toBe('WL_FHIR_NOT_FOUND');
  });
});

describe('FHIR CapabilityStatement', () => {
  it('states R4, the Observation interactions and search parameters, and $export', async () => {
    const r = await fhir('/v1/hospitals/h1/fhir/metadata');
    expect(r.status).toBe(200);
    expect(r.type).toContain('application/fhir+json');
    expect(r.body).toMatchObject({ resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: '4.0.1' });
    expect(r.body.implementation.url).toBe(`${t.url}/v1/hospitals/h1/fhir`);
    const rest = r.body.rest[0];
    const observation = rest.resource.find((x: Resource) => x.type === 'Observation');
    expect(observation.interaction.map((i: Resource) => i.code)).toEqual(['read', 'search-type']);
    expect(observation.searchParam.map((p: Resource) => p.name)).toEqual(['patient', 'subject', 'code', 'date', '_count']);
    expect(rest.operation.map((o: Resource) => o.definition)).toEqual(['http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export']);
    expect(rest.resource.find((x: Resource) => x.type === 'Patient').operation[0].name).toBe('export');
  });

  it('is read without a token (a client learns there how to authenticate), and tells no hospital from another', async () => {
    const anonymous = await fhir('/v1/hospitals/h1/fhir/metadata', null);
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.rest[0].security.description).toMatch(/Bearer reader token/);
    const unknown = await fhir('/v1/hospitals/no-such-hospital/fhir/metadata', null);
    expect(unknown.status).toBe(200);
    expect(unknown.body.implementation.url).toBe(`${t.url}/v1/hospitals/no-such-hospital/fhir`);
    // Everything else still needs the hospital's token.
    const search = await fhir('/v1/hospitals/h1/fhir/Observation?patient=P1', null);
    expect(search.status).toBe(401);
    expect(codeOf(search.body)).toBe('WL_API_UNAUTHORIZED');
  });
});

describe('FHIR read answers', () => {
  it('are resources Medplum validates against R4 and the profiles they claim', async () => {
    const validate = await fhirValidator();
    const distinct = new Map(validated.flatMap((r) => [r, ...(r.entry ?? []).map((e: Resource) => e.resource)]).map((r) => [JSON.stringify(r), r as Resource]));
    const resources = [...distinct.values()];
    expect(resources.filter((r) => r.resourceType === 'CapabilityStatement').length).toBeGreaterThanOrEqual(1); // with and without a token
    expect(resources.filter((r) => r.resourceType === 'Observation').length).toBeGreaterThan(2 * WARD_SAMPLE_OBSERVATIONS);
    const errors = resources.flatMap((r) => validate(r).errors.map((e) => `${r.resourceType}/${r.id ?? ''}: ${e}`));
    expect(errors).toEqual([]);
    // The validator does catch a broken CapabilityStatement: no false confidence.
    const capability = resources.find((r) => r.resourceType === 'CapabilityStatement')!;
    expect(validate({ ...capability, kind: 'server', status: undefined }).errors.length).toBeGreaterThan(0);
  }, 60_000);
});
