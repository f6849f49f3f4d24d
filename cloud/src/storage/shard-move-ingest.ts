/**
 * Test support for shard moves: gateways that upload batches to the real service over
 * HTTP without pause, as real ones would while an operator moves their hospital, and keep
 * what was acknowledged, so a test can check that every acknowledged reading is stored
 * exactly once and measure how long ingest stalled.
 *
 * A batch answered anything but 200 is sent again with the same seq after a short pause,
 * as a gateway's uplink does; its latency runs from the first attempt to the 200.
 */
import { encodeBatch, type Batch, type Reading } from '@wardlink/shared';
import { postBatch } from '../api/testing/service.js';
import { batchOf, simulatedWard, T0 } from '../ingest/testing/batches.js';

export interface UploadingGateway {
  gatewayId: string;
  token: string;
  beds?: number;
}

export interface Acknowledged {
  batch: Batch;
  /** performance.now() of the first attempt and of the 200. */
  sentAt: number;
  ackedAt: number;
  attempts: number;
}

export interface ContinuousIngest {
  readonly acked: readonly Acknowledged[];
  /** Answers other than 200 (each was retried), by status. */
  readonly refusals: Map<number, number>;
  /** Stops after the batches in flight are acknowledged; resolves when all gateways stopped. */
  stop(): Promise<void>;
}

const RETRY_PAUSE_MS = 100;

/**
 * Starts one upload loop per gateway: seq 1, 2, ... with 10 s of its ward each, or after
 * the batches of an earlier run (`after`), which `acked` then includes.
 */
export function startContinuousIngest(url: string, gateways: readonly UploadingGateway[], after: readonly Acknowledged[] = []): ContinuousIngest {
  const acked: Acknowledged[] = [...after];
  const refusals = new Map<number, number>();
  let stopping = false;
  const loops = gateways.map(async (g, i) => {
    const ward = simulatedWard(g.gatewayId, g.beds ?? 10, 40 + i);
    const last = Math.max(0, ...after.filter((a) => a.batch.gatewayId === g.gatewayId).map((a) => a.batch.seq));
    for (let seq = last + 1; !stopping; seq++) {
      const batch = batchOf(ward, seq, T0 + (seq - 1) * 10_000);
      const body = encodeBatch(batch);
      const sentAt = performance.now();
      for (let attempt = 1; ; attempt++) {
        const answer = await postBatch(url, body, g.token).catch(() => ({ status: 0 }));
        if (answer.status === 200) {
          acked.push({ batch, sentAt, ackedAt: performance.now(), attempts: attempt });
          break;
        }
        refusals.set(answer.status, (refusals.get(answer.status) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
      }
    }
  });
  return {
    acked,
    refusals,
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

/** The longest time a batch waited for its 200 among those in flight during [from, to]. */
export function maxStallMs(acked: readonly Acknowledged[], from: number, to: number): number {
  let worst = 0;
  for (const a of acked) if (a.ackedAt >= from && a.sentAt <= to) worst = Math.max(worst, a.ackedAt - a.sentAt);
  return worst;
}

/** Readings per `patient|metric` key of the acknowledged batches of `gatewayId`. */
export function expectedPerPatientMetric(acked: readonly Acknowledged[], gatewayId: string, mdcCodeOf: (metric: Reading['metric']) => number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const a of acked) {
    if (a.batch.gatewayId !== gatewayId) continue;
    for (const r of a.batch.readings) {
      const key = `${r.patientId ?? ''}|${mdcCodeOf(r.metric)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

export { T0 };
