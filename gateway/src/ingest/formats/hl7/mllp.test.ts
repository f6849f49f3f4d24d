import { DelimiterParser } from '@serialport/parser-delimiter';
import { describe, expect, it } from 'vitest';
import { join, PHILIPS_STYLE, QUIRKY_MONITOR } from '../testing/pcd01-samples.js';
import { deframeMllp, MLLP_DELIMITER, mllpFrame } from './mllp.js';
import { parseOruR01 } from './oru.js';

const message = join(PHILIPS_STYLE);

describe('mllpFrame / deframeMllp', () => {
  it('frames with 0x0B ... 0x1C 0x0D and round-trips', () => {
    const frame = mllpFrame(message);
    expect(frame[0]).toBe(0x0b);
    expect([...frame.subarray(-2)]).toEqual([0x1c, 0x0d]);
    expect(deframeMllp(frame)).toBe(message.replace(/\r$/, ''));
  });

  it('tolerates leading noise, blank lines, a missing start byte and a kept delimiter', () => {
    const body = message.replace(/\r$/, '');
    expect(deframeMllp(Buffer.concat([Buffer.from('\r\n\n\xff garbage'), mllpFrame(message)]))).toBe(body);
    expect(deframeMllp(Buffer.from(`\n\r\n${message}`))).toBe(body);
    expect(deframeMllp(`\x0b${message}\x1c\r`)).toBe(body);
    // A truncated earlier frame (no end bytes) before a complete one: the newest start wins.
    expect(deframeMllp(`\x0bMSH|^~\\&|half\r\x0b${message}`)).toBe(body);
  });

  it('refuses a chunk without MSH and an oversized one', () => {
    expect(() => deframeMllp(Buffer.from('\x0bnothing here'))).toThrow(expect.objectContaining({ code: 'WL_INGEST_MALFORMED_FRAME' }));
    expect(() => deframeMllp(Buffer.alloc(2000, 0x41), 1000)).toThrow(expect.objectContaining({ code: 'WL_INGEST_PAYLOAD_TOO_LARGE' }));
  });

  it('splits a real byte stream through @serialport/parser-delimiter, at any chunking', async () => {
    const frames = [mllpFrame(join(PHILIPS_STYLE)), Buffer.from('\r\nline noise\r\n'), mllpFrame(join(QUIRKY_MONITOR, '\n')), mllpFrame(join(PHILIPS_STYLE, '\r\n'))];
    const stream = Buffer.concat(frames);
    for (const chunkSize of [1, 7, 64, stream.length]) {
      const parser = new DelimiterParser({ delimiter: MLLP_DELIMITER });
      const chunks: Buffer[] = [];
      parser.on('data', (c: Buffer) => chunks.push(c));
      for (let i = 0; i < stream.length; i += chunkSize) parser.write(stream.subarray(i, i + chunkSize));
      parser.end();
      await new Promise((resolve) => parser.on('end', resolve).resume());
      const parsed = chunks.map((c) => parseOruR01(deframeMllp(c), { vendorMap: { '196674': 'SPO2' } }));
      expect(parsed.map((r) => r.controlId)).toEqual(['MSG00001', 'Q-77', 'MSG00001']);
      expect(parsed.map((r) => r.observations.length)).toEqual([7, 7, 7]);
      expect(parsed[1]?.observations.map((o) => o.metric)).toEqual(['SPO2', 'HR', 'RR', 'PR', 'NIBP_SYS', 'NIBP_DIA', 'NIBP_MEAN']);
    }
  });
});
