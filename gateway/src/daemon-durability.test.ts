/**
 * The daemon's durability as configured (config/settings.ts, daemon-buffer.ts): by default
 * a group commit is synced before its acknowledgements go out; the main thread's own
 * transactions are not (their frames are synced by the next group commit's fsync), so no
 * fsync holds the event loop.
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
  it('full by default: the commit thread syncs (FULL), the main connection does not (NORMAL)', async () => {
    gw = await createTestGateway();
    expect(gw.config.buffer.durability).toBe('full');
    daemon = await startDaemon(gw);
    expect(await synchronousOf(daemon)).toEqual({ commitThread: 2, mainThread: 1 });
  });

  it('normal when configured: neither syncs at commit', async () => {
    gw = await createTestGateway({ raw: { buffer: { durability: 'normal' } } });
    daemon = await startDaemon(gw);
    expect(await synchronousOf(daemon)).toEqual({ commitThread: 1, mainThread: 1 });
  });
});
