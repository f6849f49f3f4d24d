import { describe, expect, it } from 'vitest';
import { formatTraceparent, parseTraceparent, traceFromRequest } from './trace.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('W3C traceparent', () => {
  it('parses a valid header and continues its trace with a new span', () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, parentSpanId: SPAN, flags: '01' });
    const ctx = traceFromRequest(`00-${TRACE}-${SPAN}-00`);
    expect(ctx.traceId).toBe(TRACE);
    expect(ctx.parentSpanId).toBe(SPAN);
    expect(ctx.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(ctx.spanId).not.toBe(SPAN);
    expect(formatTraceparent(ctx)).toBe(`00-${TRACE}-${ctx.spanId}-00`);
  });

  it.each([
    ['absent', undefined],
    ['garbage', 'hello'],
    ['upper case', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['all-zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['forbidden version ff', `ff-${TRACE}-${SPAN}-01`],
    ['version 00 with extra fields', `00-${TRACE}-${SPAN}-01-extra`],
    ['repeated header', [`00-${TRACE}-${SPAN}-01`, `00-${TRACE}-${SPAN}-01`]],
  ])('ignores an invalid header (%s) and starts a new trace', (_name, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
    const ctx = traceFromRequest(header);
    expect(ctx.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(ctx.traceId).not.toBe(TRACE);
    expect(ctx.parentSpanId).toBeUndefined();
  });

  it('accepts a future version with extra fields', () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-what-comes-next`)?.traceId).toBe(TRACE);
  });
});

describe('new trace and span ids', () => {
  it('are well-formed, non-zero and distinct across many requests (ids drawn from a pooled random buffer)', () => {
    const traces = new Set<string>();
    const spans = new Set<string>();
    // Several refills of the 4 KiB pool: a refill must not repeat or truncate an id.
    for (let i = 0; i < 1_000; i++) {
      const t = traceFromRequest(undefined);
      expect(t.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(t.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(t.traceId).not.toMatch(/^0+$/);
      traces.add(t.traceId);
      spans.add(t.spanId);
    }
    expect(traces.size).toBe(1_000);
    expect(spans.size).toBe(1_000);
  });
});
