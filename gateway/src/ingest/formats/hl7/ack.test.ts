import { describe, expect, it } from 'vitest';
import { join, PHILIPS_STYLE } from '../testing/pcd01-samples.js';
import { ackCodeFor, buildAck } from './ack.js';
import { tryReadMsh } from './msh.js';
import { parseOruR01 } from './oru.js';

const msh = parseOruR01(join(PHILIPS_STYLE), {}).msh;
const nowMs = Date.UTC(2026, 10, 29, 7, 30, 16);
const fields = (segment: string | undefined) => (segment ?? '').split('|');

describe('buildAck', () => {
  it('acknowledges with MSA AA echoing MSH-10, sending and receiving swapped', () => {
    const ack = buildAck(msh, 'AA', { controlId: 'A1', nowMs });
    const segments = ack.split('\r');
    expect(ack.endsWith('\r')).toBe(true);
    expect(segments.filter((s) => s !== '')).toHaveLength(2);
    const h = fields(segments[0]);
    expect(h.slice(0, 12)).toEqual(['MSH', '^~\\&', 'WARDLINK', 'WARD3', 'AcmeMon^0080191234567890^EUI-64', 'AcmeInc', '20261129073016+0000', '', 'ACK^R01^ACK', 'A1', 'P', '2.6']);
    expect(fields(segments[1])).toEqual(['MSA', 'AA', 'MSG00001']);
  });

  it('adds the reason and an ERR segment naming the Wardlink code for AE/AR', () => {
    const ack = buildAck(msh, 'AE', { errorCode: 'WL_INGEST_BAD_TIMESTAMP', text: 'bad OBX-14 | and ^ escaped', nowMs });
    const [, msa, err] = ack.split('\r');
    expect(fields(msa)).toEqual(['MSA', 'AE', 'MSG00001', 'bad OBX-14 \\F\\ and \\S\\ escaped']);
    const e = fields(err);
    expect(e[0]).toBe('ERR');
    expect(e[3]).toBe('102^Data type error^HL70357');
    expect(e[4]).toBe('E');
    expect(e[5]).toBe('WL_INGEST_BAD_TIMESTAMP^^L');
    expect(e[8]).toBe('bad OBX-14 \\F\\ and \\S\\ escaped');
    const ar = buildAck(msh, 'AR', { errorCode: 'WL_INGEST_UNSUPPORTED_MESSAGE', nowMs });
    expect(ar).toContain('\rERR|||200^Unsupported message type^HL70357|E|WL_INGEST_UNSUPPORTED_MESSAGE^^L|||\r');
  });

  it('still answers a message whose MSH could not be read', () => {
    expect(tryReadMsh('garbage')).toBeUndefined();
    const ack = buildAck(undefined, 'AR', { errorCode: 'WL_INGEST_MALFORMED_FRAME', nowMs, controlId: 'X' });
    expect(ack.split('\r')[0]).toBe('MSH|^~\\&|||||20261129073016+0000||ACK^R01^ACK|X|P|2.6');
    expect(ack.split('\r')[1]).toBe('MSA|AR|');
  });

  it('answers in the separators of the message and makes fresh control ids', () => {
    const custom = tryReadMsh('MSH#$*!@#Mon#Fac#GW#Ward#20261129083000##ORU$R01#C!F!1#P#2.6\r');
    const ack = buildAck(custom, 'AA', { nowMs });
    expect(ack.split('\r')[1]).toBe('MSA#AA#C!F!1');
    expect(ack.startsWith('MSH#$*!@#GW#Ward#Mon#Fac#')).toBe(true);
    expect(buildAck(msh, 'AA', { nowMs }).split('|')[9]).not.toBe(buildAck(msh, 'AA', { nowMs }).split('|')[9]);
  });

  it('maps error codes to AR (refused whatever the content) or AE', () => {
    expect(ackCodeFor('WL_INGEST_UNSUPPORTED_MESSAGE')).toBe('AR');
    expect(ackCodeFor('WL_INGEST_PAYLOAD_TOO_LARGE')).toBe('AR');
    expect(ackCodeFor('WL_INGEST_UNKNOWN_DEVICE')).toBe('AR');
    expect(ackCodeFor('WL_INGEST_MISSING_SEGMENT')).toBe('AE');
    expect(ackCodeFor('WL_INGEST_MALFORMED_FRAME')).toBe('AE');
  });
});
