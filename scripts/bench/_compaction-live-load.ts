/**
 * The compaction bench's live load (scripts/bench/compaction.ts): one session writing the
 * current hour the way the loader's staged path does (temp stage table, COPY, INSERT ...
 * ON CONFLICT DO NOTHING, one transaction a batch), timing every batch.
 */
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { VITAL_COLUMN_LIST } from '@wardlink/cloud';
import { BEDS_PER_GATEWAY, HOSPITAL, M, sleep } from './_compaction-common.js';

export const LIVE_BATCH_ROWS = 2_000;
const LIVE_PACE_MS = 100;

export interface BatchTiming {
  start: number;
  end: number;
  ms: number;
  /** Of `ms`, the COMMIT: the wait for the WAL up to it to be flushed. */
  commitMs: number;
}

export interface LiveLoad {
  timings: BatchTiming[];
  pid: number;
  stop(): Promise<void>;
}

/**
 * One session writing LIVE_BATCH_ROWS "now" readings of 400 other monitors every
 * LIVE_PACE_MS, each batch in one transaction the way the loader's staged path does.
 */
export async function startLiveLoad(url: string): Promise<LiveLoad> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const metrics = [M.HR, M.PR, M.SPO2, M.RR, M.PI];
  const devices = LIVE_BATCH_ROWS / metrics.length;
  const timings: BatchTiming[] = [];
  let running = true;
  let seq = 1;
  let lastT = 0;
  const loop = (async () => {
    while (running) {
      const start = performance.now();
      const t = Math.max(Date.now(), lastT + 1);
      lastT = t;
      const ts = new Date(t).toISOString();
      const rec = new Date(t + 180).toISOString();
      const lines: string[] = [];
      for (let d = 0; d < devices; d++) {
        const gw = `gw-live-${String(Math.floor(d / BEDS_PER_GATEWAY) + 1).padStart(2, '0')}`;
        const bed = `bed-${String((d % BEDS_PER_GATEWAY) + 1).padStart(2, '0')}`;
        for (const [i, metric] of metrics.entries()) {
          lines.push(`${ts}\t${rec}\t${seq}\t${60 + ((d * 7 + i * 13 + seq) % 40)}\t${metric}\t0\t${HOSPITAL}\tL${String(d).padStart(7, '0')}\t${gw}\tmon-${bed}\t${bed}\n`);
        }
      }
      seq++;
      await client.query('BEGIN');
      await client.query('CREATE TEMP TABLE wl_vital_stage (LIKE vital_data INCLUDING DEFAULTS) ON COMMIT DROP');
      await new Promise<void>((resolve, reject) => {
        const stream = client.query(copyFrom(`COPY wl_vital_stage (${VITAL_COLUMN_LIST}) FROM STDIN`));
        stream.on('error', reject);
        stream.on('finish', () => resolve());
        stream.end(lines.join(''));
      });
      await client.query(`INSERT INTO vital_data (${VITAL_COLUMN_LIST}) SELECT ${VITAL_COLUMN_LIST} FROM wl_vital_stage ON CONFLICT DO NOTHING`);
      const commitStart = performance.now();
      await client.query('COMMIT');
      const end = performance.now();
      timings.push({ start, end, ms: end - start, commitMs: end - commitStart });
      const wait = LIVE_PACE_MS - (end - start);
      if (wait > 0) await sleep(wait);
    }
  })();
  return {
    timings,
    pid,
    stop: async () => {
      running = false;
      await loop;
      await client.end();
    },
  };
}
