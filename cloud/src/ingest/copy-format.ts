/**
 * Running one COPY FROM STDIN of pre-encoded rows (copy-pipelined.ts: statement, rows and
 * end in one write), and the choice of format.
 *
 * Binary vs text, measured by `pnpm bench cloud-ingest` (2 shared cores, embedded
 * PostgreSQL 17 with fsync on, 10 s batches of a 50-bed ward, ~3,900 rows each, into
 * vital_data with its primary key; figures vary +-20 % between runs on this machine):
 *   encode in Node, one core:  binary ~3.9-4.0 M rows/s, text ~0.9-1.1 M rows/s (the
 *                              text encoder formats every timestamp and float);
 *   COPY, same rows, paired:   binary 220k/282k/299k/294k rows/s against text
 *                              188k/247k/239k/206k (4 sessions), and 225k against 180k
 *                              (8 sessions): binary ahead by 14-43 % in every pair.
 * PostgreSQL parses a binary row with no text-to-timestamp or text-to-float conversion,
 * and the Node side does ~4x less work.
 * So binary is the default. Text stays available (`copyFormat: 'text'`) for comparison.
 */
import type pg from 'pg';
import { readingsOfColumns } from '@wardlink/shared';
import { encodeBinaryCopy, encodeBinaryCopyColumns } from './copy-binary.js';
import { PipelinedCopy } from './copy-pipelined.js';
import { encodeTextCopy } from './copy-text.js';
import { isColumns, VITAL_COLUMN_LIST, type BatchReadings, type RowContext } from './rows.js';

export type CopyFormat = 'binary' | 'text';
export const DEFAULT_COPY_FORMAT: CopyFormat = 'binary';

/** Readings as objects or as the columns a batch was decoded into (binary: no object per reading). */
export function encodeCopyRows(readings: BatchReadings, ctx: RowContext, format: CopyFormat): Buffer {
  if (isColumns(readings)) return format === 'binary' ? encodeBinaryCopyColumns(readings, ctx) : encodeTextCopy(readingsOfColumns(readings), ctx);
  return format === 'binary' ? encodeBinaryCopy(readings, ctx) : encodeTextCopy(readings, ctx);
}

/**
 * COPYs `data` (vital_data rows in `format`) into `table` on `client`; resolves with the
 * number of rows once PostgreSQL has taken them. A server error (a key conflict, a
 * missing partition) rejects with PostgreSQL's error, its SQLSTATE in `code`.
 */
export function copyRows(client: pg.PoolClient | pg.Client, table: string, data: Buffer, format: CopyFormat): Promise<number> {
  const sql = `COPY ${table} (${VITAL_COLUMN_LIST}) FROM STDIN${format === 'binary' ? ' (FORMAT binary)' : ''}`;
  return client.query(new PipelinedCopy(sql, data)).done;
}
