import * as shared from '@wardlink/shared';
import { INGEST_ERROR_CODES, isIngestError, WardlinkError, type IngestError } from '@wardlink/shared';
import { describe, expect, it } from 'vitest';

const samples: IngestError[] = [
  new shared.MalformedFrameError('no MSH'),
  new shared.MalformedLineError('garbled'),
  new shared.MissingSegmentError('OBX'),
  new shared.BadTimestampError('2026-13-01'),
  new shared.UnknownMetricError('999999'),
  new shared.UnitMismatchError('SPO2', 'mmHg', '%'),
  new shared.NotNumericError('abc'),
  new shared.FutureTimestampError(2_000_000, 1_000_000),
  new shared.TooOldError(0, 100_000, 60_000),
  new shared.UnsupportedMessageError('ADT^A01'),
  new shared.PayloadTooLargeError(20_000, 16_384),
  new shared.UnknownDeviceError('bed-7-oximeter'),
  new shared.AuthFailedError('bed-7-oximeter'),
  new shared.TopicDeniedError('bed-7-oximeter', 'wardlink/devices/other/readings'),
  new shared.BadPayloadError('not JSON'),
  new shared.DuplicateTermError('SPO2'),
  new shared.AdtNotAcceptedError('cli'),
  new shared.AdtSenderNotAllowedError('EPIC^EHS'),
  new shared.AdtUnknownBedError('ICU3A^12^1'),
  new shared.AdtMissingFieldError('PID-3'),
  new shared.TooManyConnectionsError('mqtt', 'address', 50),
  new shared.ClientIdDeniedError('mon-2', 'mon-1'),
  new shared.RetainDeniedError('mon-1'),
  new shared.PeerNotAllowedError('mon-1', '10.0.0.9'),
  new shared.IngestTimeoutError('idle', 600_000),
];

describe('ingest errors', () => {
  it('gives each failure its own class and one stable code from INGEST_ERROR_CODES', () => {
    expect(samples.map((e) => e.code)).toEqual([...INGEST_ERROR_CODES]);
    expect(new Set(samples.map((e) => e.constructor.name)).size).toBe(samples.length);
    for (const e of samples) {
      expect(e).toBeInstanceOf(WardlinkError);
      expect(isIngestError(e)).toBe(true);
      expect(e.name).toBe(e.constructor.name);
      expect(e.toJSON()).toMatchObject({ code: e.code, message: e.message });
    }
  });

  it('says what to do in the message and keeps structured detail', () => {
    expect(new shared.UnitMismatchError('SPO2', 'mmHg', '%').detail).toMatchObject({ metric: 'SPO2', unit: 'mmHg', expected: '%' });
    expect(new shared.PayloadTooLargeError(20_000, 16_384).message).toMatch(/20000 bytes exceeds the 16384-byte limit/);
    expect(new shared.UnknownDeviceError('x').message).toMatch(/device add/);
  });

  it('does not mistake other errors for ingest errors', () => {
    expect(isIngestError(new Error('x'))).toBe(false);
    expect(isIngestError(new WardlinkError('WL_OTHER', 'x'))).toBe(false);
  });
});
