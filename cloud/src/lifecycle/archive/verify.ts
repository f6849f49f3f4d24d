/**
 * Verification of a stored archive object, by reading it back:
 * 1. the bytes the store returns hash to the manifest's sha256 (and length);
 * 2. the Parquet footer (read by hyparquet, not the writer) holds the manifest's rows;
 * 3. DuckDB, an independent reader, computes count, min/max t and every column sum
 *    from the file, and they equal the manifest's;
 * 4. when the source is still there, PostgreSQL's own figures over it equal them too.
 * Any mismatch throws ArchiveVerificationError; nothing is dropped or purged after one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { ArchiveStore } from '../store/archive-store.js';
import { ArchiveVerificationError } from '../errors.js';
import type { DuckDbReader } from './duckdb.js';
import type { Manifest } from './manifest.js';
import { compareStats, type ArchiveStats } from './stats.js';

export interface VerifyResult {
  key: string;
  rows: number;
  bytes: number;
  checks: string[];
}

/** Runs `fn` with a local path of the object (the store's own, or a temporary download). */
export async function withLocalCopy<T>(store: ArchiveStore, key: string, fn: (path: string, sha256: string, bytes: number) => Promise<T>): Promise<T> {
  const local = store.localPath(key);
  const temp = local ? undefined : join(tmpdir(), `wl-archive-${randomBytes(6).toString('hex')}.parquet`);
  const hash = createHash('sha256');
  let bytes = 0;
  const count = (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  };
  try {
    const source = await store.get(key);
    if (temp) {
      const tap = new Transform({ transform: (chunk: Buffer, _enc, done) => (count(chunk), done(null, chunk)) });
      await pipeline(source, tap, createWriteStream(temp));
    } else {
      for await (const chunk of source as AsyncIterable<Buffer>) count(chunk);
    }
    return await fn(local ?? temp!, hash.digest('hex'), bytes);
  } finally {
    if (temp) await rm(temp, { force: true });
  }
}

async function footerRows(path: string): Promise<number> {
  const { asyncBufferFromFile, parquetMetadataAsync } = await import('hyparquet');
  const meta = await parquetMetadataAsync(await asyncBufferFromFile(path));
  return Number(meta.num_rows);
}

export async function verifyStoredObject(store: ArchiveStore, duck: DuckDbReader, manifest: Manifest, source?: ArchiveStats): Promise<VerifyResult> {
  const key = manifest.key;
  return withLocalCopy(store, key, async (path, sha256, bytes) => {
    const mismatches: string[] = [];
    const checks: string[] = [];
    if (sha256 !== manifest.file.sha256 || bytes !== manifest.file.bytes) {
      mismatches.push(`stored bytes hash ${sha256.slice(0, 12)}… (${bytes} B), manifest says ${manifest.file.sha256.slice(0, 12)}… (${manifest.file.bytes} B)`);
    } else checks.push('sha256');
    if (mismatches.length === 0) {
      const rows = await footerRows(path);
      if (rows !== manifest.stats.rows) mismatches.push(`footer rows ${rows} != manifest ${manifest.stats.rows}`);
      else checks.push('footer-rows');
      const read = await duck.stats(path);
      const m = compareStats(manifest.stats, read, 'duckdb');
      if (m.length) mismatches.push(...m);
      else checks.push('duckdb');
      if (source) {
        const s = compareStats(source, manifest.stats, 'manifest-vs-source');
        if (s.length) mismatches.push(...s);
        else checks.push('source');
      }
    }
    if (mismatches.length > 0) throw new ArchiveVerificationError(key, mismatches, { expectedRows: manifest.stats.rows });
    return { key, rows: manifest.stats.rows, bytes, checks };
  });
}
