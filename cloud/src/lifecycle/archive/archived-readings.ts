/**
 * One patient's metric over a time range, read from archived days' Parquet objects with
 * DuckDB, oldest first, a chunk at a time: what the read API's history answers for days
 * past the hot period, without a restore.
 *
 * The rows look as the hot query returns them (node-postgres' shapes), so an archived
 * reading is answered exactly as it was before its day was archived:
 * - times are truncated to the millisecond, as node-postgres truncates timestamptz;
 * - a value is the float4 PostgreSQL printed (its shortest round-tripping decimal), not
 *   the float4's binary expansion DuckDB hands over (36.3, not 36.29999923706055).
 *
 * Memory: DuckDB sorts one day's rows of one patient and metric (86,400 at 1 Hz) and
 * hands them over in chunks of 2,048; a remote object is downloaded to a temporary file
 * first (DuckDB reads Parquet from files), one day at a time, deleted after the day.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DuckDBConnection, DuckDBInstance, DuckDBResult } from '@duckdb/node-api';
import type { ArchiveStore } from '../store/archive-store.js';
import type { ArchiveObject } from './objects.js';

/** A reading as the history reads it from PostgreSQL. */
export interface ArchivedReading {
  t: Date;
  value: number;
  flags: number;
  received_at: Date;
}

export interface ReadingFilter {
  patientId: string;
  metric: number;
  /** [from, to). */
  from: Date;
  to: Date;
}

/** The shortest decimal that reads back as the same float4: what PostgreSQL prints for a
 * real (extra_float_digits = 1, its default), which node-postgres then parses. */
export function float4AsPostgres(v: number): number {
  // Most vitals are whole numbers at monitor resolution: up to 2^24, where a float4's
  // spacing is at most 1, a whole number is already its shortest decimal.
  if ((Number.isInteger(v) && Math.abs(v) <= 16_777_216) || !Number.isFinite(v)) return v;
  for (let digits = 1; digits < 9; digits++) {
    const shortest = Number(v.toPrecision(digits));
    if (Math.fround(shortest) === v) return shortest;
  }
  return Number(v.toPrecision(9));
}

export const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** A local file of each object: the store's own path, or a download checked against the
 * manifest's sha256 (a remote copy must be the bytes that were verified). `temps` are
 * the caller's to delete. */
export async function localFiles(store: ArchiveStore, objects: ArchiveObject[]): Promise<{ paths: string[]; temps: string[] }> {
  const paths: string[] = [];
  const temps: string[] = [];
  try {
    for (const o of objects) {
      const local = store.localPath(o.key);
      if (local) {
        paths.push(local);
        continue;
      }
      if (store.localCopy) {
        // From the store's bounded read cache (lifecycle/store/read-cache.ts).
        const copy = await store.localCopy(o.key, o.sha256);
        temps.push(copy);
        paths.push(copy);
        continue;
      }
      const temp = join(tmpdir(), `wl-read-${randomBytes(6).toString('hex')}.parquet`);
      temps.push(temp);
      const hash = createHash('sha256');
      const tap = new Transform({ transform: (chunk: Buffer, _enc, done) => (hash.update(chunk), done(null, chunk)) });
      await pipeline(await store.get(o.key), tap, createWriteStream(temp));
      const sha256 = hash.digest('hex');
      if (sha256 !== o.sha256) throw new Error(`archive object ${o.key} read back with sha256 ${sha256.slice(0, 12)}…, its manifest says ${o.sha256.slice(0, 12)}…`);
      paths.push(temp);
    }
  } catch (err) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    throw err;
  }
  return { paths, temps };
}

/** One DuckDB instance for one request's archived days; `close()` when done. */
export class ArchivedReadingsReader {
  private opened: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> | undefined;
  private closed = false;

  constructor(
    private readonly store: ArchiveStore,
    /** DuckDB's threads: the reader shares the machine with ingest. */
    private readonly threads = 2,
  ) {}

  /** The instance's connection, opened on first use. */
  connection(): Promise<DuckDBConnection> {
    this.opened ??= (async () => {
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const instance = await DuckDBInstance.create(':memory:', { threads: String(this.threads) });
      return { instance, connection: await instance.connect() };
    })();
    return this.opened.then((o) => o.connection);
  }

  /**
   * The filtered readings of `objects` (one day's), oldest first, in chunks. The objects'
   * files are released when the generator finishes or is returned from.
   */
  async *readings(objects: ArchiveObject[], filter: ReadingFilter): AsyncGenerator<ArchivedReading[]> {
    if (objects.length === 0) return;
    const connection = await this.connection();
    const files = await localFiles(this.store, objects);
    try {
      // Times as TIMESTAMPTZ literals with their zone (never the session's), so DuckDB
      // can skip row groups by their min/max t. Milliseconds as DOUBLE, floored as
      // node-postgres truncates (exact: the µs fit in 2^53, and no quotient is within
      // 2^-12 of the next integer), since BIGINT would cost a BigInt per value.
      const result: DuckDBResult = await connection.stream(
        `SELECT floor(epoch_us(t) / 1000)::DOUBLE, value, flags, floor(epoch_us(received_at) / 1000)::DOUBLE
         FROM read_parquet([${files.paths.map(literal).join(', ')}])
         WHERE patient_id = $1 AND metric = $2 AND t >= ${literal(filter.from.toISOString())}::TIMESTAMPTZ AND t < ${literal(filter.to.toISOString())}::TIMESTAMPTZ
         ORDER BY t`,
        [filter.patientId, filter.metric],
      );
      for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        const [t, value, flags, received] = chunk.getColumns() as [number[], number[], number[], number[]];
        const rows: ArchivedReading[] = new Array<ArchivedReading>(chunk.rowCount);
        for (let i = 0; i < chunk.rowCount; i++) {
          rows[i] = { t: new Date(t[i]!), value: float4AsPostgres(value[i]!), flags: flags[i]!, received_at: new Date(received[i]!) };
        }
        yield rows;
      }
    } finally {
      await Promise.all(files.temps.map((temp) => rm(temp, { force: true })));
    }
  }

  async close(): Promise<void> {
    if (this.closed || this.opened === undefined) return;
    this.closed = true;
    const opened = await this.opened.catch(() => undefined); // a failed open holds nothing
    opened?.connection.closeSync();
    opened?.instance.closeSync();
  }
}
