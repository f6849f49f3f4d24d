/**
 * On the real daemon: a sender sending back to back on one MLLP connection (a central
 * station) gets each ACK at once, also for a record that pipeline.ts appends in two parts
 * (a stopped clock's record carrying an NIBP with its own time), which share one commit
 * (buffer/writer.ts backToBack; a reviewer's test of fee659e, which made it wait
 * flushIntervalMs).
 */
import { afterEach, expect, it } from 'vitest';
import type { GatewayDaemon } from '../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../testing/fixture.js';
import { MllpClient } from './testing/mllp-client.js';
import { oruMessage } from './testing/oru-message.js';

let gw: TestGateway | undefined;
let daemon: GatewayDaemon | undefined;
afterEach(async () => {
  await daemon?.stop();
  gw?.cleanup();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Long, so that an ACK that waited for it cannot be mistaken for a slow machine's. */
const FLUSH_MS = 2000;

it('acknowledges a back-to-back sender\'s stopped-clock records at once, with or without a repeated NIBP', async () => {
  gw = await createTestGateway({
    beds: ['bed-02'],
    patients: { 'bed-02': 'P2' },
    devices: [{ deviceId: 'mon-hl7', kind: 'tcp-hl7', bedId: 'bed-02', format: 'hl7-mllp', matchId: 'MON-HL7' }],
    raw: { ingest: { silentAfterMs: 5000, maxLagMs: 60_000 }, buffer: { flushIntervalMs: FLUSH_MS, maxCommitDelayMs: FLUSH_MS } },
  });
  daemon = await startDaemon(gw);
  const client = await MllpClient.open(daemon.ports.hl7);
  const T = Math.floor(Date.now() / 1000) * 1000;
  const nibpAt = T - 5 * 60_000 + 7000;
  const oru = (id: string, spo2: number, withNibp: boolean) =>
    oruMessage({ sender: 'MON-HL7', patientId: 'P2', bedId: 'bed-02', controlId: id, timeMs: T, spo2, ...(withNibp ? { nibpAtMs: nibpAt } : {}) });
  const timed = async (msg: string) => {
    const t0 = performance.now();
    expect((await client.request(msg))[1]).toBe('AA');
    return performance.now() - t0;
  };
  await timed(oru('S0', 80, false));
  await sleep(2100); // the clock has stopped: every later record at T is sharedTime
  const plain: number[] = [];
  for (let i = 1; i <= 6; i++) plain.push(await timed(oru(`S${i}`, 80 + i, false)));
  const nibp: number[] = [];
  for (let i = 1; i <= 6; i++) nibp.push(await timed(oru(`N${i}`, 90 + i, true)));
  client.socket.destroy();
  // After the first of each run (not yet back to back), every ACK should come at once.
  expect(Math.max(...plain.slice(1))).toBeLessThan(FLUSH_MS / 2);
  expect(Math.max(...nibp.slice(1))).toBeLessThan(FLUSH_MS / 2);
});
