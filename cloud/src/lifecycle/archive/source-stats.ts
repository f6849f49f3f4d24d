/**
 * The verification figures computed by PostgreSQL itself over the source table (a
 * detached partition, still present until the job drops it): the "source" side of
 * "count, min/max t and sums agree with the source". Exact: microseconds come from
 * round(date_part('epoch', t) * 1e6), float8 arithmetic whose error stays below 0.5 µs
 * for every time before 2106 (3x cheaper than the numeric EXTRACT on a day's scan), and
 * sums of bigint are exact (128-bit accumulators).
 */
import type pg from 'pg';
import { sleep, systemClock, type Clock } from '@wardlink/shared';
import { isCitusTable } from '../../storage/citus.js';
import { withClient } from '../../storage/pool.js';
import { blockReadingsSql, blocksTableOf } from './day-source.js';
import type { ArchiveStats } from './stats.js';

const us = (expr: string) => `round(date_part('epoch', ${expr}) * 1000000)::bigint`;

interface Row {
  hospital_id: string;
  rows: string;
  min_t: string | null;
  max_t: string | null;
  sum_t: string;
  sum_r: string;
  sum_seq: string;
  sum_metric: string;
  sum_flags: string;
  text_bytes: string;
  sum_value: number;
  non_finite: number;
}

const CHUNK_PAGES = 8_192; // 64 MB of heap, ~600k rows
const BLOCK_CHUNK_PAGES = 16;

function statsSql(from: string): string {
  return `
    SELECT hospital_id, count(*)::text AS rows,
           ${us('min(t)')}::text AS min_t, ${us('max(t)')}::text AS max_t,
           sum(${us('t')})::text AS sum_t, sum(${us('received_at')})::text AS sum_r,
           sum(batch_seq)::text AS sum_seq, sum(metric)::text AS sum_metric, sum(flags)::text AS sum_flags,
           sum(octet_length(hospital_id) + octet_length(patient_id) + octet_length(gateway_id) + octet_length(device_id) + octet_length(bed_id))::text AS text_bytes,
           coalesce(sum(value::float8) FILTER (WHERE value NOT IN ('Infinity', '-Infinity', 'NaN')), 0) AS sum_value,
           count(*) FILTER (WHERE value IN ('Infinity', '-Infinity', 'NaN'))::int AS non_finite
    FROM ${from}
    GROUP BY hospital_id`;
}

function statsOf(r: Row): ArchiveStats {
  return {
    rows: Number(r.rows),
    minTUs: r.min_t,
    maxTUs: r.max_t,
    sumTUs: r.sum_t,
    sumReceivedUs: r.sum_r,
    sumBatchSeq: r.sum_seq,
    sumMetric: r.sum_metric,
    sumFlags: r.sum_flags,
    textBytes: r.text_bytes,
    sumValue: Number(r.sum_value),
    nonFiniteValues: r.non_finite,
  };
}

function merge(a: ArchiveStats | undefined, b: ArchiveStats): ArchiveStats {
  if (!a) return b;
  const big = (x: string, y: string) => String(BigInt(x) + BigInt(y));
  const pick = (x: string | null, y: string | null, min: boolean) => (x === null ? y : y === null ? x : (BigInt(x) < BigInt(y)) === min ? x : y);
  return {
    rows: a.rows + b.rows,
    minTUs: pick(a.minTUs, b.minTUs, true),
    maxTUs: pick(a.maxTUs, b.maxTUs, false),
    sumTUs: big(a.sumTUs, b.sumTUs),
    sumReceivedUs: big(a.sumReceivedUs, b.sumReceivedUs),
    sumBatchSeq: big(a.sumBatchSeq, b.sumBatchSeq),
    sumMetric: big(a.sumMetric, b.sumMetric),
    sumFlags: big(a.sumFlags, b.sumFlags),
    textBytes: big(a.textBytes, b.textBytes),
    sumValue: a.sumValue + b.sumValue,
    nonFiniteValues: a.nonFiniteValues + b.nonFiniteValues,
  };
}

/**
 * Figures per hospital of the day of `table` (a detached partition, with its detached
 * vital_blocks partition if the day was compacted), read in chunks of pages (TID
 * range scans) with a pause of `throttleRatio` x the time of each chunk in between, so
 * a day's scan leaves CPU and I/O to ingest.
 */
export async function sourceStats(pool: pg.Pool, table: string, throttleRatio = 0, clock: Clock = systemClock): Promise<Map<string, ArchiveStats>> {
  return withClient(pool, async (client) => {
    await client.query('SET statement_timeout = 0');
    try {
      const out = new Map<string, ArchiveStats>();
      const citus = await isCitusTable(client, `"${table}"`);
      // The chunks are ranges of heap pages (ctid). On Citus a distributed table's
      // coordinator relation holds no pages: each shard has its own heap and the ctid
      // range applies in every shard, so the range must cover the largest shard's heap.
      const pagesOf = async (t: string) =>
        Number(
          (
            await client.query<{ pages: string | null }>(
              citus
                ? `SELECT (max(result::bigint) / current_setting('block_size')::int)::text AS pages FROM run_command_on_shards($1::regclass, $$SELECT pg_relation_size('%s')$$) WHERE success`
                : `SELECT (pg_relation_size($1::regclass) / current_setting('block_size')::int)::text AS pages`,
              [`"${t}"`],
            )
          ).rows[0]!.pages ?? 0,
        );
      const scan = async (t: string, chunkPages: number, from: (range: (alias: string) => string) => string) => {
        const pages = await pagesOf(t);
        for (let first = 0; first < Math.max(pages, 1); first += chunkPages) {
          const started = clock.monotonicMs();
          const res = await client.query<Row>(statsSql(from((alias) => `${alias}ctid >= $1::tid AND ${alias}ctid < $2::tid`)), [`(${first},0)`, `(${first + chunkPages},0)`]);
          for (const r of res.rows) out.set(r.hospital_id, merge(out.get(r.hospital_id), statsOf(r)));
          if (throttleRatio > 0) await sleep((clock.monotonicMs() - started) * throttleRatio, clock);
        }
      };
      await scan(table, CHUNK_PAGES, (range) => `(SELECT * FROM "${table}" WHERE ${range('')}) s`);
      // The day's compacted hours: a page of blocks holds ~100k readings, hence the small chunks.
      const blocks = await blocksTableOf(client, table);
      if (blocks) await scan(blocks, BLOCK_CHUNK_PAGES, (range) => `(${blockReadingsSql(blocks, range('b.'))}) s`);
      return out;
    } finally {
      await client.query('RESET statement_timeout').catch(() => undefined);
    }
  });
}
