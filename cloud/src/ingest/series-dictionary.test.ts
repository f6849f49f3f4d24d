/**
 * The cloud's series dictionaries against real PostgreSQL: entries a batch carried inline
 * are stored with the batch (and only if it is stored), another cloud process finds them
 * in the database, and a cloud whose database lost them refuses with 409 before storing
 * anything, then takes the same batch with its entries inline, exactly once.
 */
import { describe, expect, it } from 'vitest';
import { DictionaryUnknownError, encodeBatch, SeriesDictionary, type Batch } from '@wardlink/shared';
import { silentLogger } from '../testing/logger.js';
import { useTestDatabase } from '../testing/pg.js';
import { loadBatch, type GatewayIdentity } from './loader.js';
import { CloudDictionaries } from './series-dictionary.js';
import { batchOf, countRows, registerGateway, simulatedWard, T0 } from './testing/batches.js';

const db = useTestDatabase();

async function gateway(id: string): Promise<GatewayIdentity> {
  await registerGateway(db.pool, 'h-dict', 'w1', id);
  return { hospitalId: 'h-dict', gatewayId: id, wardId: 'w1' };
}

/** What one cloud process does with a batch: decode against its dictionaries, store it with its inline entries. */
async function receive(cloud: CloudDictionaries, gw: GatewayIdentity, bytes: Buffer) {
  const decoded = await cloud.decode(gw.hospitalId, bytes, {});
  const result = await loadBatch(db.pool, gw, decoded.batch, { logger: silentLogger, dictionary: { id: decoded.dictionaryId, inline: decoded.inlineEntries } });
  return { decoded, result };
}

function encode(batch: Batch, sender: SeriesDictionary, inline: (n: number) => boolean): Buffer {
  sender.addReadings(batch.readings);
  return encodeBatch(batch, { dictionary: { dictionary: sender, inline } });
}

describe('cloud series dictionaries', () => {
  it('stores inline entries with the batch, finds them from another process, and refuses (409, nothing stored) once they are lost', async () => {
    const gw = await gateway('gw-dict');
    const ward = simulatedWard('gw-dict', 10);
    const sender = new SeriesDictionary(987_654_321);
    const first = await receive(new CloudDictionaries(db.pool), gw, encode(batchOf(ward, 1, T0), sender, () => true));
    expect(first.result.duplicate).toBe(false);
    const stored = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM series_dictionary WHERE gateway_id = $1 AND dictionary_id = $2', ['gw-dict', sender.id]);
    expect(Number(stored.rows[0]!.n)).toBe(sender.size);

    // Another cloud instance, with nothing in memory, decodes a batch naming series by number only.
    const other = new CloudDictionaries(db.pool);
    const lean = encode(batchOf(ward, 2, T0 + 10_000), sender, () => false);
    const second = await receive(other, gw, lean);
    expect(second.decoded.inlineEntries.size).toBe(0);
    expect(second.result.storedReadings).toBe(second.decoded.batch.readings.length);

    // The database is restored from before the gateway came: a new process refuses, and nothing is stored.
    await db.pool.query('DELETE FROM series_dictionary WHERE gateway_id = $1', ['gw-dict']);
    const before = await countRows(db.pool, 'vital_data', 'gw-dict');
    const third = encode(batchOf(ward, 3, T0 + 20_000), sender, () => false);
    const refused = await receive(new CloudDictionaries(db.pool), gw, third).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(DictionaryUnknownError);
    expect(refused).toMatchObject({ status: 409, code: 'WL_DICTIONARY_UNKNOWN' });
    expect(await countRows(db.pool, 'vital_data', 'gw-dict')).toBe(before);
    const ledger = await db.pool.query('SELECT 1 FROM batch_ledger WHERE gateway_id = $1 AND batch_seq = 3', ['gw-dict']);
    expect(ledger.rows).toHaveLength(0);

    // The gateway sends it again with its entries inline: stored once, entries kept again.
    const again = await receive(new CloudDictionaries(db.pool), gw, encode(batchOf(ward, 3, T0 + 20_000), sender, () => true));
    expect(again.result.storedReadings).toBe(again.decoded.batch.readings.length);
    const replay = await receive(new CloudDictionaries(db.pool), gw, third);
    expect(replay.result.duplicate).toBe(true);
    const rows = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM vital_data WHERE gateway_id = $1 AND batch_seq = 3', ['gw-dict']);
    expect(Number(rows.rows[0]!.n)).toBe(again.decoded.batch.readings.length);
  });

  it('refuses an inline entry that contradicts the one held (an entry never changes)', async () => {
    const gw = await gateway('gw-dict-2');
    const ward = simulatedWard('gw-dict-2', 2);
    const sender = new SeriesDictionary(42);
    const cloud = new CloudDictionaries(db.pool);
    await receive(cloud, gw, encode(batchOf(ward, 1, T0), sender, () => true));
    // A different gateway database reusing the id (it never should): entry 0 means another series now.
    const liar = new SeriesDictionary(42);
    liar.add({ deviceId: 'mon-x', bedId: 'bed-x', patientId: null, metric: 'HR', unit: null });
    const batch: Batch = { gatewayId: 'gw-dict-2', seq: 2, createdAtMs: T0 + 20_000, alarms: [], readings: [{ gatewayId: 'gw-dict-2', deviceId: 'mon-x', bedId: 'bed-x', patientId: null, metric: 'HR', deviceTimeMs: T0 + 15_000, receivedAtMs: T0 + 15_020, value: 70, flags: 0 }] };
    const contradicting = encodeBatch(batch, { dictionary: { dictionary: liar, inline: () => true } });
    // 409, so the gateway starts a new dictionary (a 400 would quarantine the batch for good).
    await expect(receive(cloud, gw, contradicting)).rejects.toMatchObject({ code: 'WL_DICTIONARY_CONFLICT', status: 409 });
    // A process that holds nothing in memory (another instance, a restart) finds it in the database.
    await expect(receive(new CloudDictionaries(db.pool), gw, contradicting)).rejects.toMatchObject({ code: 'WL_DICTIONARY_CONFLICT', status: 409 });
    const stored = await db.pool.query<{ n: string }>("SELECT count(*) AS n FROM vital_data WHERE gateway_id = 'gw-dict-2' AND device_id = 'mon-x'");
    expect(Number(stored.rows[0]!.n)).toBe(0);
  });
});
