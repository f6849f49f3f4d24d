/**
 * The daemon's durability as configured (config/settings.ts): by default every commit is
 * synced before what it stores is acknowledged, a group commit of readings on the commit
 * thread and the main thread's own (an ADT admission before its AA, the outbox's batches
 * before they leave, the series dictionary's entries).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayDaemon } from './daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from './testing/fixture.js';

let gw: TestGateway | undefined;
let daemon: GatewayDaemon | undefined;
afterEach(async () => {
  await daemon?.stop();
  gw?.cleanup();
  gw = undefined;
  daemon = undefined;
});

const synchronousOf = async (d: GatewayDaemon) => ({
  commitThread: Object.values(((await d.writer.commitConnectionPragma('synchronous')) as Record<string, unknown>[])[0]!)[0],
  mainThread: d.database.db.pragma('synchronous', { simple: true }),
});

describe('buffer.durability in the daemon', () => {
  it('full by default: both the commit thread and the main connection sync at commit (FULL)', async () => {
    gw = await createTestGateway();
    expect(gw.config.buffer.durability).toBe('full');
    daemon = await startDaemon(gw);
    expect(await synchronousOf(daemon)).toEqual({ commitThread: 2, mainThread: 2 });
  });

  it('normal when configured: neither syncs at commit', async () => {
    gw = await createTestGateway({ raw: { buffer: { durability: 'normal' } } });
    daemon = await startDaemon(gw);
    expect(await synchronousOf(daemon)).toEqual({ commitThread: 1, mainThread: 1 });
  });
});
