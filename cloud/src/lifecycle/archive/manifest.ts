/**
 * Object keys and manifests. Keys are Hive-style, so DuckDB or Spark can read a whole
 * hospital's archive with one glob (`read_parquet('vital_data/hospital=h1/**')`):
 *
 *   vital_data/hospital=<h>/year=<yyyy>/<yyyy-mm-dd>.g<generation>.parquet
 *   held/hospital=<h>/patient=<p>/<yyyy-mm-dd>.g<generation>.parquet
 *
 * Each object has a `<key>.manifest.json` beside it (and the same JSON in
 * archive_objects.manifest), so an archive folder explains itself without the database.
 */
import type { ArchiveStats } from './stats.js';
import { ARCHIVE_COLUMNS } from './columns.js';
import { PARQUET_WRITER } from './parquet-writer.js';

export type ArchiveKind = 'day' | 'held';

export interface ArchiveObjectId {
  hospitalId: string;
  /** 'YYYY-MM-DD' (UTC). */
  day: string;
  generation: number;
  kind: ArchiveKind;
  /** '' for day objects. */
  patientId: string;
}

export interface Manifest {
  format: 'wardlink-archive/1';
  table: 'vital_data';
  object: ArchiveObjectId;
  key: string;
  columns: readonly string[];
  /** Within each row group: rows sorted by these. */
  order: readonly string[];
  writer: string;
  stats: ArchiveStats;
  file: { bytes: number; sha256: string };
  /** When the source was exported (the job's clock). */
  exportedAt: string;
}

const seg = (s: string) => encodeURIComponent(s);

export function objectKey(id: ArchiveObjectId): string {
  const file = `${id.day}.g${id.generation}.parquet`;
  return id.kind === 'day'
    ? `vital_data/hospital=${seg(id.hospitalId)}/year=${id.day.slice(0, 4)}/${file}`
    : `held/hospital=${seg(id.hospitalId)}/patient=${seg(id.patientId)}/${file}`;
}

export const manifestKey = (key: string) => `${key}.manifest.json`;

export function buildManifest(id: ArchiveObjectId, stats: ArchiveStats, file: { bytes: number; sha256: string }, exportedAt: Date): Manifest {
  return {
    format: 'wardlink-archive/1',
    table: 'vital_data',
    object: id,
    key: objectKey(id),
    columns: ARCHIVE_COLUMNS,
    order: ['gateway_id', 'device_id', 't', 'metric'],
    writer: PARQUET_WRITER,
    stats,
    file,
    exportedAt: exportedAt.toISOString(),
  };
}

/** Key-value metadata written into the Parquet footer. */
export function fileMetadata(id: ArchiveObjectId): Record<string, string> {
  return {
    'wardlink.format': 'wardlink-archive/1',
    'wardlink.table': 'vital_data',
    'wardlink.hospital_id': id.hospitalId,
    'wardlink.day': id.day,
    'wardlink.generation': String(id.generation),
    'wardlink.kind': id.kind,
    ...(id.patientId ? { 'wardlink.patient_id': id.patientId } : {}),
  };
}
