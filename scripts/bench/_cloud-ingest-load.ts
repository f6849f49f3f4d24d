/**
 * The load of `pnpm bench cloud-ingest` (and of the benches built on it: citus-ingest,
 * read-path): the simulator's 50-bed wards cut into 10 s batches, one gateway per ward,
 * pre-encoded so encoding never counts against the service. Apart from the bench's run so
 * the other benches take the same load without the cloud-ingest phases.
 */
import { decodeBatch, encodeBatch, type Batch } from '@wardlink/shared';
import { createWard } from '@wardlink/simulator';

export const BEDS = 50;
export const BATCH_MS = 10_000;
// 08:00 UTC two days ago: the service takes reading times of the hot period only.
export const START_MS = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000 + 8 * 3_600_000;
export const HOSPITAL = 'h-bench';

export interface GatewayLoad {
  gatewayId: string;
  token: string;
  /** Encoded batches, seq 2.. (seq 1 is the warm-up). */
  bodies: Buffer[];
  warmUp: Buffer;
  readings: number;
}

export function buildLoad(gateways: number, batchesEach: number): Array<Omit<GatewayLoad, 'token'> & { decoded: Batch[] }> {
  return Array.from({ length: gateways }, (_, g) => {
    const gatewayId = `gw-bench-${g + 1}`;
    const ward = createWard({ beds: BEDS, seed: 100 + g, startMs: START_MS - 3_600_000, gatewayId });
    const batch = (seq: number, from: number): Batch => ({ gatewayId, seq, createdAtMs: from + BATCH_MS + 150, alarms: [], readings: ward.readingsBetween(from, from + BATCH_MS) });
    const bodies: Buffer[] = [];
    const decoded: Batch[] = [];
    for (let i = 0; i < batchesEach; i++) {
      const body = encodeBatch(batch(i + 2, START_MS + i * BATCH_MS));
      bodies.push(body);
      decoded.push(decodeBatch(body));
    }
    const warmUp = encodeBatch(batch(1, START_MS - 3_600_000));
    return { gatewayId, bodies, decoded, warmUp, readings: decoded.reduce((n, b) => n + b.readings.length, 0) };
  });
}
