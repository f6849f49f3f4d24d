/** The demo's live summary line: ingest, buffer, upload and alarms, from the daemons themselves. */
import Database from 'better-sqlite3';
import { countUnsentReadings, readLocalToken } from '@wardlink/gateway';

export interface SummarySources {
  gatewayHttpPort: number;
  cloudUrl: string;
  gatewayDatabasePath: string;
  /** Where the running gateway keeps `local-admin.token`, its CLI's key to /status. */
  gatewayDataDir: string;
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<Record<string, unknown> | null> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(1000) });
    return res.ok ? ((await res.json()) as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

async function cloudCounter(url: string, name: string): Promise<number> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(1000) })).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith(name))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  } catch {
    return Number.NaN;
  }
}

export async function summaryLine(src: SummarySources, feedPublished: number): Promise<string> {
  const token = readLocalToken(src.gatewayDataDir);
  const status = await getJson(`http://127.0.0.1:${src.gatewayHttpPort}/status`, token ? { authorization: `Bearer ${token}` } : {});
  const uploaded = await cloudCounter(src.cloudUrl, 'wardlink_cloud_readings_loaded_total');
  const db = new Database(src.gatewayDatabasePath, { readonly: true, fileMustExist: true });
  let unsent = 0;
  let raised = 0;
  let active = 0;
  try {
    unsent = countUnsentReadings(db);
    raised = (db.prepare("SELECT count(*) AS n FROM alarm_events WHERE phase = 'raised'").get() as { n: number }).n;
    active = (db.prepare("SELECT count(DISTINCT alarm_id) AS n FROM alarm_events a WHERE phase = 'raised' AND NOT EXISTS (SELECT 1 FROM alarm_events b WHERE b.alarm_id = a.alarm_id AND b.phase = 'cleared')").get() as { n: number }).n;
  } finally {
    db.close();
  }
  const rate = typeof status?.ingestReadingsPerS === 'number' ? status.ingestReadingsPerS.toFixed(0) : '-';
  const time = new Date().toISOString().slice(11, 19);
  const up = status?.uplink as { up?: boolean; backlogReadings?: number; oldestUnsentAgeS?: number | null } | null | undefined;
  const uplink = up ? `  uplink ${up.up ? 'up  ' : 'DOWN'} backlog ${String(up.backlogReadings ?? '-').padStart(6)}${up.oldestUnsentAgeS ? ` (oldest ${up.oldestUnsentAgeS.toFixed(0)} s)` : ''}` : '';
  return `${time}  sent ${String(feedPublished).padStart(6)} records  ingest ${rate.padStart(5)} readings/s  buffer unsent ${String(unsent).padStart(6)}  uploaded ${String(Number.isNaN(uploaded) ? '-' : uploaded).padStart(7)}  alarms raised ${String(raised).padStart(3)} active ${String(active).padStart(3)}${uplink}`;
}
