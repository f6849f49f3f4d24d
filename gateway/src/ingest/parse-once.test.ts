/**
 * An HL7 message over TCP is parsed once, also when its device has a vendor map and a clock
 * offset: the listener finds the device from the decoded segments, and the message is read
 * once with the device's context (formats/entry.ts). Counted at the one function that
 * splits a message into segments, on the running gateway.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GatewayDaemon } from '../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../testing/fixture.js';
import { parseHl7Structure } from './formats/hl7/segments.js';
import type * as Segments from './formats/hl7/segments.js';
import { MllpClient } from './testing/mllp-client.js';

vi.mock('./formats/hl7/segments.js', async (importOriginal) => {
  const original = await importOriginal<typeof Segments>();
  return { ...original, parseHl7Structure: vi.fn(original.parseHl7Structure) };
});
const structureParses = vi.mocked(parseHl7Structure);

let gw: TestGateway;
let daemon: GatewayDaemon;

beforeAll(async () => {
  gw = await createTestGateway({
    beds: ['bed-01'],
    devices: [{ deviceId: 'mon-v', kind: 'tcp-hl7', bedId: 'bed-01', format: 'hl7-mllp', matchId: 'VENDOR-MON', vendorMap: { SAT2: 'SPO2' }, utcOffsetMinutes: 60 }],
  });
  daemon = await startDaemon(gw);
});
afterAll(async () => {
  await daemon?.stop();
  gw?.cleanup();
});

/** The device's local time (UTC+01:00), without a zone: the device's offset applies. */
const localStamp = (ms: number) => new Date(ms + 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);

function stored(): { metric: string; value: number; device_time_ms: number }[] {
  const db = new Database(gw.config.databasePath, { readonly: true });
  try {
    return db.prepare("SELECT metric, value, device_time_ms FROM readings WHERE device_id = 'mon-v' ORDER BY id").all() as never;
  } finally {
    db.close();
  }
}

describe('an HL7 message from a device with a vendor map', () => {
  it('is parsed once, read with the map and the clock offset, and acknowledged AA', async () => {
    const t = Math.floor(Date.now() / 1000) * 1000 - 3000;
    const message = (controlId: string, sat: number, atMs: number) =>
      [
        `MSH|^~\\&|VENDOR-MON|WARD|||${localStamp(atMs)}||ORU^R01|${controlId}|P|2.6`,
        `OBR|1|||182777000^monitoring^SCT|||${localStamp(atMs)}`,
        `OBX|1|NM|SAT2^Pleth saturation^99VND||${sat}|%|||||R`,
      ].join('\r');
    const client = await MllpClient.open(daemon.ports.hl7);
    structureParses.mockClear();
    expect((await client.request(message('V1', 96, t - 1000)))[1]).toBe('AA');
    expect((await client.request(message('V2', 95, t)))[1]).toBe('AA');
    client.socket.destroy();
    expect(structureParses).toHaveBeenCalledTimes(2);
    // SAT2 is only known through the vendor map; the time only through the offset.
    expect(stored()).toEqual([
      { metric: 'SPO2', value: 96, device_time_ms: t - 1000 },
      { metric: 'SPO2', value: 95, device_time_ms: t },
    ]);
  });
});
