import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoDate } from '../storage/utc-days.js';
import { findObjects } from './archive/objects.js';
import { listAudit } from './audit.js';
import { placeLegalHold, releaseLegalHold } from './legal-hold.js';
import { LifecycleLock, withTryLock } from './locks.js';
import { runPurge } from './purge.js';
import { restoreRange } from './restore.js';
import { runRetention } from './retention.js';
import { useLifecycleDatabase } from './testing/db.js';
import { addHospitals, createHarness, fingerprint, insertDays, NOW, type Harness } from './testing/harness.js';

const db = useLifecycleDatabase();
let h: Harness;
const FIRST = Math.floor(Date.UTC(2029, 0, 1) / 86_400_000);
const LAST = FIRST + 2;
const dayStart = (d: number) => new Date(d * 86_400_000);
const range = { from: dayStart(FIRST), to: dayStart(LAST + 1) };

beforeAll(async () => {
  h = createHarness(db.pool);
  await addHospitals(db.pool);
  await db.pool.query("UPDATE hospitals SET archive_years = 1 WHERE hospital_id = 'h-north'");
  await insertDays(db.pool, FIRST, LAST, 200);
  await db.pool.query('CREATE TABLE source_snapshot AS SELECT * FROM vital_data');
  await placeLegalHold(db.pool, { hospitalId: 'h-north', patientId: 'P2', reason: 'litigation 2030-17', placedBy: 'legal@hospital', at: new Date(NOW) });
  await placeLegalHold(db.pool, { hospitalId: 'h-north', patientId: 'P-not-in-data', reason: 'inquiry', placedBy: 'legal@hospital', at: new Date(NOW) });
});
afterAll(() => h?.cleanup());

describe('purge with legal hold', () => {
  it('deletes archives past their hospital archive period, keeping held patients in held objects', async () => {
    const result = await runRetention(h.ctx, { failFast: true });
    expect(result.archived).toHaveLength(3);
    // h-north keeps archives 1 year (due 2030-01-02 at the latest), h-south 7 years.
    expect(result.purge?.items.map((i) => `${i.hospitalId} ${i.day} ${i.heldPatients.join(',')}`)).toEqual(
      [0, 1, 2].map((d) => `h-north ${isoDate(FIRST + d)} P-not-in-data,P2`),
    );
    expect(result.purge?.purged).toBe(3);
    expect(result.purge?.heldExtracted).toBe(3); // P2 has rows every day; the other held patient has none

    const live = await findObjects(db.pool);
    expect(live.filter((o) => o.kind === 'day').map((o) => o.hospitalId)).toEqual(['h-south', 'h-south', 'h-south']);
    const held = live.filter((o) => o.kind === 'held');
    expect(held.map((o) => `${o.patientId} ${o.day}`)).toEqual([0, 1, 2].map((d) => `P2 ${isoDate(FIRST + d)}`));
    expect(held.every((o) => o.verifiedAt !== null)).toBe(true);
    const storeKeys = (await h.store.list('')).map((o) => o.key);
    expect(storeKeys.filter((k) => k.includes('hospital=h-north') && k.startsWith('vital_data/'))).toEqual([]);

    // The held patient's data survived the purge and is retrievable, exactly.
    const p2 = await restoreRange(h.ctx, { ...range, hospitalId: 'h-north', patientId: 'P2', into: 'restore_p2' });
    expect(p2.rowsInserted).toBeGreaterThan(0);
    expect(await fingerprint(db.pool, 'restore_p2', 'true')).toEqual(await fingerprint(db.pool, 'source_snapshot', "hospital_id = 'h-north' AND patient_id = 'P2'"));
    // Another h-north patient's data is gone.
    expect((await restoreRange(h.ctx, { ...range, hospitalId: 'h-north', patientId: 'P3', into: 'restore_p3' })).rowsInserted).toBe(0);

    const audit = await listAudit(db.pool, { hospitalId: 'h-north' });
    const actions = audit.map((a) => a.action);
    expect(actions.filter((a) => a === 'archive-purged')).toHaveLength(3);
    expect(actions.filter((a) => a === 'held-archive-created')).toHaveLength(3);
    expect(actions.filter((a) => a === 'legal-hold-placed')).toHaveLength(2);
    const purgedEntry = audit.find((a) => a.action === 'archive-purged')!;
    expect(purgedEntry.detail).toMatchObject({ heldPatientsExtracted: expect.arrayContaining(['P2']), rows: expect.any(Number), sha256: expect.any(String) });
  });

  it('keeps held objects while the hold lasts, and purges them once it is released', async () => {
    expect((await runPurge(h.ctx)).purged).toBe(0);
    await releaseLegalHold(db.pool, { hospitalId: 'h-north', patientId: 'P2', releasedBy: 'legal@hospital', at: new Date(NOW + 60_000) });
    const result = await runPurge(h.ctx);
    expect(result.purged).toBe(3);
    expect((await findObjects(db.pool, { kind: 'held' }))).toEqual([]);
    expect((await h.store.list('held/'))).toEqual([]);
    expect((await listAudit(db.pool, { action: 'held-archive-purged' })).map((a) => a.subject).sort()).toEqual(
      [0, 1, 2].map((d) => `held/hospital=h-north/patient=P2/${isoDate(FIRST + d)}.g1.parquet`),
    );
  });

  it('only one instance purges at a time', async () => {
    const outer = await withTryLock(db.pool, LifecycleLock.PURGE, async () => {
      const inner = await runRetention(h.ctx, {});
      return inner.purgeSkipped;
    });
    expect(outer).toEqual({ ran: true, value: 'busy' });
  });
});
