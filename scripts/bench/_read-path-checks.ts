/**
 * The read-path bench's answer checks (before the window: the figures are worthless if
 * the routes answer errors or empty bodies) and its archived-day measurements (after the
 * window): history of one patient, HR, over the archived day, and that day's daily report.
 */
import { Agent } from 'node:http';
import { percentile } from './cloud-ingest.js';
import { round } from './_compaction-common.js';
import { getTimed, newTimed } from './_read-path-readers.js';

async function get(url: string, token: string): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** The NDJSON done line of a history answer; throws unless the answer is complete. */
function doneLine(what: string, status: number, text: string): { rows: number; truncated: boolean; archivedDays?: string[] } {
  const last = JSON.parse(text.trimEnd().split('\n').at(-1) ?? '{}') as { done?: boolean; rows: number; truncated: boolean; archivedDays?: string[] };
  if (status !== 200 || last.done !== true) throw new Error(`${what}: ${status} ${text.slice(-300)}`);
  return last;
}

export async function checkAnswers(
  base: string,
  reader: string,
  wardReader: string,
  q: { hospitalId: string; patient: string; samplePatient: string; from: Date; to: Date; wardHospital: string },
): Promise<{ latestVitals: number; dashboardPatients: number; historyRows: number; historyBytes: number }> {
  const latest = await get(`${base}/v1/hospitals/${q.hospitalId}/patients/${encodeURIComponent(q.patient)}/latest`, reader);
  const vitals = latest.status === 200 ? (JSON.parse(latest.text) as { vitals: unknown[] }).vitals.length : 0;
  if (vitals === 0) throw new Error(`latest of ${q.patient}: ${latest.status} ${latest.text.slice(0, 300)}`);
  const dash = await get(`${base}/v1/hospitals/${q.wardHospital}/dashboard`, wardReader);
  const patients = dash.status === 200 ? (JSON.parse(dash.text) as { patients: unknown[] }).patients.length : 0;
  if (patients === 0) throw new Error(`dashboard: ${dash.status} ${dash.text.slice(0, 300)}`);
  const hist = await get(`${base}/v1/hospitals/${q.hospitalId}/patients/${encodeURIComponent(q.samplePatient)}/history?metric=HR&from=${q.from.toISOString()}&to=${q.to.toISOString()}`, reader);
  const done = doneLine('history 24 h', hist.status, hist.text);
  if (done.rows === 0 || done.truncated) throw new Error(`history 24 h: ${done.rows} rows, truncated ${done.truncated}`);
  return { latestVitals: vitals, dashboardPatients: patients, historyRows: done.rows, historyBytes: Buffer.byteLength(hist.text) };
}

export async function measureArchived(
  base: string,
  reader: string,
  q: { hospitalId: string; patients: string[]; from: Date; to: Date; day: string; runs: number },
): Promise<{ history: { p50: number | null; p99: number | null }; rows: number; reportS: number; reportRows: number }> {
  const url = (patient: string) => `${base}/v1/hospitals/${q.hospitalId}/patients/${encodeURIComponent(patient)}/history?metric=HR&from=${q.from.toISOString()}&to=${q.to.toISOString()}`;
  const first = await get(url(q.patients[0]!), reader);
  const done = doneLine('archived history', first.status, first.text);
  if (!done.archivedDays?.includes(q.day) || done.rows === 0) throw new Error(`archived history did not read ${q.day} from the archive: ${JSON.stringify(done)}`);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const timed = newTimed();
  for (let i = 0; i < q.runs; i++) await getTimed(agent, url(q.patients[i % q.patients.length]!), reader, timed);
  agent.destroy();
  if (timed.errors.length > 0) throw new Error(`archived history: ${timed.errors[0]}`);
  const t0 = performance.now();
  const report = await get(`${base}/v1/hospitals/${q.hospitalId}/reports/daily?date=${q.day}&format=ndjson`, reader);
  const reportS = (performance.now() - t0) / 1000;
  if (report.status !== 200) throw new Error(`archived daily report: ${report.status} ${report.text.slice(0, 300)}`);
  const pct = (n: number) => round(percentile(timed.ms, n), 1);
  return { history: { p50: pct(50), p99: pct(99) }, rows: done.rows, reportS: round(reportS, 3), reportRows: report.text.trimEnd().split('\n').length - 1 };
}
