/**
 * `archive restore --from --to`: loads the archived readings of a time range (one
 * hospital, one patient, or all) into an ordinary table for analysis, default
 * vital_data_restore, with vital_data's columns and primary key. Day objects and held
 * objects may hold the same rows (a held patient's rows are in both until the day
 * object is purged); the primary key and ON CONFLICT DO NOTHING keep one copy.
 * Rows stream from DuckDB into COPY through a temporary table, one object at a time.
 */
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { connectClient } from '../storage/pool.js';
import { isoDate, utcDay } from '../storage/utc-days.js';
import { ARCHIVE_COLUMNS, TEXT_COLUMNS, type VitalColumns } from './archive/columns.js';
import { DuckDbReader } from './archive/duckdb.js';
import { findObjects } from './archive/objects.js';
import { isoMicros } from './archive/stats.js';
import { withLocalCopy } from './archive/verify.js';
import type { LifecycleContext } from './context.js';
import { RestoreError } from './errors.js';

export interface RestoreOptions {
  from: Date;
  to: Date;
  hospitalId?: string;
  patientId?: string;
  /** Target table; created if missing. Default vital_data_restore. */
  into?: string;
}

export interface RestoreResult {
  table: string;
  objects: number;
  rowsRead: number;
  rowsInserted: number;
}

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const RESERVED = new Set(['vital_data', 'vital_blocks', 'latest_vitals', 'batch_ledger', 'alarm_events', 'hospitals', 'wards', 'gateways', 'devices', 'patients', 'legal_holds', 'archive_jobs', 'archive_objects', 'lifecycle_audit', 'schema_migrations']);

function checkTarget(name: string): string {
  if (!NAME.test(name) || RESERVED.has(name) || /^vital_data_p\d{8}$/.test(name)) {
    throw new RestoreError(`"${name}" cannot be a restore table: use lower-case letters, digits and '_', and not the name of a Wardlink table or partition`, { into: name });
  }
  return name;
}

const escapeText = (s: string) => s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));

/** Text COPY lines of `cols`; a -0 value stays -0 (join would print it as 0). */
function copyText(cols: VitalColumns): string {
  const lines: string[] = [];
  const text = TEXT_COLUMNS.map((c) => ({ dict: cols.text[c].dict.map(escapeText), ids: cols.text[c].ids }));
  for (let i = 0; i < cols.length; i++) {
    lines.push(
      [isoMicros(cols.tUs[i]!), isoMicros(cols.receivedUs[i]!), cols.batchSeq[i], Object.is(cols.value[i], -0) ? '-0' : cols.value[i], cols.metric[i], cols.flags[i], ...text.map((t) => t.dict[t.ids[i]!])].join('\t'),
    );
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

async function copyInto(client: pg.PoolClient, table: string, data: string): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} (${ARCHIVE_COLUMNS.join(', ')}) FROM STDIN`));
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', () => resolve());
    stream.end(data);
  });
}

export async function restoreRange(ctx: LifecycleContext, options: RestoreOptions): Promise<RestoreResult> {
  const table = checkTarget(options.into ?? 'vital_data_restore');
  const fromUs = options.from.getTime() * 1000;
  const toUs = options.to.getTime() * 1000;
  if (!(toUs > fromUs)) throw new RestoreError('--to must be after --from', { from: options.from, to: options.to });
  const objects = await findObjects(ctx.pool, {
    ...(options.hospitalId ? { hospitalId: options.hospitalId } : {}),
    ...(options.patientId ? { patientId: options.patientId } : {}),
    fromDay: isoDate(utcDay(options.from)),
    toDay: isoDate(utcDay(options.to.getTime() - 1)),
  });
  const stored = objects.filter((o) => o.storedAt !== null);
  const client = await connectClient(ctx.pool);
  let broken: Error | undefined;
  const duck = await DuckDbReader.open();
  let rowsRead = 0;
  let rowsInserted = 0;
  try {
    await client.query('SET statement_timeout = 0');
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (LIKE vital_data INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`);
    await client.query(`COMMENT ON TABLE ${table} IS 'readings restored from the Wardlink archive (wardlink-cloud archive restore); not part of vital_data'`);
    await client.query('CREATE TEMP TABLE IF NOT EXISTS wl_restore_stage (LIKE vital_data INCLUDING DEFAULTS)');
    for (const [i, o] of stored.entries()) {
      await withLocalCopy(ctx.store, o.key, async (path) => {
        await client.query('TRUNCATE wl_restore_stage');
        for await (const block of duck.rows(path, { fromUs, toUs, ...(options.patientId ? { patientId: options.patientId } : {}) })) {
          await copyInto(client, 'wl_restore_stage', copyText(block));
          rowsRead += block.length;
        }
        const res = await client.query(`INSERT INTO ${table} SELECT * FROM wl_restore_stage ON CONFLICT DO NOTHING`);
        rowsInserted += res.rowCount ?? 0;
      });
      ctx.progress({ job: 'restore', step: 'loaded', subject: o.key, done: i + 1, total: stored.length, rows: rowsInserted });
    }
    await client.query('DROP TABLE IF EXISTS wl_restore_stage');
    await client.query('RESET statement_timeout');
  } catch (err) {
    broken = err as Error;
    throw err;
  } finally {
    duck.close();
    client.release(broken);
  }
  return { table, objects: stored.length, rowsRead, rowsInserted };
}
