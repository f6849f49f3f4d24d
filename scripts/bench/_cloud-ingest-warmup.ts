/**
 * Steady-state warm-up for `pnpm bench cloud-ingest`: a service runs for months, so its
 * CPU per reading is measured after V8 has compiled the ingest path, not while it does.
 * Each gateway first sends WARM_UP_BATCHES batches of the hour before the measured one
 * (the same ward: same beds, devices and patients), under sequence numbers far above the
 * measured ones, so they are ordinary new batches and none of their readings is counted.
 */
import { encodeBatch } from '@wardlink/shared';
import { createWard } from '@wardlink/simulator';

export const WARM_UP_BATCHES = 4;
const WARM_UP_SEQ = 1_000_000;

export function warmUpBodies(gatewayId: string, seed: number, beds: number, startMs: number, batchMs: number): Buffer[] {
  const hourBefore = startMs - 3_600_000;
  const ward = createWard({ beds, seed, startMs: hourBefore, gatewayId });
  return Array.from({ length: WARM_UP_BATCHES }, (_, i) => {
    const from = hourBefore + (i + 1) * batchMs; // after buildLoad's own warm-up batch
    return encodeBatch({ gatewayId, seq: WARM_UP_SEQ + i, createdAtMs: from + batchMs + 150, alarms: [], readings: ward.readingsBetween(from, from + batchMs) });
  });
}
