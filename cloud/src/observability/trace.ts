/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the gateway sends
 * `traceparent: 00-<trace-id>-<parent-id>-<flags>` with each batch. The service keeps the
 * trace id in every log line of the request and in the batch ledger, and answers with
 * its own span as the new parent. A missing or invalid header starts a new trace (the
 * spec says to ignore an invalid one, never to fail the request).
 */
import { randomFillSync } from 'node:crypto';

export interface TraceContext {
  /** 32 lowercase hex digits, never all zeros. */
  readonly traceId: string;
  /** This request's span id (16 hex digits). */
  readonly spanId: string;
  /** The caller's span id, when it sent a valid traceparent. */
  readonly parentSpanId: string | undefined;
  /** The trace flags byte as two hex digits (01 = sampled). */
  readonly flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** Parses a traceparent header; undefined when absent or invalid. */
export function parseTraceparent(header: string | string[] | undefined): { traceId: string; parentSpanId: string; flags: string } | undefined {
  if (typeof header !== 'string') return undefined;
  const m = TRACEPARENT.exec(header.trim());
  if (!m) return undefined;
  const [, version, traceId, parentSpanId, flags, rest] = m;
  // Version ff is forbidden; version 00 has exactly four fields.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || parentSpanId === ZERO_SPAN) return undefined;
  return { traceId: traceId!, parentSpanId: parentSpanId!, flags: flags! };
}

/** Random bytes drawn 4 KiB at a time: one `randomBytes` call per id cost ~25 µs, a
 * tenth of a cached latest-vitals answer (`pnpm bench read-path`). The ids need to be
 * unique, not secret, but come from the same CSPRNG. */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;

function randomHex(bytes: number): string {
  if (poolAt + bytes > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const hex = pool.toString('hex', poolAt, poolAt + bytes);
  poolAt += bytes;
  return hex;
}

/** The context of one incoming request: the caller's trace continued, or a new one. */
export function traceFromRequest(header: string | string[] | undefined): TraceContext {
  const parent = parseTraceparent(header);
  const spanId = nonZeroHex(8);
  if (parent) return { traceId: parent.traceId, spanId, parentSpanId: parent.parentSpanId, flags: parent.flags };
  return { traceId: nonZeroHex(16), spanId, parentSpanId: undefined, flags: '01' };
}

/** All zeros is the spec's invalid id; odds of 2^-64 at worst, but never send one. */
function nonZeroHex(bytes: number): string {
  for (;;) {
    const hex = randomHex(bytes);
    if (!/^0+$/.test(hex)) return hex;
  }
}

/** The traceparent naming this request's span, for the response and outgoing calls. */
export function formatTraceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.flags}`;
}
