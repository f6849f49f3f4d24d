/**
 * `quarantine list|show|resend` on a real gateway database: a batch the cloud refused
 * is listed with its reason, shown with its content, and put back in the queue with the
 * same seq and content; anything not quarantined is refused with a stable code.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../buffer/outbox.js';
import { BufferWriter } from '../../buffer/writer.js';
import { wardReadings } from '../../buffer/testing/fixtures.js';
import { loadGatewayConfig } from '../../config/load.js';
import { openGatewayDatabase } from '../../db.js';
import { useCliSandbox } from '../testing/sandbox.js';

const sandbox = useCliSandbox('wl-quarantine-');
const { cli } = sandbox;
const configOf = () => loadGatewayConfig({ path: join(sandbox.dir, 'gateway.json'), env: sandbox.env });

/** Builds three batches of 100 readings; the cloud "refused" seq 1 and 3, "took" seq 2. */
async function refusedBatches(): Promise<void> {
  const database = openGatewayDatabase(configOf());
  const writer = new BufferWriter(database.store, { flushIntervalMs: 5 });
  try {
    const appended = writer.append(wardReadings(0, 300, 10, 'icu-3a'));
    await writer.flush();
    await appended;
    const outbox = new Outbox(database.store);
    const seqs: number[] = [];
    for (let i = 0; i < 3; i++) seqs.push(outbox.nextBatch({ maxReadings: 100, inFlight: seqs })!.seq);
    expect(seqs).toEqual([1, 2, 3]);
    outbox.quarantine(1, 'WL_CODEC_CHECKSUM_MISMATCH: HTTP 400');
    outbox.markSent(2);
    outbox.quarantine(3, 'WL_API_BATCH_EXPIRED: HTTP 422');
  } finally {
    await writer.close();
    database.close();
  }
}

describe('wardlink-gateway quarantine', () => {
  it('lists, shows and re-sends refused batches with the same seq and content', async () => {
    expect((await cli('init', '--gateway-id', 'icu-3a')).code).toBe(0);
    expect((await cli('quarantine', 'list')).stdout).toContain('no quarantined batches');
    await refusedBatches();

    const listed = JSON.parse((await cli('quarantine', 'list', '--json')).stdout) as Array<{ seq: number; readings: number; reason: string }>;
    expect(listed.map((b) => [b.seq, b.readings, b.reason])).toEqual([
      [1, 100, 'WL_CODEC_CHECKSUM_MISMATCH: HTTP 400'],
      [3, 100, 'WL_API_BATCH_EXPIRED: HTTP 422'],
    ]);
    const human = await cli('quarantine', 'list');
    expect(human.stdout).toMatch(/SEQ\s+CREATED/);
    expect(human.stdout).toContain('WL_API_BATCH_EXPIRED');

    const shown = JSON.parse((await cli('quarantine', 'show', '1', '--json')).stdout) as { readings: number; quarantined: boolean; batch: { seq: number; readings: Array<{ value: number }> } };
    expect(shown).toMatchObject({ readings: 100, quarantined: true, batch: { seq: 1 } });
    expect(shown.batch.readings).toHaveLength(100);
    const before = shown.batch.readings.map((r) => r.value);

    // Refusals, each with its code and exit code; nothing changes.
    const sent = await cli('quarantine', 'resend', '2', '--by', 'it-anna', '--json');
    expect(sent.code).toBe(4);
    expect(JSON.parse(sent.stderr)).toMatchObject({ error: { code: 'WL_BUFFER_NOT_QUARANTINED' } });
    const unknown = await cli('quarantine', 'resend', '99', '--by', 'it-anna', '--json');
    expect(unknown.code).toBe(3);
    expect(JSON.parse(unknown.stderr)).toMatchObject({ error: { code: 'WL_BUFFER_UNKNOWN_BATCH' } });
    expect((await cli('quarantine', 'resend', '1', '--all', '--by', 'it-anna')).code).toBe(2);
    expect((await cli('quarantine', 'resend', 'x1', '--by', 'it-anna')).code).toBe(2);
    expect((await cli('quarantine', 'resend', '1', '--by', '')).code).toBe(2);

    const resent = JSON.parse((await cli('quarantine', 'resend', '1', '--by', 'it-anna', '--json')).stdout) as { resent: Array<{ seq: number; readings: number; previousReason: string }> };
    expect(resent.resent).toEqual([{ seq: 1, readings: 100, alarms: 0, previousReason: 'WL_CODEC_CHECKSUM_MISMATCH: HTTP 400' }]);
    expect((JSON.parse((await cli('quarantine', 'list', '--json')).stdout) as Array<{ seq: number }>).map((b) => b.seq)).toEqual([3]);

    // The uplink finds it pending, with the same seq and the same readings, and counts it as backlog.
    const database = openGatewayDatabase(configOf());
    try {
      const outbox = new Outbox(database.store);
      expect(outbox.pendingSeqs()).toEqual([1]);
      const again = outbox.nextBatch({ maxReadings: 100, inFlight: [] })!;
      expect(again.seq).toBe(1);
      expect(again.readings.map((r) => r.value)).toEqual(before);
      expect(outbox.backlog().readings).toBe(100);
    } finally {
      database.close();
    }

    const all = JSON.parse((await cli('quarantine', 'resend', '--all', '--by', 'it-anna', '--json')).stdout) as { resent: Array<{ seq: number }> };
    expect(all.resent.map((r) => r.seq)).toEqual([3]);
    expect((await cli('quarantine', 'list')).stdout).toContain('no quarantined batches');
  });
});
