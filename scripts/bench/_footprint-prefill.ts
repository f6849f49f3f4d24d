/**
 * The buffer a gateway restarts on after a long outage, for the startup figure of `pnpm
 * bench gateway-footprint`: hours of the 60-bed ward written straight into the stopped
 * gateway's SQLite file through the real BufferWriter (as ingest would have, only faster),
 * all of it unsent. Housekeeping runs every 30 minutes of data, as the running daemon's
 * would have (every 30 s), and once more 2 minutes of data before the end: the trend
 * index (buffer/trend-index.ts) is then as far behind as a running daemon's can be (it
 * catches up every 2 min). Before, the index caught up only every 2 min of the prefill's
 * own wall time, so it ended hours behind on a slow machine and the start-up spent
 * seconds in lastRecordsOf() that no real restart does (found measuring startup_ms).
 */
import { BufferMaintenance, BufferWriter, openBufferStore } from '@wardlink/gateway';
import { createWard } from '@wardlink/simulator';
import { GATEWAY_ID } from './_footprint-ward.js';

const CHUNK_MS = 60_000;
/** How far behind the trend index of a running daemon can be (TREND_INDEX_INTERVAL_MS). */
const TREND_LAG_MS = 2 * 60_000;

/** Writes `hours` of a ward of `beds` ending now; returns the readings written. */
export async function prefillBuffer(databasePath: string, hours: number, beds: number, log: (m: string) => void): Promise<number> {
  const store = openBufferStore({ path: databasePath, gatewayId: GATEWAY_ID, durability: 'normal' });
  const writer = new BufferWriter(store);
  // Each housekeeping catches the index up (the daemon's runs every 30 s of its time).
  const maintenance = new BufferMaintenance(store, { trendIndexIntervalMs: 0 });
  const started = performance.now();
  let written = 0;
  try {
    const endMs = Date.now() - 60_000; // before the live run's own readings
    const fromMs = endMs - hours * 3_600_000;
    const ward = createWard({ beds, seed: 11, startMs: fromMs, gatewayId: GATEWAY_ID });
    let lastLog = started;
    let caughtUpNearEnd = false;
    for (let t = fromMs; t < endMs; t += CHUNK_MS) {
      const readings = ward.readingsBetween(t, Math.min(t + CHUNK_MS, endMs));
      written += readings.length;
      await writer.append(readings);
      // Once the data written reaches endMs - TREND_LAG_MS (whatever the hours, fractional too).
      const lastCatchUp = !caughtUpNearEnd && t + CHUNK_MS >= endMs - TREND_LAG_MS;
      if (lastCatchUp) caughtUpNearEnd = true;
      if ((t - fromMs) % (30 * CHUNK_MS) === 0 || lastCatchUp) await maintenance.runHousekeeping();
      if (performance.now() - lastLog > 15_000) {
        log(`prefill: ${((t - fromMs) / 3_600_000).toFixed(1)} of ${hours} h written`);
        lastLog = performance.now();
      }
    }
    await writer.flush();
    store.db.pragma('wal_checkpoint(TRUNCATE)'); // as the daemon's housekeeping leaves the WAL
  } finally {
    await writer.close().catch(() => undefined);
    store.close();
  }
  log(`prefill: ${written.toLocaleString('en-US')} readings (${hours} h of ${beds} beds) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return written;
}
