/**
 * The cloud's side of the per-gateway series dictionary (shared/src/codec/dictionary.ts):
 * decoding a batch written against one, and keeping the entries batches carry inline.
 *
 * Entries never change once numbered, so every copy of one is the right one: each cloud
 * process keeps what it has learnt in memory and asks PostgreSQL (where every instance
 * writes what it learns, in the batch's transaction) only when a batch uses an entry it
 * does not hold. Still missing then, the batch is refused with 409 WL_DICTIONARY_UNKNOWN
 * before anything is stored, and the gateway sends it again with its entries inline.
 */
import type pg from 'pg';
import {
  decodeBatchColumns,
  DictionaryConflictError,
  DictionaryUnknownError,
  peekBatchHeader,
  SeriesDictionary,
  seriesKey,
  type DecodedBatchColumns,
  type DecodeLimits,
  type SeriesEntry,
} from '@wardlink/shared';

/**
 * What a process holds in memory: the least recently used dictionary goes first past
 * either bound. A gateway starts a new dictionary past 20,000 entries, so one is a few MB
 * at most; one not held is read back from PostgreSQL when a batch needs it.
 */
const MAX_DICTIONARIES = 10_000;
const MAX_HELD_ENTRIES = 1_000_000;

export class CloudDictionaries {
  private readonly held = new Map<string, SeriesDictionary>();

  constructor(private readonly pool: pg.Pool) {}

  /**
   * Decodes a batch (its readings as columns, as the loader takes them), loading its
   * gateway's dictionary from PostgreSQL when it uses entries not held.
   */
  async decode(hospitalId: string, body: Uint8Array, limits: Partial<DecodeLimits>): Promise<DecodedBatchColumns> {
    const { gatewayId, dictionaryId } = peekBatchHeader(body, limits);
    if (dictionaryId === 0) return decodeBatchColumns(body, limits);
    const key = `${gatewayId}\u0000${dictionaryId}`;
    const lookup = (id: number) => (id === dictionaryId ? this.held.get(key) : undefined);
    let decoded: DecodedBatchColumns;
    try {
      decoded = decodeBatchColumns(body, limits, { dictionaries: lookup });
    } catch (err) {
      if (!(err instanceof DictionaryUnknownError)) throw err;
      // Another instance may have learnt the entries: read what the database holds, once.
      await this.load(hospitalId, gatewayId, dictionaryId, key);
      decoded = decodeBatchColumns(body, limits, { dictionaries: lookup });
    }
    // Checks the inline entries against those held (an entry never changes) and keeps them.
    // One that contradicts is refused (409) before anything is stored or kept.
    const dictionary = this.dictionary(key, dictionaryId);
    const contradicting = [...decoded.inlineEntries].filter(([n, e]) => {
      const held = dictionary.at(n);
      return held !== undefined && seriesKey(held) !== seriesKey(e);
    });
    if (contradicting.length > 0) throw new DictionaryConflictError(dictionaryId, contradicting.map(([n]) => n));
    for (const [n, e] of decoded.inlineEntries) dictionary.set(n, e);
    this.keepWithinBounds(key);
    return decoded;
  }

  private dictionary(key: string, id: number): SeriesDictionary {
    let d = this.held.get(key);
    if (d === undefined) {
      d = new SeriesDictionary(id);
      this.held.set(key, d);
    }
    return d;
  }

  /** Marks `key` as just used and drops the least recently used past the bounds. */
  private keepWithinBounds(key: string): void {
    const used = this.held.get(key);
    if (used !== undefined) {
      this.held.delete(key);
      this.held.set(key, used);
    }
    let entries = 0;
    for (const d of this.held.values()) entries += d.size;
    for (const [k, d] of this.held) {
      if (this.held.size <= 1 || (this.held.size <= MAX_DICTIONARIES && entries <= MAX_HELD_ENTRIES)) break;
      this.held.delete(k);
      entries -= d.size;
    }
  }

  private async load(hospitalId: string, gatewayId: string, dictionaryId: number, key: string): Promise<void> {
    const res = await this.pool.query<{ number: number; device_id: string; bed_id: string; patient_id: string | null; metric: string; unit: string | null }>(
      `SELECT number, device_id, bed_id, patient_id, metric, unit FROM series_dictionary
       WHERE hospital_id = $1 AND gateway_id = $2 AND dictionary_id = $3`,
      [hospitalId, gatewayId, dictionaryId],
    );
    const d = this.dictionary(key, dictionaryId);
    for (const r of res.rows) {
      try {
        d.set(r.number, { deviceId: r.device_id, bedId: r.bed_id, patientId: r.patient_id, metric: r.metric, unit: r.unit });
      } catch {
        // A row this build cannot read (a code the catalog has since adopted): treated as
        // missing, so the gateway is asked for the entry again (it never uses it again).
      }
    }
  }
}

/** Forgets what a process learnt of a dictionary (tests: another instance, or a restart). */
export function forgetHeldDictionaries(pool: pg.Pool): void {
  byPool.delete(pool);
}

const byPool = new WeakMap<pg.Pool, CloudDictionaries>();

/** The process's dictionaries for a pool (one per database). */
export function dictionariesFor(pool: pg.Pool): CloudDictionaries {
  let d = byPool.get(pool);
  if (d === undefined) byPool.set(pool, (d = new CloudDictionaries(pool)));
  return d;
}

/** Entries per INSERT (6 parameters each, far below PostgreSQL's 65,535). */
const ROWS_PER_INSERT = 1000;

/**
 * Writes the entries a batch carried inline, in the batch's transaction. Multi-row VALUES
 * with one hospital: a router INSERT under Citus, on the batch's shard group. A number
 * already stored must name the same series: otherwise DictionaryConflictError, and the
 * transaction (the whole batch) is rolled back.
 */
export async function storeDictionaryEntries(
  client: pg.PoolClient,
  hospitalId: string,
  gatewayId: string,
  dictionaryId: number,
  entries: ReadonlyMap<number, SeriesEntry>,
): Promise<void> {
  if (dictionaryId === 0 || entries.size === 0) return;
  const rows = [...entries];
  for (let at = 0; at < rows.length; at += ROWS_PER_INSERT) {
    const chunk = rows.slice(at, at + ROWS_PER_INSERT);
    const params: unknown[] = [hospitalId, gatewayId, dictionaryId];
    const values = chunk.map(([n, e]) => {
      const p = params.length;
      params.push(n, e.deviceId, e.bedId, e.patientId, e.metric, e.unit);
      return `($1, $2, $3, $${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6})`;
    });
    const inserted = await client.query<{ number: number }>(
      `INSERT INTO series_dictionary (hospital_id, gateway_id, dictionary_id, number, device_id, bed_id, patient_id, metric, unit)
       VALUES ${values.join(', ')}
       ON CONFLICT (hospital_id, gateway_id, dictionary_id, number) DO NOTHING
       RETURNING number`,
      params,
    );
    if (inserted.rows.length < chunk.length) await checkStored(client, hospitalId, gatewayId, dictionaryId, chunk, new Set(inserted.rows.map((r) => Number(r.number))));
  }
}

/** The entries of `chunk` that were already stored (not in `inserted`) must be the same series. */
async function checkStored(
  client: pg.PoolClient,
  hospitalId: string,
  gatewayId: string,
  dictionaryId: number,
  chunk: readonly [number, SeriesEntry][],
  inserted: ReadonlySet<number>,
): Promise<void> {
  const stored = chunk.filter(([n]) => !inserted.has(n));
  const res = await client.query<{ number: number; device_id: string; bed_id: string; patient_id: string | null; metric: string; unit: string | null }>(
    `SELECT number, device_id, bed_id, patient_id, metric, unit FROM series_dictionary
     WHERE hospital_id = $1 AND gateway_id = $2 AND dictionary_id = $3 AND number = ANY($4::int[])`,
    [hospitalId, gatewayId, dictionaryId, stored.map(([n]) => n)],
  );
  const held = new Map(res.rows.map((r) => [Number(r.number), { deviceId: r.device_id, bedId: r.bed_id, patientId: r.patient_id, metric: r.metric, unit: r.unit }]));
  const contradicting = stored.filter(([n, e]) => {
    const h = held.get(n);
    return h !== undefined && seriesKey(h) !== seriesKey(e);
  });
  if (contradicting.length > 0) throw new DictionaryConflictError(dictionaryId, contradicting.map(([n]) => n));
}
