/**
 * The per-gateway series dictionary (format version 4).
 *
 * Why. In a small batch the ids dominate: a 1 s batch of a 50-bed ward on real ICU
 * numerics (5 s records) carries ~80 readings, each of a different series, and spent
 * more bytes naming (device, bed, patient, metric) than on times and values. A gateway
 * sees the same few hundred series for days, so it numbers them once and a batch names a
 * series by its number.
 *
 * The contract that keeps every batch decodable and exactly-once:
 * - A dictionary has a random id (1..2^52-1) and entries numbered 0, 1, 2... An entry
 *   never changes once numbered, so any copy of entry i of dictionary d is the right one.
 *   A gateway whose database is lost starts a new dictionary (a new id), never reuses one.
 * - A batch names its dictionary in the header and carries inline every entry it uses
 *   that the receiver is not known to hold (the gateway learns "known" from the 2xx of a
 *   batch that carried it). The receiver stores inline entries in the transaction that
 *   stores the batch.
 * - A receiver lacking an entry a batch uses refuses the batch before storing anything
 *   (`DictionaryUnknownError`, HTTP 409 WL_DICTIONARY_UNKNOWN); the sender forgets what it
 *   believed the receiver holds and sends the batch again with every entry it uses inline.
 * - A receiver holding another series under a number a batch carries inline refuses it
 *   the same way (`DictionaryConflictError`, HTTP 409 WL_DICTIONARY_CONFLICT): the
 *   sender's database lost entries it had sent (a power cut rolled back its last commits,
 *   a restore) and numbered other series with them. The sender starts a new dictionary.
 *   Without this, later batches naming those numbers would be stored under the old series:
 *   another bed or patient.
 * - A gateway starts a new dictionary past 8,000 entries (admissions add series for good).
 * Batches are encoded when sent, never stored encoded, so a batch re-sent after a crash
 * of either side decodes to the same readings whatever entries travel with it.
 */
import { CodecCorruptError, CodecInputError, CodecInvalidFieldError } from '../errors/codec.js';
import type { Reading } from '../types.js';
import type { ByteReader, ByteWriter } from './bytes.js';
import type { SeriesGroup, StreamGroup } from './group.js';
import { isCatalogCodec, isWellFormed, MAX_DICTIONARY_ID, seriesCodecByKey, seriesCodecByMdc } from './format.js';
import { nullableStringAt, stringAt, type StringTableWriter } from './strings.js';

/** One series: a metric (a catalog id or an uncatalogued MDC code) of a device at a bed for a patient. */
export interface SeriesEntry {
  readonly deviceId: string;
  readonly bedId: string;
  readonly patientId: string | null;
  /** A catalog metric id, or an uncatalogued MDC code as a decimal string. */
  readonly metric: string;
  /** An uncatalogued term's UCUM unit ('' when the device sent none); null for a catalog metric. */
  readonly unit: string | null;
}

/** The key two equal entries share. */
export function seriesKey(e: SeriesEntry): string {
  return `${e.deviceId}\u0000${e.bedId}\u0000${e.patientId ?? '\u0001'}\u0000${e.metric}\u0000${e.unit ?? '\u0001'}`;
}

/** The series entry of a reading, as the codec groups it (group.ts). */
export function entryOfReading(r: Reading): SeriesEntry {
  const catalog = seriesCodecByKey(r.metric);
  const unit = catalog !== undefined && !isCatalogCodec(catalog) ? (r.unit ?? '') : null;
  return { deviceId: r.deviceId, bedId: r.bedId, patientId: r.patientId, metric: r.metric, unit };
}

/**
 * Entries by number, and numbers by entry. A gateway holds its whole dictionary; a
 * cloud holds what it has learnt (possibly with gaps, from batches arriving out of order).
 */
export class SeriesDictionary {
  private readonly entries = new Map<number, SeriesEntry>();
  private readonly numbers = new Map<string, number>();
  private next = 0;

  constructor(readonly id: number) {
    if (!Number.isSafeInteger(id) || id < 1 || id > MAX_DICTIONARY_ID) throw new CodecInputError('dictionary.id', 'must be an integer 1..2^52-1', id);
  }

  /** One past the highest entry number held. */
  get size(): number {
    return this.next;
  }

  at(index: number): SeriesEntry | undefined {
    return this.entries.get(index);
  }

  indexOf(e: SeriesEntry): number | undefined {
    return this.numbers.get(seriesKey(e));
  }

  /** Appends a new entry (the sender's side); returns its number. */
  add(e: SeriesEntry): number {
    const known = this.indexOf(e);
    if (known !== undefined) return known;
    const index = this.next;
    this.set(index, e);
    return index;
  }

  /**
   * Records entry `index` (the receiver's side, and a sender reloading its own). Throws
   * `CodecCorruptError` when it contradicts an entry already held: entries never change.
   */
  set(index: number, e: SeriesEntry): void {
    if (!Number.isSafeInteger(index) || index < 0) throw new CodecInvalidFieldError('dictionary.index', index, 'must be a non-negative integer');
    checkEntry(e);
    const held = this.entries.get(index);
    if (held !== undefined) {
      if (seriesKey(held) !== seriesKey(e)) throw new CodecCorruptError(`dictionary ${this.id} entry ${index} contradicts the entry held`, { index });
      return;
    }
    const entry: SeriesEntry = { deviceId: e.deviceId, bedId: e.bedId, patientId: e.patientId, metric: e.metric, unit: e.unit };
    this.entries.set(index, entry);
    this.numbers.set(seriesKey(entry), index);
    if (index >= this.next) this.next = index + 1;
  }

  /** Forgets the entries numbered `size` and up (a sender whose write of them failed). */
  truncate(size: number): void {
    for (let n = size; n < this.next; n++) {
      const e = this.entries.get(n);
      if (e === undefined) continue;
      this.entries.delete(n);
      this.numbers.delete(seriesKey(e));
    }
    this.next = Math.min(this.next, size);
  }

  /** Numbers every series of `readings` not numbered yet; returns the new entries' numbers. */
  addReadings(readings: readonly Reading[]): number[] {
    const added: number[] = [];
    for (const r of readings) {
      const e = entryOfReading(r);
      if (this.indexOf(e) === undefined) added.push(this.add(e));
    }
    return added;
  }
}

function checkEntry(e: SeriesEntry): void {
  const text = (v: unknown, field: string, nullable = false) => {
    if (nullable && v === null) return;
    if (typeof v !== 'string' || !isWellFormed(v)) throw new CodecInputError(field, 'must be a well-formed string', v);
  };
  text(e.deviceId, 'reading.deviceId');
  text(e.bedId, 'reading.bedId');
  text(e.patientId, 'reading.patientId', true);
  const codec = typeof e.metric === 'string' ? seriesCodecByKey(e.metric) : undefined;
  if (codec === undefined) throw new CodecInputError('reading.metric', 'is neither a catalog metric id nor an uncatalogued MDC code', e.metric);
  if (isCatalogCodec(codec) ? e.unit !== null : typeof e.unit !== 'string' || !isWellFormed(e.unit)) {
    throw new CodecInputError('reading.unit', 'must be null for a catalog metric and a string for an uncatalogued term', e.unit);
  }
}

/**
 * With a dictionary, streams and series go in dictionary order (each stream by its
 * lowest series number, series by number) instead of order of first appearance: the
 * series numbers then rise by one or a little more, which costs a few bits each, where
 * the arrival order (which shifts with every monitor's phase) cost two bytes per stream.
 * Returns each series' number, in the new order. Throws for a series not numbered yet.
 */
export function orderByDictionary(streams: StreamGroup[], readings: readonly Reading[], dictionary: SeriesDictionary): number[] {
  const numberOf = new Map<SeriesGroup, number>();
  for (const stream of streams) {
    for (const series of stream.series) {
      const row = series.rows[0]!;
      const n = dictionary.indexOf(entryOfReading(readings[row]!));
      if (n === undefined) throw new CodecInputError(`readings[${row}]`, `its series is not in dictionary ${dictionary.id}; number the batch's series first (SeriesDictionary.addReadings)`);
      numberOf.set(series, n);
    }
    stream.series.sort((a, b) => numberOf.get(a)! - numberOf.get(b)!);
  }
  const lowest = new Map(streams.map((st) => [st, Math.min(...st.series.map((s) => numberOf.get(s)!))]));
  streams.sort((a, b) => lowest.get(a)! - lowest.get(b)!);
  return streams.flatMap((st) => st.series.map((s) => numberOf.get(s)!));
}

/** What an encoder is given to write a batch against a dictionary. */
export interface DictionaryEncoding {
  dictionary: SeriesDictionary;
  /** True for an entry the receiver may not hold: it travels inline. */
  inline(index: number): boolean;
}

/** What a decoder is given: the entries the receiver holds, by dictionary id. */
export type DictionaryLookup = (dictionaryId: number) => SeriesDictionary | undefined;

/**
 * Dictionary column: the inline entries, by number ascending. Numbers as zigzag deltas
 * (from -1), then device, bed and patient (+1, 0 = null) string refs as zigzag deltas,
 * metric MDC codes, and unit refs (+1, 0 = a catalog metric's null).
 */
export function writeDictionaryColumn(w: ByteWriter, dictionary: SeriesDictionary, inline: readonly number[], strings: StringTableWriter): void {
  let prev = -1;
  for (const i of inline) {
    w.svarint(i - prev);
    prev = i;
  }
  const entries = inline.map((i) => dictionary.at(i)!);
  const refColumns: ((e: SeriesEntry) => number)[] = [
    (e) => strings.intern(e.deviceId, 'reading.deviceId'),
    (e) => strings.intern(e.bedId, 'reading.bedId'),
    (e) => strings.internNullable(e.patientId, 'reading.patientId'),
  ];
  for (const refOf of refColumns) {
    let p = 0;
    for (const e of entries) {
      const ref = refOf(e);
      w.svarint(ref - p);
      p = ref;
    }
  }
  for (const e of entries) w.uvarint(seriesCodecByKey(e.metric)!.mdcCode);
  for (const e of entries) w.uvarint(e.unit === null ? 0 : strings.intern(e.unit, 'reading.unit') + 1);
}

/** Reads `count` inline entries; checks each is well formed (a catalog metric has no unit...). */
export function readDictionaryColumn(r: ByteReader, count: number, strings: readonly string[], version: number): Map<number, SeriesEntry> {
  const numbers = new Array<number>(count);
  let prev = -1;
  for (let k = 0; k < count; k++) {
    const n = prev + r.svarint('dictionary.index');
    if (!(n > prev) || !Number.isSafeInteger(n)) throw new CodecInvalidFieldError('dictionary.index', n, 'must increase');
    numbers[k] = prev = n;
  }
  const refs = [0, 1, 2].map(() => {
    const out = new Array<number>(count);
    let p = 0;
    for (let k = 0; k < count; k++) out[k] = p = p + r.svarint('dictionary.ref');
    return out;
  });
  const out = new Map<number, SeriesEntry>();
  const codes = Array.from({ length: count }, () => r.uvarint('dictionary.metric'));
  for (let k = 0; k < count; k++) {
    const codec = seriesCodecByMdc(codes[k]!, version);
    if (codec === undefined) throw new CodecInvalidFieldError('dictionary.metric', codes[k], 'is not an MDC code');
    const unitRef = r.uvarint('dictionary.unit');
    if (isCatalogCodec(codec) !== (unitRef === 0)) throw new CodecInvalidFieldError('dictionary.unit', unitRef, 'a catalog metric has no unit, an uncatalogued term has one');
    out.set(numbers[k]!, {
      deviceId: stringAt(strings, refs[0]![k]!, 'dictionary.deviceId'),
      bedId: stringAt(strings, refs[1]![k]!, 'dictionary.bedId'),
      patientId: nullableStringAt(strings, refs[2]![k]!, 'dictionary.patientId'),
      metric: codec.id,
      unit: unitRef === 0 ? null : stringAt(strings, unitRef - 1, 'dictionary.unit'),
    });
  }
  return out;
}
