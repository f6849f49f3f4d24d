/** The loader's NOTIFY for the SSE dashboards, through a real LISTEN connection: one per
 * batch that changed latest_vitals, none for a late backlog or a duplicate. */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reading } from '@wardlink/shared';
import { silentLogger } from '../testing/logger.js';
import { useTestDatabase } from '../testing/pg.js';
import { LATEST_CHANNEL, parseLatestChange, type LatestChange } from './latest-notify.js';
import { loadBatch, type GatewayIdentity } from './loader.js';
import { registerGateway, T0 } from './testing/batches.js';

const db = useTestDatabase();
let listener: pg.Client | undefined;

afterEach(async () => {
  await listener?.end();
  listener = undefined;
});

async function listen(): Promise<LatestChange[]> {
  listener = new pg.Client({ connectionString: db.connectionString });
  await listener.connect();
  const heard: LatestChange[] = [];
  listener.on('notification', (n) => {
    if (n.channel === LATEST_CHANNEL) heard.push(parseLatestChange(n.payload)!);
  });
  await listener.query(`LISTEN ${LATEST_CHANNEL}`);
  return heard;
}

/** Notifications are delivered after the commit: a round trip on the listener drains them. */
async function settle(): Promise<void> {
  await listener!.query('SELECT 1');
  await new Promise((r) => setTimeout(r, 50));
}

const reading = (bed: string, t: number, value: number): Reading => ({
  gatewayId: 'gw-notify', deviceId: `mon-${bed}`, bedId: bed, patientId: null, metric: 'HR', deviceTimeMs: t, receivedAtMs: t + 20, value, flags: 0,
});

describe('the latest_vitals change notification', () => {
  it('is sent once per batch that changed a row, with its time range, and never for a late backlog or a duplicate', async () => {
    await registerGateway(db.pool, 'h-notify', 'w1', 'gw-notify');
    const gw: GatewayIdentity = { hospitalId: 'h-notify', gatewayId: 'gw-notify', wardId: 'w1' };
    const heard = await listen();
    const batch = (seq: number, readings: Reading[]) => ({ gatewayId: 'gw-notify', seq, createdAtMs: T0 + 120_000, alarms: [], readings });

    const first = batch(1, [reading('bed-1', T0 + 10_000, 70), reading('bed-1', T0 + 11_000, 71), reading('bed-2', T0 + 12_000, 80)]);
    await loadBatch(db.pool, gw, first, { logger: silentLogger });
    await settle();
    expect(heard).toEqual([{ hospitalId: 'h-notify', gatewayId: 'gw-notify', fromMs: T0 + 11_000, toMs: T0 + 12_000 }]);

    // The same batch again (a retry), and a backlog older than what latest_vitals holds.
    expect((await loadBatch(db.pool, gw, first, { logger: silentLogger })).duplicate).toBe(true);
    const late = await loadBatch(db.pool, gw, batch(2, [reading('bed-1', T0, 60), reading('bed-2', T0 + 1000, 61)]), { logger: silentLogger });
    expect(late.storedReadings).toBe(2);
    await settle();
    expect(heard).toHaveLength(1);

    // One newer reading of two: announced, and latest_vitals holds the newer values only.
    await loadBatch(db.pool, gw, batch(3, [reading('bed-1', T0 + 5_000, 62), reading('bed-2', T0 + 20_000, 82)]), { logger: silentLogger });
    await settle();
    expect(heard).toHaveLength(2);
    expect(heard[1]).toEqual({ hospitalId: 'h-notify', gatewayId: 'gw-notify', fromMs: T0 + 5_000, toMs: T0 + 20_000 });
    const rows = await db.pool.query('SELECT bed_id, value FROM latest_vitals WHERE gateway_id = $1 ORDER BY bed_id', ['gw-notify']);
    expect(rows.rows).toEqual([{ bed_id: 'bed-1', value: 71 }, { bed_id: 'bed-2', value: 82 }]);
  });
});
