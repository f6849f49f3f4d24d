/**
 * Purge: archive objects past their hospital's archive period are deleted, each with an
 * audit record. Legal hold (docs/lifecycle.md): before a day object is deleted, the
 * rows of every patient of that hospital under an active hold are extracted into a
 * held object of their own (held/hospital=h/patient=p/...), verified like any archive.
 * Held objects are not purged while their patient's hold lasts; once it is released
 * they follow the archive period again. The deletion itself happens with legal_holds
 * locked in SHARE mode and the holds re-read, so a hold placed during the purge either
 * waits for it or is seen by it: a held patient's rows are never deleted.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { withTransaction } from '../storage/pool.js';
import { recordAudit } from './audit.js';
import { deviceTimeOrder, gather } from './archive/columns.js';
import { DuckDbReader } from './archive/duckdb.js';
import { buildManifest, fileMetadata, manifestKey, objectKey, type ArchiveObjectId } from './archive/manifest.js';
import { findObjects, markPurged, markStored, markVerified, upsertExported, type ArchiveObject } from './archive/objects.js';
import { ParquetFileWriter } from './archive/parquet-writer.js';
import { compareStats, StatsAccumulator } from './archive/stats.js';
import { verifyStoredObject, withLocalCopy } from './archive/verify.js';
import type { LifecycleContext } from './context.js';
import { ArchiveVerificationError } from './errors.js';
import { heldPatients } from './legal-hold.js';

export interface PurgeItem {
  key: string;
  hospitalId: string;
  day: string;
  kind: 'day' | 'held';
  patientId: string;
  rows: number;
  bytes: number;
  /** First day the object may be purged. */
  dueDay: string;
  /** Day objects: patients whose rows are extracted into held objects first. */
  heldPatients: string[];
}

export interface PurgePlan {
  today: string;
  items: PurgeItem[];
}

export interface PurgeResult extends PurgePlan {
  purged: number;
  heldExtracted: number;
}

const today = (ctx: LifecycleContext) => new Date(ctx.clock.now()).toISOString().slice(0, 10);

export async function planPurge(ctx: LifecycleContext): Promise<PurgePlan> {
  const day = today(ctx);
  const res = await ctx.pool.query<{ key: string; due: string }>(
    `SELECT o.object_key AS key, to_char((o.day + make_interval(years => coalesce(h.archive_years, $2)))::date + 1, 'YYYY-MM-DD') AS due
     FROM archive_objects o LEFT JOIN hospitals h ON h.hospital_id = o.hospital_id
     WHERE o.purged_at IS NULL
       AND (o.kind = 'held' OR o.verified_at IS NOT NULL)
       AND (o.day + make_interval(years => coalesce(h.archive_years, $2)))::date + 1 <= $1::date
       AND NOT (o.kind = 'held' AND EXISTS (
         SELECT 1 FROM legal_holds l WHERE l.hospital_id = o.hospital_id AND l.patient_id = o.patient_id AND l.released_at IS NULL))
     ORDER BY o.day, o.hospital_id, o.kind, o.patient_id`,
    [day, ctx.settings.archiveYears],
  );
  const due = new Map(res.rows.map((r) => [r.key, r.due]));
  const objects = (await findObjects(ctx.pool)).filter((o) => due.has(o.key));
  const holds = new Map<string, string[]>();
  const items: PurgeItem[] = [];
  for (const o of objects) {
    if (o.kind === 'day' && !holds.has(o.hospitalId)) holds.set(o.hospitalId, await heldPatients(ctx.pool, o.hospitalId));
    items.push({
      key: o.key,
      hospitalId: o.hospitalId,
      day: o.day,
      kind: o.kind,
      patientId: o.patientId,
      rows: o.rows,
      bytes: o.bytes,
      dueDay: due.get(o.key)!,
      heldPatients: o.kind === 'day' ? holds.get(o.hospitalId)! : [],
    });
  }
  return { today: day, items };
}

/** Runs the plan. The caller holds the PURGE lock. */
export async function runPurge(ctx: LifecycleContext, plan?: PurgePlan): Promise<PurgeResult> {
  const p = plan ?? (await planPurge(ctx));
  const objects = new Map((await findObjects(ctx.pool)).map((o) => [o.key, o]));
  let purged = 0;
  let heldExtracted = 0;
  const duck = await DuckDbReader.open();
  try {
    for (const [i, item] of p.items.entries()) {
      const o = objects.get(item.key);
      if (!o) continue;
      const handled = new Set<string>();
      for (let attempt = 0; ; attempt++) {
        for (const patientId of await heldPatients(ctx.pool, o.hospitalId)) {
          if (o.kind !== 'day' || handled.has(patientId)) continue;
          if (await extractHeld(ctx, duck, o, patientId)) heldExtracted++;
          handled.add(patientId);
        }
        const deleted = await deleteUnlessHeld(ctx, o, handled);
        if (deleted) break;
        if (attempt >= 5) throw new Error(`holds on hospital ${o.hospitalId} keep changing; purge of ${o.key} postponed`);
      }
      purged++;
      ctx.progress({ job: 'purge', step: 'purged', subject: o.key, done: i + 1, total: p.items.length, rows: o.rows, bytes: o.bytes });
    }
  } finally {
    duck.close();
  }
  return { ...p, purged, heldExtracted };
}

/** Deletes `o` under the hold lock; false (nothing deleted) if a hold appeared that was not handled. */
async function deleteUnlessHeld(ctx: LifecycleContext, o: ArchiveObject, handled: Set<string>): Promise<boolean> {
  return withTransaction(ctx.pool, async (client) => {
    await client.query('LOCK TABLE legal_holds IN SHARE MODE');
    const held = await heldPatients(client, o.hospitalId);
    if (o.kind === 'held' ? held.includes(o.patientId) : held.some((p) => !handled.has(p))) return false;
    await ctx.store.delete(o.key);
    await ctx.store.delete(manifestKey(o.key));
    const at = new Date(ctx.clock.now());
    await markPurged(client, o.key, at);
    await recordAudit(client, {
      hospitalId: o.hospitalId,
      at,
      action: o.kind === 'day' ? 'archive-purged' : 'held-archive-purged',
      subject: o.key,
      actor: ctx.actor,
      detail: { day: o.day, generation: o.generation, rows: o.rows, bytes: o.bytes, sha256: o.sha256, ...(o.kind === 'held' ? { patientId: o.patientId } : { heldPatientsExtracted: [...handled] }) },
    });
    return true;
  });
}

/**
 * Copies one held patient's rows out of a day object into a held object, verified.
 * Returns false when the object has no rows of that patient (nothing to keep).
 */
async function extractHeld(ctx: LifecycleContext, duck: DuckDbReader, o: ArchiveObject, patientId: string): Promise<boolean> {
  const id: ArchiveObjectId = { hospitalId: o.hospitalId, day: o.day, generation: o.generation, kind: 'held', patientId };
  const key = objectKey(id);
  const existing = (await findObjects(ctx.pool, { hospitalId: o.hospitalId, patientId, kind: 'held', fromDay: o.day, toDay: o.day })).find((x) => x.key === key);
  if (existing?.verifiedAt) return false;
  const dir = join(ctx.stagingDir, 'held');
  await mkdir(dir, { recursive: true });
  const staged = join(dir, `${encodeURIComponent(key)}`);
  return withLocalCopy(ctx.store, o.key, async (path) => {
    const source = await duck.stats(path, { patientId });
    if (source.rows === 0) return false;
    const stats = new StatsAccumulator();
    const writer = await ParquetFileWriter.create(staged, fileMetadata(id));
    try {
      for await (const block of duck.rows(path, { patientId })) {
        const ordered = gather(block, deviceTimeOrder(block));
        stats.add(ordered);
        await writer.write(ordered);
      }
    } catch (err) {
      await writer.abort();
      throw err;
    }
    const file = await writer.close();
    const written = stats.result();
    const mismatch = compareStats(source, written, 'extract');
    if (mismatch.length) throw new ArchiveVerificationError(key, mismatch);
    const manifest = buildManifest(id, written, { bytes: file.bytes, sha256: file.sha256 }, new Date(ctx.clock.now()));
    await upsertExported(ctx.pool, manifest, new Date(ctx.clock.now()));
    await ctx.store.put(key, staged);
    await ctx.store.putBytes(manifestKey(key), Buffer.from(JSON.stringify(manifest, null, 2)));
    await markStored(ctx.pool, key, new Date(ctx.clock.now()));
    await verifyStoredObject(ctx.store, duck, manifest, source);
    await withTransaction(ctx.pool, async (client) => {
      await markVerified(client, key, new Date(ctx.clock.now()));
      await recordAudit(client, { hospitalId: o.hospitalId, at: new Date(ctx.clock.now()), action: 'held-archive-created', subject: patientId, actor: ctx.actor, detail: { key, from: o.key, rows: written.rows } });
    });
    await rm(staged, { force: true });
    return true;
  });
}
