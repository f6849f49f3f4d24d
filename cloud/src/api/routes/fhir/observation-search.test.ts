/**
 * FHIR Observation search over real HTTP and PostgreSQL: the mapping (LOINC + MDC,
 * UCUM, one blood-pressure Observation), flags never shown as measurements, paging that
 * visits every Observation exactly once, the read API's access rules, and every
 * resource answered validated with Medplum against R4 and the vital-signs profiles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '@wardlink/shared';
import { useTestDatabase } from '../../../testing/pg.js';
import { getRead, seedHospital, type ReadFixture } from '../../testing/read-fixtures.js';
import { startTestService, type TestService } from '../../testing/service.js';
import { fhirValidator } from '../../../fhir/testing/fhir-validator.js';
import { insertReadings, UNCATALOGUED, wardSample, WARD_SAMPLE_OBSERVATIONS } from '../../../fhir/testing/readings.js';

const db = useTestDatabase();
let t: TestService;
let h1: ReadFixture;
let h2: ReadFixture;
const T0 = Date.parse('2026-03-01T08:00:00Z');
const RANGE = 'date=ge2026-03-01T00:00:00Z&date=lt2026-03-02T00:00:00Z';
const LOINC = 'http://loinc.org';
const MDC = 'urn:iso:std:iso:11073:10101';

type Resource = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const validated: Resource[] = [];

async function search(query: string, token = h1.readerToken, hospital = 'h1') {
  const res = await getRead(t.url, `/v1/hospitals/${hospital}/fhir/Observation?${query}`, token);
  const body = JSON.parse(res.text) as Resource;
  validated.push(body);
  return { res, body };
}
const observations = (bundle: Resource): Resource[] => (bundle.entry ?? []).map((e: Resource) => e.resource);
const codesOf = (o: Resource) => o.code.coding.map((c: Resource) => `${c.system === LOINC ? 'loinc' : c.system === MDC ? 'mdc' : c.system}|${c.code}`);
const at = (all: Resource[], s: number, loinc: string) => all.find((o) => o.effectiveDateTime === new Date(T0 + s * 1000).toISOString() && codesOf(o).includes(`loinc|${loinc}`));

/** Every Observation of a search, following the next links. */
async function allPages(query: string): Promise<{ all: Resource[]; pages: number }> {
  const all: Resource[] = [];
  let path: string | undefined = `/v1/hospitals/h1/fhir/Observation?${query}`;
  let pages = 0;
  while (path !== undefined && pages < 100) {
    const res = await getRead(t.url, path, h1.readerToken);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as Resource;
    validated.push(body);
    all.push(...observations(body));
    pages++;
    const next = body.link.find((l: Resource) => l.relation === 'next')?.url as string | undefined;
    path = next === undefined ? undefined : new URL(next).pathname + new URL(next).search;
  }
  return { all, pages };
}

beforeAll(async () => {
  t = await startTestService(db.connectionString, { server: { historyMaxDays: 7 } });
  h1 = await seedHospital(db.pool, 'h1', 2, new Date(T0));
  h2 = await seedHospital(db.pool, 'h2', 1, new Date(T0));
  await insertReadings(db.pool, 'h1', wardSample('P1', T0));
  await insertReadings(db.pool, 'h2', wardSample('P1', T0));
  // 200 instants of HR and a whole blood pressure, 10 s apart, from a second monitor.
  const many = Array.from({ length: 200 }, (_, i) => T0 + 3_600_000 + i * 10_000).flatMap((tMs, i) => [
    { patientId: 'P1', tMs, metric: METRICS.HR.mdcCode, value: 60 + (i % 30), deviceId: 'mon-2' },
    { patientId: 'P1', tMs, metric: METRICS.NIBP_SYS.mdcCode, value: 110 + (i % 20), deviceId: 'mon-2' },
    { patientId: 'P1', tMs, metric: METRICS.NIBP_DIA.mdcCode, value: 70 + (i % 10), deviceId: 'mon-2' },
  ]);
  await insertReadings(db.pool, 'h1', many);
}, 60_000);
afterAll(async () => {
  await t?.service.stop();
});

describe('FHIR Observation search', () => {
  it('answers one patient’s readings as a searchset Bundle of vital-signs Observations', async () => {
    const { res, body } = await search(`patient=P1&date=ge2026-03-01T07:00:00Z&date=lt2026-03-01T09:00:00Z`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    expect(body).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    const all = observations(body);
    expect(all).toHaveLength(WARD_SAMPLE_OBSERVATIONS);
    const hr = at(all, 0, '8867-4')!;
    expect(hr).toMatchObject({
      resourceType: 'Observation',
      status: 'final',
      meta: { profile: ['http://hl7.org/fhir/StructureDefinition/heartrate'] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      subject: { reference: 'Patient/P1' },
      effectiveDateTime: '2026-03-01T08:00:00.000Z',
      valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    });
    expect(codesOf(hr)).toEqual(['loinc|8867-4', `mdc|${METRICS.HR.mdcCode}`]);
    expect(hr.device.display).toContain('mon-1');
    expect(codesOf(at(all, 0, '2708-6')!)).toEqual(['loinc|2708-6', 'loinc|59408-5', `mdc|${METRICS.SPO2.mdcCode}`]);
    expect(at(all, 0, '8310-5')!.valueQuantity).toEqual({ value: 36.6, unit: 'Cel', system: 'http://unitsofmeasure.org', code: 'Cel' });
    expect(at(all, 0, '9279-1')!.meta.profile).toEqual(['http://hl7.org/fhir/StructureDefinition/resprate']);
    expect(at(all, 0, '19889-5')!.valueQuantity.code).toBe('mm[Hg]');
    // No verified LOINC code: the MDC coding alone, and no vital-signs profile claimed.
    const pi = all.find((o) => codesOf(o).includes(`mdc|${METRICS.PI.mdcCode}`))!;
    expect(codesOf(pi)).toEqual([`mdc|${METRICS.PI.mdcCode}`]);
    expect(pi.meta).toBeUndefined();
    expect(codesOf(all.find((o) => codesOf(o).includes(`mdc|${UNCATALOGUED}`))!)).toEqual([`mdc|${UNCATALOGUED}`]);
    // Ids are unique, and the same on every search.
    expect(new Set(all.map((o) => o.id)).size).toBe(all.length);
    const again = observations((await search(`patient=Patient/P1&date=ge2026-03-01T07:00:00Z&date=lt2026-03-01T09:00:00Z`)).body);
    expect(again.map((o) => o.id)).toEqual(all.map((o) => o.id));
  });

  it('makes one Observation of a blood pressure: systolic, diastolic and mean as components', async () => {
    const all = observations((await search(`patient=P1&date=ge2026-03-01T07:00:00Z&date=lt2026-03-01T09:00:00Z`)).body);
    const bp = all.filter((o) => codesOf(o).includes('loinc|85354-9'));
    expect(bp).toHaveLength(3); // NIBP at 0 s and 60 s, ABP at 120 s
    expect(all.some((o) => codesOf(o).includes('loinc|8480-6') || codesOf(o).includes('loinc|8462-4'))).toBe(false);
    const first = bp.find((o) => o.effectiveDateTime === '2026-03-01T08:00:00.000Z')!;
    expect(first.meta.profile).toEqual(['http://hl7.org/fhir/StructureDefinition/bp']);
    expect(first.valueQuantity).toBeUndefined();
    expect(first.component.map((c: Resource) => [c.code.coding[0].code, c.valueQuantity.value, c.valueQuantity.code])).toEqual([
      ['8480-6', 120, 'mm[Hg]'],
      ['8462-4', 80, 'mm[Hg]'],
      ['8478-0', 93, 'mm[Hg]'],
    ]);
    const abp = bp.find((o) => o.effectiveDateTime === '2026-03-01T08:02:00.000Z')!;
    expect(codesOf(abp)).toEqual(['loinc|85354-9', 'mdc|150032']);
    expect(abp.component).toHaveLength(2);
    // A mean alone is not a blood pressure panel (the bp profile needs both): its own Observation.
    expect(at(all, 120, '8478-0')!.valueQuantity.value).toBe(90);
  });

  it('never presents a demo, invalid, sensor-off or mismatched value as a measurement', async () => {
    const all = observations((await search(`patient=P1&${RANGE}`)).body);
    const absent = (o: Resource) => o.dataAbsentReason?.coding?.[0]?.code;
    expect(absent(at(all, 60, '8867-4')!)).toBe('not-performed'); // SENSOR_OFF
    expect(absent(at(all, 60, '2708-6')!)).toBe('error'); // INVALID
    expect(absent(at(all, 120, '8867-4')!)).toBe('not-performed'); // DEMO
    expect(at(all, 120, '8867-4')!.dataAbsentReason.text).toContain('demo mode');
    expect(absent(at(all, 120, '2708-6')!)).toBe('error'); // PATIENT_MISMATCH
    const bp60 = all.find((o) => o.effectiveDateTime === '2026-03-01T08:01:00.000Z' && codesOf(o).includes('loinc|85354-9'))!;
    expect(bp60.component[0].valueQuantity.value).toBe(118);
    expect(bp60.component[1].valueQuantity).toBeUndefined();
    expect(bp60.component[1].dataAbsentReason.coding[0].code).toBe('not-performed');
    // A suspect clock keeps the value, and says so.
    const temp = at(all, 60, '8310-5')!;
    expect(temp.valueQuantity.value).toBe(36.7);
    expect(temp.interpretation[0].coding[0].code).toBe('CLOCK_SUSPECT');
    // And across every Observation and component: a withheld flag never comes with a value.
    const withheld = ['DEMO', 'INVALID', 'SENSOR_OFF', 'PATIENT_MISMATCH'];
    for (const part of all.flatMap((o) => [o, ...(o.component ?? [])])) {
      const flags = (part.interpretation ?? []).flatMap((i: Resource) => i.coding.map((c: Resource) => c.code));
      if (flags.some((f: string) => withheld.includes(f))) {
        expect(part.valueQuantity).toBeUndefined();
        expect(part.dataAbsentReason).toBeDefined();
      }
    }
  });

  it('pages with _count and an opaque cursor, visiting every Observation exactly once', async () => {
    const one = await search(`patient=P1&${RANGE}&_count=1000`);
    const whole = observations(one.body);
    expect(whole).toHaveLength(WARD_SAMPLE_OBSERVATIONS + 400);
    expect(one.body.link.some((l: Resource) => l.relation === 'next')).toBe(false);
    const paged = await allPages(`patient=P1&${RANGE}&_count=7`);
    expect(paged.pages).toBe(Math.ceil(whole.length / 7));
    expect(paged.all.map((o) => o.id)).toEqual(whole.map((o) => o.id));
    expect(paged.all).toEqual(whole);
    // A cursor belongs to its search: another patient's or range's is refused.
    const next = (await search(`patient=P1&${RANGE}&_count=3`)).body.link.find((l: Resource) => l.relation === 'next').url as string;
    const cursor = new URL(next).searchParams.get('_cursor')!;
    const { res, body } = await search(`patient=P2&${RANGE}&_cursor=${cursor}`);
    expect(res.status).toBe(400);
    expect(body.issue[0].details.coding[0].code).toBe('WL_FHIR_INVALID_CURSOR');
  });

  it('filters by LOINC or MDC code; a blood-pressure code selects the blood pressures', async () => {
    const hr = observations((await search(`patient=P1&${RANGE}&code=http://loinc.org|8867-4&_count=1000`)).body);
    expect(hr.length).toBe(3 + 1 + 200); // HR x3 and PR of mon-1, HR of mon-2
    expect(hr.every((o) => codesOf(o).includes('loinc|8867-4'))).toBe(true);
    const spo2 = observations((await search(`patient=P1&${RANGE}&code=${MDC}|${METRICS.SPO2.mdcCode}`)).body);
    expect(spo2).toHaveLength(3);
    const bp = observations((await search(`patient=P1&${RANGE}&code=85354-9&_count=1000`)).body);
    expect(bp.filter((o) => codesOf(o).includes('loinc|85354-9'))).toHaveLength(3 + 200);
    expect(observations((await search(`patient=P1&${RANGE}&code=http://loinc.org|0000-0`)).body)).toEqual([]);
  });

  it('applies the read API’s rules: reader token of the hospital, bounded ranges, codes in an OperationOutcome', async () => {
    const outcome = async (query: string, token: string | undefined, hospital = 'h1') => {
      const res = await getRead(t.url, `/v1/hospitals/${hospital}/fhir/Observation?${query}`, token);
      expect(res.headers.get('content-type')).toContain('application/fhir+json');
      const body = JSON.parse(res.text) as Resource;
      validated.push(body);
      expect(body.resourceType).toBe('OperationOutcome');
      return { status: res.status, code: body.issue[0].details.coding[0].code as string };
    };
    expect(await outcome(`patient=P1&${RANGE}`, undefined)).toEqual({ status: 401, code: 'WL_API_UNAUTHORIZED' });
    expect(await outcome(`patient=P1&${RANGE}`, h1.gatewayToken)).toEqual({ status: 401, code: 'WL_API_UNAUTHORIZED' });
    expect(await outcome(`patient=P1&${RANGE}`, h1.readerToken, 'h2')).toEqual({ status: 403, code: 'WL_API_FORBIDDEN_HOSPITAL' });
    expect(await outcome(RANGE, h1.readerToken)).toEqual({ status: 400, code: 'WL_FHIR_INVALID_PARAMETER' });
    expect(await outcome('patient=P1&date=ge2026-03-01T00:00:00Z&date=lt2026-03-09T00:00:00Z', h1.readerToken)).toEqual({ status: 400, code: 'WL_API_RANGE_TOO_LONG' });
    expect(await outcome('patient=P1&date=ge2026-03-01T00:00:00', h1.readerToken)).toEqual({ status: 400, code: 'WL_API_INVALID_TIME' });
    expect(await outcome('patient=P1&date=lt2026-03-01T00:00:00Z&date=ge2026-03-02T00:00:00Z', h1.readerToken)).toEqual({ status: 400, code: 'WL_API_INVALID_RANGE' });
    expect(await outcome(`patient=P1&${RANGE}&_count=0`, h1.readerToken)).toEqual({ status: 400, code: 'WL_FHIR_INVALID_PARAMETER' });
    // h2's reader sees h2's patient P1, not h1's.
    const own = observations((await search(`patient=P1&${RANGE}&_count=1000`, h2.readerToken, 'h2')).body);
    expect(own).toHaveLength(WARD_SAMPLE_OBSERVATIONS);
  });

  it('answers only resources that Medplum validates against R4 and the vital-signs profiles', async () => {
    const validate = await fhirValidator();
    expect(validated.length).toBeGreaterThan(10);
    // Each distinct resource once (pages repeat Observations; validating takes ~50 ms).
    const distinct = new Map(validated.flatMap((r) => [r, ...(r.entry ?? []).map((e: Resource) => e.resource)]).map((r) => [JSON.stringify(r), r as Resource]));
    const resources = [...distinct.values()];
    const errors = resources.flatMap((r) => validate(r).errors.map((e) => `${r.resourceType}/${r.id ?? ''}: ${e}`));
    expect(errors).toEqual([]);
    // The validator does catch a broken Observation: no false confidence.
    const broken = { ...resources.find((r) => r.meta?.profile?.[0]?.endsWith('/heartrate'))!, code: { coding: [{ system: LOINC, code: '8310-5' }] }, valueQuantity: undefined };
    expect(validate(broken).errors.length).toBeGreaterThan(0);
    const bp = resources.find((r) => r.meta?.profile?.[0]?.endsWith('/bp'))!;
    expect(validate({ ...bp, component: bp.component.slice(0, 1) }).errors.join()).toContain('DiastolicBP');
  }, 60_000);
});
