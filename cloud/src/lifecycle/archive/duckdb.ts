/**
 * DuckDB (@duckdb/node-api) as the archive's independent reader: a different Parquet
 * implementation from the writer, so a bug on one side cannot hide itself. It gives
 * the verification figures of a file, and reads rows back for restore and for legal
 * hold extraction. One in-memory instance per job, closed with it.
 */
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { ColumnBuilder, TEXT_COLUMNS, type VitalColumns } from './columns.js';
import type { ArchiveStats } from './stats.js';

export interface RowFilter {
  patientId?: string;
  /** µs since the epoch, inclusive lower and exclusive upper bound on t. */
  fromUs?: number;
  toUs?: number;
}

const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

function where(filter: RowFilter): { sql: string; values: DuckDBValue[] } {
  const parts: string[] = [];
  const values: DuckDBValue[] = [];
  if (filter.patientId !== undefined) {
    values.push(filter.patientId);
    parts.push(`patient_id = $${values.length}`);
  }
  if (filter.fromUs !== undefined) {
    values.push(BigInt(filter.fromUs));
    parts.push(`epoch_us(t) >= $${values.length}`);
  }
  if (filter.toUs !== undefined) {
    values.push(BigInt(filter.toUs));
    parts.push(`epoch_us(t) < $${values.length}`);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', values };
}

export class DuckDbReader {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(): Promise<DuckDbReader> {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    // One thread: verification shares the machine with ingest (a day's file is read in
    // about a second anyway).
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    return new DuckDbReader(instance, await instance.connect());
  }

  /** The verification figures of the Parquet file at `path` (optionally filtered). */
  async stats(path: string, filter: RowFilter = {}): Promise<ArchiveStats> {
    const w = where(filter);
    const res = await this.connection.runAndReadAll(
      `SELECT count(*)::BIGINT AS rows,
              min(epoch_us(t))::VARCHAR, max(epoch_us(t))::VARCHAR,
              coalesce(sum(epoch_us(t)), 0)::VARCHAR, coalesce(sum(epoch_us(received_at)), 0)::VARCHAR,
              coalesce(sum(batch_seq), 0)::VARCHAR, coalesce(sum(metric), 0)::VARCHAR, coalesce(sum(flags), 0)::VARCHAR,
              coalesce(sum(strlen(hospital_id) + strlen(patient_id) + strlen(gateway_id) + strlen(device_id) + strlen(bed_id)), 0)::VARCHAR,
              coalesce(sum(value::DOUBLE) FILTER (WHERE isfinite(value)), 0)::DOUBLE,
              count(*) FILTER (WHERE NOT isfinite(value))::BIGINT
       FROM read_parquet(${literal(path)}) ${w.sql}`,
      w.values,
    );
    const r = res.getRows()[0]!;
    return {
      rows: Number(r[0] as bigint),
      minTUs: (r[1] as string | null) ?? null,
      maxTUs: (r[2] as string | null) ?? null,
      sumTUs: r[3] as string,
      sumReceivedUs: r[4] as string,
      sumBatchSeq: r[5] as string,
      sumMetric: r[6] as string,
      sumFlags: r[7] as string,
      textBytes: r[8] as string,
      sumValue: r[9] as number,
      nonFiniteValues: Number(r[10] as bigint),
    };
  }

  /** Rows of `path` in file order, in blocks of at most `blockRows`. */
  async *rows(path: string, filter: RowFilter = {}, blockRows = 65_536): AsyncGenerator<VitalColumns> {
    const w = where(filter);
    const result = await this.connection.stream(
      `SELECT epoch_us(t), epoch_us(received_at), batch_seq, value, metric, flags, ${TEXT_COLUMNS.join(', ')}
       FROM read_parquet(${literal(path)}) ${w.sql}`,
      w.values,
    );
    const builder = new ColumnBuilder(blockRows);
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      const cols = chunk.getColumns();
      for (let i = 0; i < chunk.rowCount; i++) {
        if (builder.full) yield builder.take()!;
        const r = builder.next();
        const c = builder.columns;
        c.tUs[r] = Number(cols[0]![i] as bigint);
        c.receivedUs[r] = Number(cols[1]![i] as bigint);
        c.batchSeq[r] = Number(cols[2]![i] as bigint);
        c.value[r] = cols[3]![i] as number;
        c.metric[r] = cols[4]![i] as number;
        c.flags[r] = cols[5]![i] as number;
        for (let k = 0; k < TEXT_COLUMNS.length; k++) {
          const column = TEXT_COLUMNS[k]!;
          c.text[column].ids[r] = builder.intern(column, cols[6 + k]![i] as string);
        }
      }
    }
    const rest = builder.take();
    if (rest) yield rest;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
