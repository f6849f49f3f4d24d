/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): every batch upload starts a
 * new trace, `traceparent: 00-<32 hex trace id>-<16 hex parent id>-01`. The cloud logs
 * the trace id with the batch, so one id finds the upload in both daemons' logs.
 */
import { randomBytes } from 'node:crypto';

export interface TraceIds {
  traceId: string;
  spanId: string;
  traceparent: string;
}

export function newTrace(): TraceIds {
  const bytes = randomBytes(24);
  // All-zero ids are invalid; 2^-128 and 2^-64 odds, but cheap to rule out.
  bytes[15] ||= 1;
  bytes[23] ||= 1;
  const traceId = bytes.subarray(0, 16).toString('hex');
  const spanId = bytes.subarray(16, 24).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}
