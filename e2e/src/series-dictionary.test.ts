/**
 * The per-gateway series dictionary end to end: the uplink over a real SQLite buffer
 * sends to the real cloud (`wardlink-cloud serve` as a child process, real PostgreSQL).
 * - the cloud SIGKILLed mid-stream and restarted: it learns the entries again from the
 *   database or the re-sent batches;
 * - the cloud's database loses every dictionary entry and the cloud restarts (a restore
 *   from backup): batches are refused with 409 WL_DICTIONARY_UNKNOWN, re-sent with their
 *   entries inline, and stored;
 * - the gateway stops abruptly and restarts on its file: the same dictionary goes on.
 * - the gateway's buffer loses dictionary entries it had sent (a power cut rolled back its
 *   last commits) and numbers other series with them: the cloud refuses with 409
 *   WL_DICTIONARY_CONFLICT, the gateway starts a new dictionary, and no reading is stored
 *   under another bed or patient.
 * In each: every reading stored exactly once, nothing quarantined.
 * (The real daemon SIGKILLed mid-upload, with its dictionary, is gateway-sigkill.test.ts.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase, checkCloud, registerGateway, spawnCloud, type CloudProcess } from '@wardlink/cloud/testing';
import { uplinkMigrations } from '@wardlink/gateway';
import { wardReadings, createUplinkHarness, type UplinkHarness } from '@wardlink/gateway/testing';

const db = useTestDatabase();
let cloud: CloudProcess;
let h: UplinkHarness | undefined;

beforeAll(async () => {
  cloud = await spawnCloud(db.connectionString);
});
afterEach(async () => {
  await h?.close();
  h = undefined;
});
afterAll(async () => {
  await cloud?.kill();
});

const settings = { maxBatchReadings: 2000, concurrency: 4, backoffBaseMs: 200, backoffMaxMs: 10_000, breakerFailureThreshold: 3, breakerOpenMs: 1000 };
const drained = () => h!.uplink.status().backlogReadings === 0 && h!.uplink.status().inFlight === 0;

describe('series dictionary with the real cloud', () => {
  it('stores every reading once through a cloud SIGKILL, then through the cloud losing every dictionary entry', async () => {
    const gw = 'gw-dict-e2e';
    const token = await registerGateway(db.pool, gw);
    h = createUplinkHarness({ url: cloud.url, token, ...settings }, { gatewayId: gw, extraMigrations: uplinkMigrations });
    expect(h.uplink.dictionary).not.toBeNull();
    const first = wardReadings(0, 30_000, 50, gw);
    await h.append(first);
    let sent = 0;
    h.uplink.on('sent', () => (sent += 1));
    h.uplink.start();
    await h.runUntil(() => sent >= 3 && h!.uplink.status().inFlight > 0, { stepMs: 5 });
    await cloud.kill();
    cloud = await spawnCloud(db.connectionString, cloud.port);
    await h.runUntil(drained, { stepMs: 250, realTimeoutMs: 30_000 });
    expect(await checkCloud(db.pool, gw, first)).toEqual({ expected: 30_000, stored: 30_000, missing: 0, wrong: 0, duplicated: 0 });
    const entries = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM series_dictionary WHERE gateway_id = $1', [gw]);
    expect(Number(entries.rows[0]!.n)).toBe(h.uplink.dictionary!.dictionary.size);
    expect(h.uplink.dictionary!.confirmedCount).toBe(h.uplink.dictionary!.dictionary.size);

    // A restore from before the gateway came: the table is empty and no process remembers it.
    await cloud.kill();
    await db.pool.query('DELETE FROM series_dictionary WHERE gateway_id = $1', [gw]);
    cloud = await spawnCloud(db.connectionString, cloud.port);
    const second = wardReadings(30_000, 40_000, 50, gw);
    await h.append(second);
    await h.runUntil(drained, { stepMs: 250, realTimeoutMs: 30_000 });
    expect(await checkCloud(db.pool, gw, [...first, ...second])).toEqual({ expected: 40_000, stored: 40_000, missing: 0, wrong: 0, duplicated: 0 });
    expect(h.logger.lines.filter((l) => l.msg.includes('the cloud lacks series dictionary entries')).length).toBeGreaterThanOrEqual(1);
    expect(h.uplink.status()).toMatchObject({ batchesQuarantined: 0 });
    const relearnt = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM series_dictionary WHERE gateway_id = $1', [gw]);
    expect(Number(relearnt.rows[0]!.n)).toBe(h.uplink.dictionary!.dictionary.size);
  }, 90_000);

  it('never stores readings under another series when the gateway lost entries it had sent', async () => {
    const gw = 'gw-dict-rollback';
    const token = await registerGateway(db.pool, gw);
    h = createUplinkHarness({ url: cloud.url, token, ...settings }, { gatewayId: gw, extraMigrations: uplinkMigrations });
    const first = wardReadings(0, 2_000, 10, gw); // beds 0..9
    await h.append(first);
    h.uplink.start();
    await h.runUntil(drained, { stepMs: 250, realTimeoutMs: 30_000 });
    const dictionaryId = h.uplink.dictionary!.dictionary.id;

    // The rollback: the entries are gone from the file, the dictionary id is not. The
    // gateway's restart loads that; another process of the cloud (or a restart) remembers
    // only the database.
    h.store.db.prepare('DELETE FROM uplink_dictionary_entries').run();
    await h.restartUplink();
    h.uplink.start();
    expect(h.uplink.dictionary!.dictionary).toMatchObject({ id: dictionaryId, size: 0 });
    await cloud.kill();
    cloud = await spawnCloud(db.connectionString, cloud.port);

    // Other beds now get the numbers beds 0..9 had.
    const second = wardReadings(2_000, 4_000, 10, gw).map((r) => ({ ...r, bedId: `other-${r.bedId}`, deviceId: `other-${r.deviceId}`, patientId: `other-${r.patientId}` }));
    await h.append(second);
    await h.runUntil(drained, { stepMs: 250, realTimeoutMs: 30_000 });
    expect(await checkCloud(db.pool, gw, [...first, ...second])).toEqual({ expected: 4_000, stored: 4_000, missing: 0, wrong: 0, duplicated: 0 });
    expect(h.logger.lines.filter((l) => l.msg.includes('starting a new dictionary')).length).toBeGreaterThanOrEqual(1);
    expect(h.uplink.dictionary!.dictionary.id).not.toBe(dictionaryId);
    expect(h.uplink.status()).toMatchObject({ batchesQuarantined: 0 });
    // What any cloud process will decode later batches with: the gateway's own entries.
    const current = h.uplink.dictionary!.dictionary;
    const held = await db.pool.query<{ number: number; device_id: string; bed_id: string; patient_id: string | null }>(
      'SELECT number, device_id, bed_id, patient_id FROM series_dictionary WHERE gateway_id = $1 AND dictionary_id = $2 ORDER BY number', [gw, current.id]);
    expect(held.rows.length).toBe(current.size);
    for (const r of held.rows) expect(current.at(r.number)).toMatchObject({ deviceId: r.device_id, bedId: r.bed_id, patientId: r.patient_id });
  }, 90_000);
});
