/**
 * What a (detached) day holds, as one SELECT of vital_data's columns in ARCHIVE_COLUMNS
 * order: the rows of its vital_data partition and, when the day was compacted, the
 * readings unpacked from its vital_blocks partition. The export and the source-side
 * verification both read a day through this, so the archive holds every reading
 * whichever tier it was in.
 */
import type pg from 'pg';
import { blocksPartitionOf, VITAL_DATA_TABLE } from '../../storage/partitions.js';
import { ARCHIVE_COLUMNS } from './columns.js';

/** The readings of a vital_blocks table (a partition, attached or not) `alias`-ed as b,
 * with vital_data's column names. ROW(b.*)::vital_blocks: a detached partition has a row
 * type of its own, with the same columns. */
export function blockReadingsSql(blocksTable: string, where = 'true'): string {
  return `SELECT r.t, r.received_at, r.batch_seq, r.value, b.metric, r.flags, b.hospital_id, b.patient_id, b.gateway_id, b.device_id, b.bed_id
    FROM "${blocksTable}" b CROSS JOIN LATERAL vital_block_rows(ROW(b.*)::vital_blocks) r WHERE ${where}`;
}

/** The day's blocks table, if it exists (none for a table that is not a day of vital_data). */
export async function blocksTableOf(db: pg.ClientBase | pg.Pool, table: string): Promise<string | undefined> {
  if (!table.startsWith(`${VITAL_DATA_TABLE}_p`)) return undefined;
  const blocks = blocksPartitionOf(table);
  const res = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [`"${blocks}"`]);
  return res.rows[0]!.present ? blocks : undefined;
}

/** SELECT of every reading of the day of vital_data partition `table`. */
export async function daySourceSql(db: pg.ClientBase | pg.Pool, table: string): Promise<string> {
  const rows = `SELECT ${ARCHIVE_COLUMNS.join(', ')} FROM "${table}"`;
  const blocks = await blocksTableOf(db, table);
  return blocks ? `${rows} UNION ALL ${blockReadingsSql(blocks)}` : rows;
}
