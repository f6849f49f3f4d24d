/**
 * Batches written against the gateway's series dictionary, against a scripted cloud that
 * keeps the entries it learns as the real one does: entries travel inline until a 2xx
 * confirms them, a cloud that lost them answers 409 and gets them again, and the
 * dictionary (id, numbers, confirmations) survives a restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { peekBatchHeader } from '@wardlink/shared';
import { openBufferStore } from '../buffer/store.js';
import { tempDir, wardReadings } from '../buffer/testing/fixtures.js';
import { MAX_ENTRIES, UplinkSeriesDictionary, uplinkMigrations } from './series-dictionary.js';
import { readingKey, startFakeCloud, type FakeCloud } from './testing/fake-cloud.js';
import { createUplinkHarness, type UplinkHarness } from './testing/harness.js';

let h: UplinkHarness | undefined;
let cloud: FakeCloud | undefined;
afterEach(async () => {
  await h?.close();
  await cloud?.close();
  h = undefined;
  cloud = undefined;
});

function expectExactlyOnce(c: FakeCloud, from: number, to: number): void {
  const counts = c.readingCounts();
  for (const k of wardReadings(from, to).map(readingKey)) expect(counts.get(k), k).toBe(1);
  expect(counts.size).toBe(to);
}

describe('the uplink series dictionary', () => {
  it('sends entries inline until the cloud confirms them, then names series by number only', async () => {
    cloud = await startFakeCloud(() => h!.clock.now());
    h = createUplinkHarness({ url: cloud.url, maxBatchReadings: 500, maxBatchAgeMs: 1000, concurrency: 1 }, { extraMigrations: uplinkMigrations });
    expect(h.uplink.dictionary).not.toBeNull();
    await h.append(wardReadings(0, 3000)); // 50 beds: the same series again and again
    h.uplink.start();
    await h.runUntil(() => h!.uplink.status().backlogReadings === 0 && h!.uplink.status().inFlight === 0 && cloud!.stored.size === 6);
    expectExactlyOnce(cloud, 0, 3000);
    const inline = inlineCounts(cloud);
    expect(inline).toHaveLength(6);
    expect(inline[0]).toBeGreaterThan(0);
    expect(inline.slice(1).every((n) => n === 0)).toBe(true);
    expect(h.uplink.dictionary!.confirmedCount).toBe(h.uplink.dictionary!.dictionary.size);
  });

  it('answers a cloud that lost the dictionary (409 WL_DICTIONARY_UNKNOWN) by sending the batch again with its entries inline', async () => {
    cloud = await startFakeCloud(() => h!.clock.now());
    h = createUplinkHarness({ url: cloud.url, maxBatchReadings: 500, maxBatchAgeMs: 1000, concurrency: 1 }, { extraMigrations: uplinkMigrations });
    await h.append(wardReadings(0, 1000));
    h.uplink.start();
    await h.runUntil(() => cloud!.stored.size === 2 && h!.uplink.status().inFlight === 0);
    cloud.dictionaries.clear(); // the cloud's database was restored from before the gateway came
    await h.append(wardReadings(1000, 2000));
    await h.runUntil(() => cloud!.stored.size === 4 && h!.uplink.status().inFlight === 0 && h!.uplink.status().backlogReadings === 0);
    expect(cloud.dictionaryRefusals).toBe(1);
    expectExactlyOnce(cloud, 0, 2000);
    expect(h.uplink.status()).toMatchObject({ batchesQuarantined: 0, up: true });
    expect(h.logger.lines.some((l) => l.msg.includes('the cloud lacks series dictionary entries'))).toBe(true);
  });

  it('keeps its id, numbers and confirmations across a restart, and draws a new id for a new database', async () => {
    cloud = await startFakeCloud(() => h!.clock.now());
    h = createUplinkHarness({ url: cloud.url, maxBatchReadings: 500, maxBatchAgeMs: 1000, concurrency: 1 }, { extraMigrations: uplinkMigrations });
    await h.append(wardReadings(0, 500));
    h.uplink.start();
    await h.runUntil(() => cloud!.stored.size === 1 && h!.uplink.status().inFlight === 0);
    const before = h.uplink.dictionary!.dictionary;
    const path = h.dir.file('gw.db');
    await h.uplink.stop();
    const again = openBufferStore({ path, gatewayId: 'gw-test', extraMigrations: uplinkMigrations });
    try {
      const reopened = UplinkSeriesDictionary.open(again.db)!;
      expect(reopened.dictionary.id).toBe(before.id);
      expect(reopened.dictionary.size).toBe(before.size);
      for (let n = 0; n < before.size; n++) expect(reopened.dictionary.at(n)).toEqual(before.at(n));
      expect(reopened.confirmedCount).toBe(before.size);
    } finally {
      again.close();
    }
    const fresh = openBufferStore({ path: h.dir.file('other.db'), gatewayId: 'gw-test', extraMigrations: uplinkMigrations });
    try {
      expect(UplinkSeriesDictionary.open(fresh.db)!.dictionary.id).not.toBe(before.id);
    } finally {
      fresh.close();
    }
  });
});

/** Inline entries of every batch request the cloud received, in order. */
function inlineCounts(c: FakeCloud): number[] {
  return c.server.received.filter((r) => r.url.endsWith('/v1/batches')).map((r) => peekBatchHeader(r.body).dictionaryEntries);
}

describe('a dictionary this build cannot read', () => {
  it('is replaced by a new one (new id, no entries), so the gateway still starts and sends', () => {
    const dir = tempDir('wl-dict-');
    const store = openBufferStore({ path: dir.file('gw.db'), gatewayId: 'gw-test', extraMigrations: uplinkMigrations });
    try {
      const first = UplinkSeriesDictionary.open(store.db)!;
      first.prepare({ gatewayId: 'gw-test', seq: 1, createdAtMs: Date.UTC(2025, 0, 6), alarms: [], readings: wardReadings(0, 10) });
      // As if written by a build whose catalog did not know this code yet.
      store.db.prepare("UPDATE uplink_dictionary_entries SET metric = 'SPO2', unit = 'mm[Hg]' WHERE number = 0").run();
      const second = UplinkSeriesDictionary.open(store.db)!;
      expect(second.dictionary.id).not.toBe(first.dictionary.id);
      expect(second.dictionary.size).toBe(0);
      expect(store.db.prepare('SELECT count(*) FROM uplink_dictionary_entries').pluck().get()).toBe(0);
      expect(UplinkSeriesDictionary.open(store.db)!.dictionary.id).toBe(second.dictionary.id);
    } finally {
      store.close();
      dir.remove();
    }
  });
});

describe('a batch the dictionary cannot take', () => {
  it('leaves nothing numbered behind in memory that is not on disk', () => {
    const dir = tempDir('wl-dict-');
    const store = openBufferStore({ path: dir.file('gw.db'), gatewayId: 'gw-test', extraMigrations: uplinkMigrations });
    try {
      const d = UplinkSeriesDictionary.open(store.db)!;
      const good = wardReadings(0, 5);
      const bad = { ...good[0]!, metric: 'NOT_A_METRIC' as never };
      expect(() => d.prepare({ gatewayId: 'gw-test', seq: 1, createdAtMs: Date.UTC(2025, 0, 6), alarms: [], readings: [...good, bad] })).toThrow(/metric/);
      expect(d.dictionary.size).toBe(0);
      d.prepare({ gatewayId: 'gw-test', seq: 2, createdAtMs: Date.UTC(2025, 0, 6), alarms: [], readings: good });
      expect(store.db.prepare('SELECT count(*) FROM uplink_dictionary_entries').pluck().get()).toBe(d.dictionary.size);
      expect(d.dictionary.size).toBeGreaterThan(0);
    } finally {
      store.close();
      dir.remove();
    }
  });

  it('starts a new dictionary past MAX_ENTRIES, so admissions do not grow it (and the start-up load) for ever', () => {
    const dir = tempDir('wl-dict-');
    const store = openBufferStore({ path: dir.file('gw.db'), gatewayId: 'gw-test', extraMigrations: uplinkMigrations });
    try {
      const dictionary = UplinkSeriesDictionary.open(store.db)!;
      const firstId = dictionary.dictionary.id;
      // MAX_ENTRIES series: one reading each, every one a patient of its own.
      const readings = wardReadings(0, MAX_ENTRIES, 50).map((r, i) => ({ ...r, patientId: `pat-${i}` }));
      dictionary.prepare({ gatewayId: 'gw-test', seq: 1, createdAtMs: 0, readings, alarms: [] });
      expect(dictionary.dictionary).toMatchObject({ id: firstId, size: MAX_ENTRIES });
      const next = dictionary.prepare({ gatewayId: 'gw-test', seq: 2, createdAtMs: 0, readings: wardReadings(0, 10, 50), alarms: [] });
      expect(dictionary.dictionary.id).not.toBe(firstId);
      expect(dictionary.dictionary.size).toBe(10);
      expect(next.inline).toHaveLength(10); // a new dictionary: the cloud has confirmed nothing of it
      const reopened = UplinkSeriesDictionary.open(store.db)!;
      expect(reopened.dictionary).toMatchObject({ id: dictionary.dictionary.id, size: 10 });
    } finally {
      store.close();
      dir.remove();
    }
  });
});
