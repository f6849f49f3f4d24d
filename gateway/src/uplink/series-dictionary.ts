/**
 * The gateway's series dictionary (shared/src/codec/dictionary.ts), kept in its SQLite
 * file so numbers survive restarts: a batch re-sent after a crash names its series by
 * the same numbers, and the cloud's copy stays right.
 *
 * - An entry is written (and committed) before any batch using it is encoded, so no
 *   batch ever names a number that a restart could give to another series.
 * - `confirmed` marks an entry a 2xx proved the cloud stored (it travelled inline in an
 *   accepted batch). Unconfirmed entries travel inline in every batch that uses them.
 *   Losing a confirmation (a crash before it is written) only re-sends an entry.
 * - When the cloud answers 409 WL_DICTIONARY_UNKNOWN (its database was restored, or it
 *   is a new cloud), every confirmation is dropped and the batch goes again with all its
 *   entries inline.
 * - The dictionary id is drawn once, with the table; a gateway whose database is lost
 *   draws a new one, so the cloud never mixes two gateways' numberings.
 */
import { randomInt } from 'node:crypto';
import type Database from 'better-sqlite3';
import { entryOfReading, MAX_DICTIONARY_ID, SeriesDictionary, type Batch, type DictionaryEncoding, type SeriesEntry } from '@wardlink/shared';
import type { Migration } from '../buffer/types.js';

export const uplinkMigrations: readonly Migration[] = [
  {
    id: 'uplink-001-series-dictionary',
    sql: `
CREATE TABLE uplink_dictionary (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  dictionary   INTEGER NOT NULL
) STRICT;
CREATE TABLE uplink_dictionary_entries (
  number       INTEGER PRIMARY KEY,
  device_id    TEXT NOT NULL,
  bed_id       TEXT NOT NULL,
  patient_id   TEXT,
  metric       TEXT NOT NULL,
  unit         TEXT,
  confirmed    INTEGER NOT NULL DEFAULT 0
) STRICT;
`,
  },
];

interface EntryRow {
  number: number;
  device_id: string;
  bed_id: string;
  patient_id: string | null;
  metric: string;
  unit: string | null;
  confirmed: number;
}

/** One batch's use of the dictionary: how to encode it, and what a 2xx confirms. */
/**
 * Entries after which a new dictionary is started (a 60-bed ward uses ~1,500 series at a
 * time and adds ~25 a patient: a new dictionary every two weeks or so, whose first batches
 * carry the live series inline once). Each entry costs ~440 B of heap, and the dictionary
 * it replaced is kept until the next one (a refusal of a batch in flight is checked by
 * decoding it): at most ~7 MB together, where 20,000 entries came to ~18 MB after months
 * of admissions (issue 18: a box with 1-2 GB of RAM).
 */
export const MAX_ENTRIES = 8_000;

export interface DictionaryUse {
  encoding: DictionaryEncoding;
  /** The numbers that travel inline in this encoding. */
  inline: number[];
}

/** Draws and records a new dictionary id, 1..2^52-1 (randomInt draws below 2^48: two draws). */
function newDictionary(db: Database.Database): number {
  const id = Math.min(randomInt(1, 2 ** 47) * 32 + randomInt(0, 32), MAX_DICTIONARY_ID);
  db.prepare('INSERT INTO uplink_dictionary (id, dictionary) VALUES (1, ?)').run(id);
  return id;
}

export class UplinkSeriesDictionary {
  private readonly confirmed = new Set<number>();
  private retired: SeriesDictionary | undefined;
  private readonly insert: Database.Statement;
  private readonly confirm1: Database.Statement;

  private constructor(
    private readonly db: Database.Database,
    private current: SeriesDictionary,
    rows: readonly EntryRow[],
  ) {
    for (const r of rows) if (r.confirmed) this.confirmed.add(r.number);
    this.insert = db.prepare('INSERT INTO uplink_dictionary_entries (number, device_id, bed_id, patient_id, metric, unit) VALUES (?, ?, ?, ?, ?, ?)');
    this.confirm1 = db.prepare('UPDATE uplink_dictionary_entries SET confirmed = 1 WHERE number = ?');
  }

  /** Loads (or first creates) the dictionary; null when the database has no dictionary tables. */
  static open(db: Database.Database): UplinkSeriesDictionary | null {
    const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'uplink_dictionary'").get();
    if (exists === undefined) return null;
    const id = db.transaction((): number => {
      const row = db.prepare('SELECT dictionary FROM uplink_dictionary WHERE id = 1').get() as { dictionary: number } | undefined;
      if (row) return row.dictionary;
      return newDictionary(db);
    }).immediate();
    const rows = db.prepare('SELECT number, device_id, bed_id, patient_id, metric, unit, confirmed FROM uplink_dictionary_entries ORDER BY number').all() as EntryRow[];
    const dictionary = new SeriesDictionary(id);
    try {
      for (const r of rows) dictionary.set(r.number, { deviceId: r.device_id, bedId: r.bed_id, patientId: r.patient_id, metric: r.metric, unit: r.unit });
    } catch {
      // An entry this build cannot read (e.g. an uncatalogued code the catalog has since
      // adopted): start a new dictionary. Safe at any time, since batches are encoded
      // when sent; the new one's entries travel inline until confirmed.
      const fresh = db.transaction(() => {
        db.prepare('DELETE FROM uplink_dictionary_entries').run();
        db.prepare('DELETE FROM uplink_dictionary').run();
        return newDictionary(db);
      }).immediate();
      return new UplinkSeriesDictionary(db, new SeriesDictionary(fresh), []);
    }
    return new UplinkSeriesDictionary(db, dictionary, rows);
  }

  /**
   * Numbers the batch's new series (committed before it returns) and says how to encode
   * it: entries not confirmed travel inline, or all of them with `allInline`.
   */
  prepare(batch: Batch, allInline = false): DictionaryUse {
    // Every admission adds a patient's series: past a bound, start afresh rather than
    // keep (and load at every start) every series the ward has ever had.
    if (this.current.size >= MAX_ENTRIES) this.startOver();
    const before = this.current.size;
    const used = new Set<number>();
    try {
      for (const r of batch.readings) used.add(this.current.add(entryOfReading(r)));
      const added = Array.from({ length: this.current.size - before }, (_, i) => before + i);
      if (added.length > 0) {
        this.db.transaction(() => {
          for (const n of added) {
            const e: SeriesEntry = this.current.at(n)!;
            this.insert.run(n, e.deviceId, e.bedId, e.patientId, e.metric, e.unit);
          }
        })();
      }
    } catch (err) {
      // A reading the codec cannot carry, or a failed write: forget what this call added,
      // or a later batch could name a number that is not on disk (and that a restart
      // would give to another series).
      this.current.truncate(before);
      throw err;
    }
    const inline = [...used].filter((n) => allInline || !this.confirmed.has(n));
    const inlineSet = new Set(inline);
    return { encoding: { dictionary: this.current, inline: (n) => inlineSet.has(n) }, inline };
  }

  /** The dictionary batches are written against now. */
  get dictionary(): SeriesDictionary {
    return this.current;
  }

  /**
   * Starts a new dictionary (a new id, no entry): when the cloud says an entry contradicts
   * the one it holds under that number (this buffer lost entries it had sent, e.g. a power
   * cut rolled back its last commits, or it was restored from a copy), and when the
   * dictionary has grown past MAX_ENTRIES. Safe at any time: batches are encoded when sent,
   * and the new dictionary's entries travel inline until the cloud has confirmed them.
   */
  startOver(): void {
    const id = this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM uplink_dictionary_entries').run();
        this.db.prepare('DELETE FROM uplink_dictionary').run();
        return newDictionary(this.db);
      })
      .immediate();
    this.retired = this.current;
    this.current = new SeriesDictionary(id);
    this.confirmed.clear();
  }

  /** The dictionary with this id: the current one, or the one it replaced (batches encoded
   * with it may still be in flight, and a refusal of one is checked by decoding it). */
  byId(id: number): SeriesDictionary | undefined {
    if (this.current.id === id) return this.current;
    return this.retired?.id === id ? this.retired : undefined;
  }

  /** A 2xx for a batch that carried these entries: the cloud holds them. */
  confirm(numbers: readonly number[]): void {
    const fresh = numbers.filter((n) => !this.confirmed.has(n));
    if (fresh.length === 0) return;
    this.db.transaction(() => {
      for (const n of fresh) this.confirm1.run(n);
    })();
    for (const n of fresh) this.confirmed.add(n);
  }

  /** The cloud lacks entries it was believed to hold: believe nothing any more. */
  forgetConfirmations(): void {
    this.db.prepare('UPDATE uplink_dictionary_entries SET confirmed = 0 WHERE confirmed = 1').run();
    this.confirmed.clear();
  }

  get confirmedCount(): number {
    return this.confirmed.size;
  }
}
