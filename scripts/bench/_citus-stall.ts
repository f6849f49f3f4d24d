/**
 * The ingest stall of a shard move, for `pnpm bench citus-ingest`: gateways of one
 * hospital post batches to the real service without pause (a batch as soon as the last
 * one is acknowledged; a refused one again after 100 ms, as an uplink would) while its
 * shard group moves to the other worker. The stall is the longest a batch waited for its
 * 200, first attempt to answer, among the batches in flight during the move; the
 * baseline is the p99 of the same gateways' batches before it.
 *
 * Batches are made as they are needed (10 s of a 10-bed ward each), so the load lasts
 * exactly as long as the move.
 */
import { Agent } from 'node:http';
import { encodeBatch } from '@wardlink/shared';
import { createWard } from '@wardlink/simulator';
import { percentile, post } from './cloud-ingest.js';

export interface StallGateway {
  gatewayId: string;
  token: string;
}

export interface StallResult {
  maxStallMs: number;
  baselineP99Ms: number;
  batchesDuringMove: number;
  batches: number;
  readings: number;
  refusals: number;
}

interface Sent {
  sentAt: number;
  ackedAt: number;
  readings: number;
}

export async function measureMoveStall(base: string, gateways: readonly StallGateway[], startMs: number, move: () => Promise<unknown>): Promise<StallResult> {
  const sent: Sent[] = [];
  let refusals = 0;
  let stopping = false;
  const loops = gateways.map(async (g, i) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const ward = createWard({ beds: 10, seed: 500 + i, startMs, gatewayId: g.gatewayId });
    try {
      for (let seq = 1; !stopping; seq++) {
        const from = startMs + (seq - 1) * 10_000;
        const readings = ward.readingsBetween(from, from + 10_000);
        const body = encodeBatch({ gatewayId: g.gatewayId, seq, createdAtMs: from + 10_200, alarms: [], readings });
        const sentAt = performance.now();
        while ((await post(agent, base, g.token, body).catch(() => ({ status: 0, text: '' }))).status !== 200) {
          refusals += 1;
          await new Promise((r) => setTimeout(r, 100));
        }
        sent.push({ sentAt, ackedAt: performance.now(), readings: readings.length });
      }
    } finally {
      agent.destroy();
    }
  });
  const waitForBatches = async (n: number) => {
    while (sent.length < n) await new Promise((r) => setTimeout(r, 10));
  };
  try {
    await waitForBatches(40); // warmed up; the baseline
    const baseline = sent.map((s) => s.ackedAt - s.sentAt);
    const from = performance.now();
    await move();
    const to = performance.now();
    const after = sent.length;
    await waitForBatches(after + 10);
    stopping = true;
    await Promise.all(loops);
    const during = sent.filter((s) => s.ackedAt >= from && s.sentAt <= to);
    return {
      maxStallMs: Math.max(0, ...during.map((s) => s.ackedAt - s.sentAt)),
      baselineP99Ms: percentile(baseline, 99),
      batchesDuringMove: during.length,
      batches: sent.length,
      readings: sent.reduce((n, s) => n + s.readings, 0),
      refusals,
    };
  } finally {
    stopping = true;
    await Promise.all(loops);
  }
}
