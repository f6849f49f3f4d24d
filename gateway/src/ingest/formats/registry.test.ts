import { describe, expect, it } from 'vitest';
import type { FormatEntry } from './entry.js';
import { HL7_ACKNOWLEDGEMENT as ack } from './hl7/hl7-mllp.js';
import { lineFormatEntry } from './line-entry.js';
import { parseMqttJson } from './mqtt-json.js';
import { FORMAT_NAMES, FORMATS, formatByName, formatNamesFor, PAYLOAD_FORMATS, payloadFormatByName, registerFormat } from './registry.js';

const made = (name: string): FormatEntry<string> => lineFormatEntry({ name, parse: (input, ctx) => FORMATS['ascii-kv'].parse(input, ctx) });

describe('format registry entries', () => {
  it('declare their framing and acknowledgement: HL7 in MLLP with ACKs, ASCII lines with none', () => {
    expect([...FORMATS['hl7-mllp'].framing.delimiter]).toEqual([0x1c, 0x0d]);
    expect(FORMATS['hl7-mllp'].ack).not.toBe('none');
    for (const name of ['ascii-kv', 'ascii-ts'] as const) {
      expect(FORMATS[name].framing.delimiter.toString()).toBe('\n');
      expect(FORMATS[name].ack).toBe('none');
    }
  });

  it('answers HL7 with the right MSA codes: AA committed, AR refused whole, AE content or commit', () => {
    const hl7 = FORMATS['hl7-mllp'];
    expect(hl7.ack).toBe(ack);
    const decoded = hl7.decode(hl7.framing.wrap('MSH|^~\\&|MON|WARD|||20261129083015||ORU^R01|C7|P|2.6\rOBX|1|NM|150456^^MDC||97'), { maxBytes: 1024 });
    const msa = (text: string) => text.split('\r').find((s) => s.startsWith('MSA|'))?.split('|').slice(1, 3);
    expect(msa(ack.accepted(decoded, 0))).toEqual(['AA', 'C7']);
    expect(msa(ack.refused(decoded, { code: 'WL_INGEST_UNKNOWN_DEVICE', message: 'x' }, 0))).toEqual(['AR', 'C7']);
    expect(msa(ack.refused(decoded, { code: 'WL_INGEST_MISSING_SEGMENT', message: 'x' }, 0))).toEqual(['AE', 'C7']);
    expect(msa(ack.notCommitted(decoded, 'WL_BUFFER_WRITE_FAILED', 0))).toEqual(['AE', 'C7']);
    expect(msa(ack.refused(undefined, { code: 'WL_INGEST_MALFORMED_FRAME', message: 'x' }, 0))).toEqual(['AE', '']);
  });

  it('takes a format at run time, under a name of its own, until it is removed', () => {
    const entry = made('test-registered');
    expect(formatByName('test-registered')).toBeUndefined();
    const remove = registerFormat(entry);
    try {
      expect(formatByName('test-registered')).toBe(entry);
      expect(() => registerFormat(made('test-registered'))).toThrow(expect.objectContaining({ code: 'WL_FORMAT_NAME_TAKEN' }));
      expect(FORMAT_NAMES).not.toContain('test-registered');
      // Offered to serial devices (the CLI's `device add --format`), not to the shared TCP
      // listener: a line format does not name its device.
      expect(formatNamesFor('serial')).toEqual(['hl7-mllp', 'ascii-kv', 'ascii-ts', 'test-registered']);
      expect(formatNamesFor('tcp-hl7')).toEqual(['hl7-mllp']);
    } finally {
      remove();
    }
    expect(formatByName('test-registered')).toBeUndefined();
  });

  it('never replaces a shipped format', () => {
    for (const name of FORMAT_NAMES) expect(() => registerFormat(made(name))).toThrow(expect.objectContaining({ code: 'WL_FORMAT_NAME_TAKEN' }));
    expect(formatByName('ascii-kv')).toBe(FORMATS['ascii-kv']);
  });

  it('gives MQTT payload formats entries of their own (parse only: a PUBLISH is one message)', () => {
    expect(formatNamesFor('mqtt')).toEqual(['mqtt-json']);
    const entry = payloadFormatByName('mqtt-json');
    expect(entry).toBe(PAYLOAD_FORMATS['mqtt-json']);
    const payload = JSON.stringify({ ts: 1795939200000, readings: { HR: 72, SPO2: 97 } });
    expect(entry?.parse(payload, {}, { maxBytes: 1024 })).toEqual(parseMqttJson(payload, {}));
    expect(() => entry?.parse(payload, {}, { maxBytes: 10 })).toThrow(expect.objectContaining({ code: 'WL_INGEST_PAYLOAD_TOO_LARGE' }));
    for (const name of ['hl7-mllp', 'toString', '__proto__']) expect(payloadFormatByName(name)).toBeUndefined();
    expect(() => registerFormat(made('mqtt-json'))).toThrow(expect.objectContaining({ code: 'WL_FORMAT_NAME_TAKEN' }));
  });
});
