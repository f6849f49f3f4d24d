/**
 * The format registry is the one path from a port to the buffer: a format that exists only
 * in this test (its own framing, parser and acknowledgement) is registered, and a running
 * gateway reads it over a real serial pseudo-terminal, answering after the commit, with no
 * change to serial.ts or receivers.ts.
 */
import Database from 'better-sqlite3';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { MalformedLineError } from '@wardlink/shared';
import type { GatewayDaemon } from '../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../testing/fixture.js';
import { hasSocat, startPtyPair, type PtyPair } from '../testing/socat.js';
import type { FormatEntry } from './formats/entry.js';
import { FORMATS, registerFormat } from './formats/registry.js';

const STX = '\x02';
const ETX = '\x03';

interface SequencedLine {
  seq: string;
  body: string;
}

/** `STX SEQ=<n> LABEL=VALUE ... ETX`, answered `STX ACK <n> ETX` once committed, or
 * `STX NAK <n> <code> ETX`. Its body is read as an `ascii-kv` line. */
const sequencedKv: FormatEntry<SequencedLine> = {
  name: 'test-stx-kv',
  framing: {
    delimiter: Buffer.from(ETX, 'latin1'),
    isBlank: (frame) => frame.toString('latin1').replaceAll(STX, '').trim() === '',
    wrap: (reply) => Buffer.from(`${STX}${reply}${ETX}`, 'latin1'),
  },
  ack: {
    accepted: (line) => `ACK ${line.seq}`,
    refused: (line, refusal) => `NAK ${line?.seq ?? '?'} ${refusal.code}`,
    notCommitted: (line, code) => `NAK ${line?.seq ?? '?'} ${code}`,
  },
  decode: (frame) => decodeSequenced(frame.toString('latin1')),
  read: (line, ctx) => FORMATS['ascii-kv'].parse(line.body, ctx),
  parse: (input, ctx) => FORMATS['ascii-kv'].parse(decodeSequenced(input).body, ctx),
};

function decodeSequenced(text: string): SequencedLine {
  const body = text.slice(text.lastIndexOf(STX) + 1).trim();
  const seq = /^SEQ=(\d+)(?:\s+|$)/.exec(body);
  if (!seq) throw new MalformedLineError('no SEQ=<n> first');
  return { seq: seq[1] ?? '', body: body.slice(seq[0].length) };
}

let gw: TestGateway | undefined;
let daemon: GatewayDaemon | undefined;
let pair: PtyPair | undefined;
let monitor: SerialPort | undefined;
let unregister: (() => void) | undefined;

afterEach(async () => {
  if (monitor?.isOpen) await new Promise((r) => monitor!.close(r));
  await daemon?.stop();
  await pair?.stop();
  gw?.cleanup();
  unregister?.();
});

async function until(check: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function stored(): { metric: string; value: number }[] {
  const db = new Database(gw!.config.databasePath, { readonly: true });
  try {
    return db.prepare("SELECT metric, value FROM readings WHERE device_id = 'stx-1' ORDER BY metric").all() as never;
  } finally {
    db.close();
  }
}

describe.skipIf(!hasSocat)('a format registered in a test', () => {
  it('is framed, read with the device vendor map and answered after the commit over a serial port', async () => {
    unregister = registerFormat(sequencedKv);
    gw = await createTestGateway({ beds: ['bed-01'] });
    pair = await startPtyPair(gw.dir, 'stx');
    const { openGatewayDatabase } = await import('../db.js');
    const db = openGatewayDatabase(gw.config);
    db.registry.addDevice({ deviceId: 'stx-1', kind: 'serial', bedId: 'bed-01', format: 'test-stx-kv', portPath: pair.devicePath, baudRate: 9600, vendorMap: { SAT: 'SPO2' } });
    db.close();
    daemon = await startDaemon(gw);
    // Opening a port flushes what waits in it (serialport's tcflush): write only once open.
    await until(() => daemon!.deviceStates.snapshot().find((d) => d.deviceId === 'stx-1')?.portOpen === true);

    monitor = new SerialPort({ path: pair.monitorPath, baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => monitor!.open((err) => (err ? reject(err) : resolve())));
    let replies = '';
    monitor.on('data', (d: Buffer) => (replies += d.toString('latin1')));

    // A held write lock holds the commit, and with it the ACK.
    const blocker = new Database(gw.config.databasePath);
    blocker.exec('BEGIN IMMEDIATE');
    monitor.write(`${STX}SEQ=1 SAT=95 BPM=70${ETX}`);
    await new Promise((r) => setTimeout(r, 400));
    expect(replies).toBe('');
    blocker.exec('COMMIT');
    blocker.close();
    await until(() => replies.includes(ETX));
    expect(replies).toBe(`${STX}ACK 1${ETX}`);
    expect(stored()).toEqual([
      { metric: 'PR', value: 70 },
      { metric: 'SPO2', value: 95 },
    ]);

    // A blank frame is not answered; a garbled one is refused with its code, storing nothing.
    monitor.write(`${STX} ${ETX}${STX}SEQ=2 SPO2=96 @@@${ETX}`);
    await until(() => replies.split(ETX).length > 2);
    expect(replies.split(ETX).slice(1, -1)).toEqual([`${STX}NAK 2 WL_INGEST_MALFORMED_LINE`]);
    expect(stored()).toHaveLength(2);
    expect(daemon.rejects.countsByCode().WL_INGEST_MALFORMED_LINE).toBe(1);
  }, 30_000);
});
