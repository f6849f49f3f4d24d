/**
 * The baselines `pnpm bench cloud-ingest` measures the service against, on the same
 * tables: the COPY ceiling (pre-built rows COPYed by as many sessions as the service has
 * clients) and the naive one INSERT per reading. Apart from the bench's run, which only
 * sequences the phases and reports.
 */
import type pg from 'pg';
import { mdcCodeOfKey, type Batch } from '@wardlink/shared';
import { copyRows } from '@wardlink/cloud';
import { HOSPITAL } from './_cloud-ingest-load.js';

/** Empties the tables a phase writes, so each phase starts from empty tables. */
export async function truncate(pool: pg.Pool): Promise<void> {
  await pool.query('TRUNCATE vital_data, latest_vitals, batch_ledger, alarm_events');
  await pool.query('CHECKPOINT');
}

/** Runs `work` for every item with `concurrency` workers; returns the wall time in ms. */
export async function parallel<T>(items: readonly T[], concurrency: number, work: (item: T, worker: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (next < items.length) await work(items[next++]!, w);
    }),
  );
  return performance.now() - started;
}

export async function copyCeiling(pool: pg.Pool, chunks: readonly Buffer[], format: 'binary' | 'text', sessions: number): Promise<number> {
  const clients = await Promise.all(Array.from({ length: sessions }, () => pool.connect()));
  try {
    return await parallel(chunks, sessions, async (data, w) => void (await copyRows(clients[w]!, 'vital_data', data, format)));
  } finally {
    for (const c of clients) c.release();
  }
}

/**
 * COPYs each stream's chunks in order, one session per stream, the streams at once: as
 * the service loads its gateways (one session each, batches in order), not a shared
 * queue that puts one gateway's consecutive batches side by side.
 */
export async function copyStreams(pool: pg.Pool, streams: ReadonlyArray<readonly Buffer[]>): Promise<void> {
  const clients = await Promise.all(streams.map(() => pool.connect()));
  try {
    await Promise.all(
      streams.map(async (chunks, i) => {
        for (const data of chunks) await copyRows(clients[i]!, 'vital_data', data, 'binary');
      }),
    );
  } finally {
    for (const c of clients) c.release();
  }
}

export async function naiveInserts(pool: pg.Pool, batches: readonly Batch[], sample: number, sessions: number): Promise<number> {
  const rows = batches.flatMap((b) => b.readings.map((r) => ({ r, seq: b.seq }))).slice(0, sample);
  const clients = await Promise.all(Array.from({ length: sessions }, () => pool.connect()));
  try {
    const ms = await parallel(rows, sessions, async ({ r, seq }, w) => {
      await clients[w]!.query(
        `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id)
         VALUES (to_timestamp($1::float8 / 1000), to_timestamp($2::float8 / 1000), $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [r.deviceTimeMs, r.receivedAtMs, seq, r.value, mdcCodeOfKey(r.metric), r.flags, HOSPITAL, r.patientId ?? '', r.gatewayId, r.deviceId, r.bedId],
      );
    });
    return (rows.length / ms) * 1000;
  } finally {
    for (const c of clients) c.release();
  }
}
