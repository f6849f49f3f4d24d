/**
 * Regression: the decoder refused a batch whose reading count exceeded its payload bytes.
 * Smooth ward data range-codes to under one byte per reading once a batch covers more
 * than ~25 s of a 50-bed ward, so the codec rejected its own output (the cloud answered
 * 400 and the gateway quarantined good data).
 */
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../types.js';
import { canonicalizeBatch } from '../canonical.js';
import { decodeBatch, encodeBatch, peekBatchHeader } from '../batch-codec.js';

function flatWard(beds: number, seconds: number, t0: number): Reading[] {
  const readings: Reading[] = [];
  for (let s = 0; s < seconds; s++) {
    for (let b = 0; b < beds; b++) {
      const deviceTimeMs = t0 + s * 1000;
      const base = { gatewayId: 'gw', deviceId: `mon-${b}`, bedId: `bed-${b}`, patientId: `P${b}` };
      for (const [metric, value] of [['HR', 72], ['PR', 72], ['SPO2', 97], ['RR', 16], ['PI', 3.1], ['TEMP', 36.8], ['ETCO2', 38], ['ABP_MEAN', 85]] as const) {
        readings.push({ ...base, metric, deviceTimeMs, receivedAtMs: deviceTimeMs + 20, value, flags: 0 });
      }
    }
  }
  return readings;
}

describe('a batch that compresses below one byte per reading', () => {
  it('decodes (counts are bounded by limits, not by payload size)', () => {
    const batch = { gatewayId: 'gw', seq: 1, createdAtMs: Date.UTC(2026, 10, 29), alarms: [], readings: flatWard(50, 120, Date.UTC(2026, 10, 29)) };
    const bytes = encodeBatch(batch, { compression: 'none' });
    const header = peekBatchHeader(bytes);
    expect(header.payloadBytes).toBeLessThan(header.readingCount); // the case that was refused
    expect(canonicalizeBatch(decodeBatch(bytes))).toEqual(canonicalizeBatch(batch));
    expect(decodeBatch(encodeBatch(batch)).readings).toHaveLength(48_000);
  });
});
