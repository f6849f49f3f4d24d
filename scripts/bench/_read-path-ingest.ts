/**
 * The read-path bench's live ingest: real HTTP batch uploads with gateway tokens.
 * - The hospital's gateways (50-bed simulated wards, one gateway each), batches of
 *   `batchMs` pre-encoded before the run (so encoding does not load the bench during it),
 *   posted on schedule: each gateway posts its next batch every `batchMs`, phases spread,
 *   one connection per gateway. The offered rate is the wards' real rate (~7.8
 *   readings/s per bed); what was committed over the window is the figure.
 * - The watched ward (a 60-bed ward of its own hospital, the SSE clients' and the
 *   dashboard's): one batch a second, every reading of it stamped with one whole-second
 *   device time, so the ISO text of that time marks the batch in the stream's events;
 *   `onSend` gets the marker just before the POST (the fan-out's start).
 */
import { Agent } from 'node:http';
import { encodeBatch, type Reading } from '@wardlink/shared';
import { addGateway } from '@wardlink/cloud';
import { createWard } from '@wardlink/simulator';
import type pg from 'pg';
import { post } from './cloud-ingest.js';

export interface PacedGateway {
  gatewayId: string;
  token: string;
  warmUp: Buffer;
  bodies: Buffer[];
  readingsPerBody: number[];
}

/** Distinct patients per ward: the simulator names them P0001.. in every ward. */
const distinct = (gatewayId: string, readings: Reading[]) => readings.map((r) => ({ ...r, patientId: r.patientId ? `${gatewayId}-${r.patientId}` : r.patientId }));

export async function buildHospitalLoad(pool: pg.Pool, hospitalId: string, { gateways, beds, batchMs, batches, t0 }: { gateways: number; beds: number; batchMs: number; batches: number; t0: number }): Promise<PacedGateway[]> {
  const out: PacedGateway[] = [];
  for (let g = 0; g < gateways; g++) {
    const gatewayId = `gw-read-${String(g + 1).padStart(3, '0')}`;
    // The simulator generates from startMs on: start just before the warm-up batch.
    const ward = createWard({ beds, seed: 500 + g, startMs: t0 - 2 * batchMs, gatewayId });
    const body = (seq: number, from: number) => {
      const readings = distinct(gatewayId, ward.readingsBetween(from, from + batchMs));
      return { body: encodeBatch({ gatewayId, seq, createdAtMs: from + batchMs + 100, alarms: [], readings }), n: readings.length };
    };
    const { token } = await addGateway(pool, { hospitalId, wardId: `ward-${g + 1}`, gatewayId });
    const warmUp = body(1, t0 - batchMs).body;
    const made = Array.from({ length: batches }, (_, i) => body(i + 2, t0 + i * batchMs));
    out.push({ gatewayId, token, warmUp, bodies: made.map((m) => m.body), readingsPerBody: made.map((m) => m.n) });
  }
  return out;
}

export interface IngestRun {
  /** Resolves when every gateway has posted its batches (or the run was stopped). */
  done: Promise<void>;
  stop(): void;
  committed: () => number;
  /** 503s (service at capacity) retried after a second, as a gateway does. */
  retries: () => number;
  failures: string[];
  batchMs: number[];
}

const sleepUntil = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));

/** One batch as a gateway sends it: a 503 (the service at capacity) is retried after
 * the second it asks for, as the gateway's uplink does; gives up when `stopped()`. */
async function postRetrying(agent: Agent, base: string, token: string, body: Buffer, stopped: () => boolean, onRetry: () => void): Promise<{ status: number; text: string }> {
  for (;;) {
    const res = await post(agent, base, token, body).catch((err: Error) => ({ status: 0, text: err.message }));
    if (res.status !== 503 || stopped()) return res;
    onRetry();
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** Every gateway's first batch (its beds into latest_vitals), 8 gateways at a time. */
export async function warmUp(base: string, loads: PacedGateway[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (next < loads.length) {
        const g = loads[next++]!;
        const res = await postRetrying(agent, base, g.token, g.warmUp, () => false, () => undefined);
        if (res.status !== 200) throw new Error(`warm-up batch of ${g.gatewayId} refused: ${res.status} ${res.text.slice(0, 300)}`);
      }
      agent.destroy();
    }),
  );
}

/** Posts each gateway's batches [first, end) every `batchMs` from now, phases spread
 * over the interval (a phase before the window takes the first ones, the window the rest). */
export function runPacedIngest(base: string, loads: PacedGateway[], batchMs: number, first = 0, end = Infinity): IngestRun {
  let stopped = false;
  let committed = 0;
  let retries = 0;
  const failures: string[] = [];
  const latencies: number[] = [];
  const start = performance.now();
  const done = Promise.all(
    loads.map(async (g, gi) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const phase = (gi / loads.length) * batchMs;
      for (let i = first; i < Math.min(end, g.bodies.length) && !stopped; i++) {
        await sleepUntil(start + phase + (i - first) * batchMs);
        if (stopped) break;
        const t = performance.now();
        const res = await postRetrying(agent, base, g.token, g.bodies[i]!, () => stopped, () => retries++);
        latencies.push(performance.now() - t);
        if (res.status === 200) committed += g.readingsPerBody[i]!;
        else failures.push(`${res.status} ${res.text.slice(0, 200)}`);
      }
      agent.destroy();
    }),
  ).then(() => undefined);
  return { done, stop: () => (stopped = true), committed: () => committed, retries: () => retries, failures, batchMs: latencies };
}

export interface WatchedWard {
  hospitalId: string;
  gatewayId: string;
  token: string;
  /** Posts batch `i` (1-based; 1 is the warm-up) stamped at whole second `secondMs`;
   * calls onSend(marker) right before the POST. */
  postStamped(i: number, secondMs: number, onSend: (marker: string) => void): Promise<number>;
  /** Its batches' 503s, retried. */
  retries(): number;
  close(): void;
}

/** The watched ward's gateway, registered (needs the database) in the bench process;
 * its batches are posted by the load process (wardPoster). */
export interface WatchedWardGateway {
  hospitalId: string;
  gatewayId: string;
  token: string;
}

export async function registerWatchedWard(pool: pg.Pool): Promise<WatchedWardGateway> {
  const hospitalId = 'h-ward';
  const gatewayId = 'gw-ward-60';
  const { token } = await addGateway(pool, { hospitalId, wardId: 'ward-60', gatewayId });
  return { hospitalId, gatewayId, token };
}

export function wardPoster(base: string, { hospitalId, gatewayId, token }: WatchedWardGateway, beds: number, t0: number): WatchedWard {
  const ward = createWard({ beds, seed: 60, startMs: t0 - 5_000, gatewayId });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let retried = 0;
  return {
    hospitalId,
    retries: () => retried,
    gatewayId,
    token,
    async postStamped(i, secondMs, onSend) {
      const readings = ward.readingsBetween(secondMs - 1_000, secondMs).map((r) => ({ ...r, deviceTimeMs: secondMs, receivedAtMs: secondMs + 20 }));
      const body = encodeBatch({ gatewayId, seq: i, createdAtMs: secondMs + 50, alarms: [], readings });
      // Stamped again before each attempt: a 503 (the service at capacity) is retried
      // after a second as a gateway does, and the fan-out is timed from the attempt that
      // was committed.
      let res: { status: number; text: string };
      for (let attempt = 0; ; attempt++) {
        onSend(new Date(secondMs).toISOString());
        res = await post(agent, base, token, body);
        if (res.status !== 503 || attempt === 10) break;
        retried++;
        await new Promise((r) => setTimeout(r, 1_000));
      }
      if (res.status !== 200) throw new Error(`watched ward batch ${i} refused: ${res.status} ${res.text.slice(0, 300)}`);
      return readings.length;
    },
    close: () => agent.destroy(),
  };
}
