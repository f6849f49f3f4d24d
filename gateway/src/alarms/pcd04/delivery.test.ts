/**
 * The reporter against a real MLLP alarm manager (the stub, over TCP): every phase once,
 * in order; nothing lost over an outage and a gateway restart on the same SQLite file;
 * a NAK sends the same message again; a stall times out and sends it again on a new
 * connection without anything overtaking it; a dropped connection too.
 */
import type { AlarmEvent } from '@wardlink/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../testing/harness.js';
import { tempDb, type TempDb } from '../testing/temp-db.js';
import type { Pcd04Reporter } from './reporter.js';
import { AlarmManagerStub } from './testing/alarm-manager-stub.js';
import { driveHighHr, nibpEpisodes } from './testing/phases.js';
import { freePort, startReporter } from './testing/start-reporter.js';

let db: TempDb;
let stub: AlarmManagerStub;
const reporters: Pcd04Reporter[] = [];

beforeEach(() => {
  db = tempDb('wl-pcd04-');
  stub = new AlarmManagerStub();
});
afterEach(async () => {
  for (const r of reporters.splice(0)) r.stop();
  await stub.close();
  db.cleanup();
});

function engineWithLog(): { h: Harness; events: AlarmEvent[] } {
  const h = harness(undefined, { renotifyEveryMs: 30_000, escalateAfterMs: 120_000 });
  const events: AlarmEvent[] = [];
  h.engine.events.on('event', (e) => events.push(e));
  return { h, events };
}

/** The received control ids with back-to-back repeats of one message collapsed. */
function collapsed(ids: string[]): string[] {
  return ids.filter((id, i) => i === 0 || ids[i - 1] !== id);
}

const unacked = (t: TempDb) => (t.connect().prepare('SELECT count(*) AS n FROM pcd04_outbox WHERE acked_at_ms IS NULL').get() as { n: number }).n;

describe('PCD-04 delivery to a real MLLP alarm manager', () => {
  it('sends every phase once, in order, and keeps each acknowledged row', async () => {
    const port = await stub.listen();
    const { h, events } = engineWithLog();
    const reporter = startReporter(db.connect(), h.engine, port);
    reporters.push(reporter);
    driveHighHr(h);
    nibpEpisodes(h, 2);
    await stub.waitFor(() => stub.alerts().length >= events.length);
    await expect.poll(() => reporter.status().queued, { timeout: 5000 }).toBe(0);
    expect(stub.alerts().map((r) => r.controlId)).toEqual(events.map((e) => e.eventId));
    expect(reporter.status().counters).toMatchObject({ acknowledged: events.length, naks: 0, ackTimeouts: 0 });
    expect(unacked(db)).toBe(0);
  });

  it('delivers what happened during an outage, in order, none lost, across a gateway restart', async () => {
    const port = await freePort();
    const first = engineWithLog();
    const before = startReporter(db.connect(), first.h.engine, port);
    reporters.push(before);
    driveHighHr(first.h);
    nibpEpisodes(first.h, 3);
    await expect.poll(() => before.status().counters.connectFailures, { timeout: 5000 }).toBeGreaterThan(0);
    before.stop(); // the gateway stops with the manager still away
    expect(unacked(db)).toBe(first.events.length);
    expect(stub.received).toHaveLength(0);

    // Restart: a new engine and reporter on the same file; then the manager comes back.
    const second = engineWithLog();
    const after = startReporter(db.connect(), second.h.engine, port);
    reporters.push(after);
    nibpEpisodes(second.h, 1, { deviceId: 'mon-3', bedId: 'bed-3', kind: 'serial', format: 'ascii-kv' });
    await stub.listen(port);
    const all = [...first.events, ...second.events];
    await stub.waitFor(() => stub.alerts().length >= all.length, 15_000);
    await expect.poll(() => unacked(db), { timeout: 5000 }).toBe(0);
    expect(collapsed(stub.alerts().map((r) => r.controlId))).toEqual(all.map((e) => e.eventId));
  });

  it('a refusal (AE) sends the same message again with backoff, and nothing after it goes first', async () => {
    const port = await stub.listen();
    stub.mode = 'nak';
    const { h, events } = engineWithLog();
    const reporter = startReporter(db.connect(), h.engine, port);
    reporters.push(reporter);
    nibpEpisodes(h, 2);
    await stub.waitFor((r) => r.filter((m) => m.controlId === events[0]!.eventId).length >= 3);
    expect(new Set(stub.alerts().map((r) => r.controlId))).toEqual(new Set([events[0]!.eventId]));
    const row = db.connect().prepare('SELECT attempts, last_error AS lastError FROM pcd04_outbox ORDER BY seq LIMIT 1').get() as { attempts: number; lastError: string };
    expect(row.attempts).toBeGreaterThanOrEqual(2);
    expect(row.lastError).toMatch(/^AE/);
    expect(reporter.status().counters.naks).toBeGreaterThanOrEqual(2);
    stub.mode = 'ack';
    await stub.waitFor(() => new Set(stub.alerts().map((r) => r.controlId)).size >= events.length);
    await expect.poll(() => reporter.status().queued, { timeout: 5000 }).toBe(0);
    expect(collapsed(stub.alerts().map((r) => r.controlId))).toEqual(events.map((e) => e.eventId));
  });

  it('no answer: times out, reconnects, sends the head again; a duplicate is only ever the head repeated', async () => {
    const port = await stub.listen();
    stub.mode = 'stall';
    const { h, events } = engineWithLog();
    const reporter = startReporter(db.connect(), h.engine, port, { ackTimeoutMs: 2000 });
    reporters.push(reporter);
    nibpEpisodes(h, 2);
    await stub.waitFor((r) => r.filter((m) => m.controlId === events[0]!.eventId).length >= 2, 15_000);
    expect(reporter.status().counters.ackTimeouts).toBeGreaterThanOrEqual(1);
    stub.mode = 'ack';
    await expect.poll(() => reporter.status().queued, { timeout: 15_000 }).toBe(0);
    const ids = stub.alerts().map((r) => r.controlId);
    expect(collapsed(ids)).toEqual(events.map((e) => e.eventId));
  });

  it('a connection dropped on receipt: reconnects and sends it again', async () => {
    const port = await stub.listen();
    stub.mode = 'drop';
    const { h, events } = engineWithLog();
    const reporter = startReporter(db.connect(), h.engine, port);
    reporters.push(reporter);
    nibpEpisodes(h, 1);
    await stub.waitFor((r) => r.filter((m) => m.controlId === events[0]!.eventId).length >= 2);
    expect(reporter.status().counters.disconnects).toBeGreaterThanOrEqual(2);
    stub.mode = 'ack';
    await expect.poll(() => reporter.status().queued, { timeout: 10_000 }).toBe(0);
    expect(collapsed(stub.alerts().map((r) => r.controlId))).toEqual(events.map((e) => e.eventId));
  });
});
