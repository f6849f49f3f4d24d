/**
 * A hospital's report aggregates of one archived day, computed by DuckDB from the day's
 * Parquet objects: per patient, metric and bucket (an hour or a day, UTC), the same
 * figures as REPORT_SQL computes in PostgreSQL (storage/queries.ts), in its order
 * (patient, metric, bucket; DuckDB compares ids as bytes, as COLLATE "C" does), streamed in
 * chunks. `vsum` (the sum of the measured values) is given beside `avg`, so a bucket
 * that also has readings in PostgreSQL (late readings of an archived day) can be
 * combined exactly.
 */
import { rm } from 'node:fs/promises';
import type { DuckDBResult } from '@duckdb/node-api';
import type { ArchiveStore } from '../store/archive-store.js';
import { float4AsPostgres, literal, localFiles, type ArchivedReadingsReader } from './archived-readings.js';
import type { ArchiveObject } from './objects.js';

export interface ArchivedAggregate {
  patient_id: string;
  metric: number;
  bucket: Date;
  count: number;
  flagged: number;
  measured: number;
  min: number | null;
  max: number | null;
  avg: number | null;
  vsum: number | null;
}

export interface AggregateSpec {
  from: Date;
  to: Date;
  /** Bucket width: 3,600,000 (hour) or 86,400,000 (day); buckets start at UTC midnight multiples. */
  bucketMs: number;
  /** Readings with any of these flags are counted but not measured (NOT_PHYSIOLOGY). */
  notMeasuredMask: number;
}

const orNull = (v: number | null) => (v === null ? null : float4AsPostgres(v));

export async function* archivedAggregates(reader: ArchivedReadingsReader, store: ArchiveStore, objects: ArchiveObject[], spec: AggregateSpec): AsyncGenerator<ArchivedAggregate[]> {
  if (objects.length === 0) return;
  const connection = await reader.connection();
  const files = await localFiles(store, objects);
  const bucketUs = BigInt(spec.bucketMs) * 1000n;
  const measured = `flags & ${spec.notMeasuredMask} = 0`;
  try {
    const result: DuckDBResult = await connection.stream(
      `SELECT patient_id, metric, ((epoch_us(t) // ${bucketUs}) * ${bucketUs / 1000n})::DOUBLE AS bucket,
              count(*)::DOUBLE, count(*) FILTER (WHERE flags <> 0)::DOUBLE, count(*) FILTER (WHERE ${measured})::DOUBLE,
              min(value) FILTER (WHERE ${measured}), max(value) FILTER (WHERE ${measured}), sum(value::DOUBLE) FILTER (WHERE ${measured})
       FROM read_parquet([${files.paths.map(literal).join(', ')}])
       WHERE patient_id <> '' AND t >= ${literal(spec.from.toISOString())}::TIMESTAMPTZ AND t < ${literal(spec.to.toISOString())}::TIMESTAMPTZ
       GROUP BY ALL
       ORDER BY patient_id, metric, bucket`,
    );
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      const c = chunk.getColumns() as [string[], number[], number[], number[], number[], number[], Array<number | null>, Array<number | null>, Array<number | null>];
      const rows = new Array<ArchivedAggregate>(chunk.rowCount);
      for (let i = 0; i < chunk.rowCount; i++) {
        const m = c[5][i]!;
        const vsum = c[8][i] ?? null;
        rows[i] = {
          patient_id: c[0][i]!,
          metric: c[1][i]!,
          bucket: new Date(c[2][i]!),
          count: c[3][i]!,
          flagged: c[4][i]!,
          measured: m,
          min: orNull(c[6][i] ?? null),
          max: orNull(c[7][i] ?? null),
          avg: vsum === null || m === 0 ? null : vsum / m,
          vsum,
        };
      }
      yield rows;
    }
  } finally {
    await Promise.all(files.temps.map((temp) => rm(temp, { force: true })));
  }
}
