import { describe, expect, it } from 'vitest';
import { fullJitterDelayMs } from './backoff.js';
import { classifyNetworkError, classifyResponse } from './classify.js';
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from './retry-after.js';
import { newTrace } from './trace.js';

const NOW = Date.UTC(2026, 2, 2, 8, 0, 0);

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP dates, and ignores what is neither', () => {
    expect(parseRetryAfter('5', NOW)).toBe(5000);
    expect(parseRetryAfter(['0'], NOW)).toBe(0);
    expect(parseRetryAfter(new Date(NOW + 7000).toUTCString(), NOW)).toBe(7000);
    expect(parseRetryAfter(new Date(NOW - 7000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', Date.UTC(1994, 10, 6, 8, 49, 30))).toBe(7000);
    for (const bad of [undefined, '', '-5', '1.5', 'soon', '+3']) expect(parseRetryAfter(bad, NOW)).toBeNull();
    expect(parseRetryAfter('999999', NOW)).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe('full-jitter backoff', () => {
  it('draws from [0, min(cap, base * 2^(n-1))]', () => {
    expect(fullJitterDelayMs(0, 500, 60_000, () => 0.99)).toBe(0);
    expect(fullJitterDelayMs(1, 500, 60_000, () => 0.999999)).toBe(499);
    expect(fullJitterDelayMs(4, 500, 60_000, () => 0.5)).toBe(2000);
    expect(fullJitterDelayMs(40, 500, 60_000, () => 0.5)).toBe(30_000);
    expect(fullJitterDelayMs(5000, 500, 60_000, () => 0.999)).toBe(59_940);
    const draws = Array.from({ length: 2000 }, () => fullJitterDelayMs(3, 1000, 60_000));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(4000);
    // Spread out, not clustered at the ceiling: the mean of a uniform draw is half of it.
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean).toBeGreaterThan(1700);
    expect(mean).toBeLessThan(2300);
  });
});

describe('traceparent', () => {
  it('is a fresh W3C version-00 header per call', () => {
    const a = newTrace();
    const b = newTrace();
    expect(a.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(a.traceparent).toBe(`00-${a.traceId}-${a.spanId}-01`);
    expect(a.traceId).not.toBe(b.traceId);
  });
});

describe('classifyResponse', () => {
  const classify = (status: number, body: unknown = null, headers: Record<string, string> = {}) => classifyResponse(status, headers, body, NOW);

  it('accepts any 2xx, a replay too', () => {
    expect(classify(200, { accepted: true, duplicate: false, traceId: 'abc' })).toEqual({ kind: 'accepted', status: 200, duplicate: false, remoteTraceId: 'abc' });
    expect(classify(200, { duplicate: true })).toMatchObject({ kind: 'accepted', duplicate: true });
    expect(classify(204)).toMatchObject({ kind: 'accepted', duplicate: false });
  });

  it('keeps the cloud code and quarantines batches that can never be accepted', () => {
    const corrupt = classify(400, { error: { code: 'WL_CODEC_CHECKSUM', message: 'crc mismatch' }, traceId: 't1' });
    expect(corrupt).toMatchObject({ kind: 'reject', code: 'WL_CODEC_CHECKSUM', status: 400 });
    expect((corrupt as { detail: Record<string, unknown> }).detail).toMatchObject({ remoteMessage: 'crc mismatch', remoteTraceId: 't1' });
    expect(classify(413, { error: { code: 'WL_API_BODY_TOO_LARGE' } })).toMatchObject({ kind: 'reject', code: 'WL_API_BODY_TOO_LARGE' });
    expect(classify(422)).toMatchObject({ kind: 'reject', code: 'WL_UPLINK_HTTP_422' });
  });

  it('halts on credentials and on a URL that is not the batch API', () => {
    expect(classify(401, { error: { code: 'WL_API_UNAUTHORIZED' } })).toMatchObject({ kind: 'halt', code: 'WL_API_UNAUTHORIZED' });
    expect(classify(403, { error: { code: 'WL_API_GATEWAY_MISMATCH' } })).toMatchObject({ kind: 'halt' });
    for (const s of [301, 404, 405, 415]) expect(classify(s)).toMatchObject({ kind: 'halt' });
    expect((classify(401) as Error).message).toMatch(/config set cloud\.token/);
  });

  it('retries load and server errors, honouring Retry-After', () => {
    expect(classify(503, { error: { code: 'WL_DB_UNAVAILABLE' } }, { 'retry-after': '5' })).toMatchObject({ kind: 'retry', code: 'WL_DB_UNAVAILABLE', retryAfterMs: 5000 });
    expect(classify(429, {}, { 'retry-after': new Date(NOW + 3000).toUTCString() })).toMatchObject({ kind: 'retry', retryAfterMs: 3000 });
    for (const s of [408, 409, 500, 502, 504]) expect(classify(s)).toMatchObject({ kind: 'retry', retryAfterMs: null });
    // A read-only cloud instance (server.role read): retried, and the message tells IT where to look.
    const misrouted = classify(421, { error: { code: 'WL_API_WRONG_ROLE', message: 'this instance serves reads' } });
    expect(misrouted).toMatchObject({ kind: 'retry', code: 'WL_API_WRONG_ROLE' });
    expect((misrouted as Error).message).toMatch(/cloud\.url .*load balancer/);
    // A code that is not one of ours (a proxy's HTML, a hostile body) is not echoed as a code.
    expect(classify(502, { error: { code: 'bad code <script>' } })).toMatchObject({ code: 'WL_UPLINK_HTTP_502' });
  });
});

describe('classifyNetworkError', () => {
  it('names timeouts, TLS and plain network failures, all retried', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(classifyNetworkError(refused, 'http://x')).toMatchObject({ kind: 'retry', code: 'WL_UPLINK_NETWORK', detail: { networkCode: 'ECONNREFUSED' } });
    const headers = Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(classifyNetworkError(headers, 'http://x')).toMatchObject({ kind: 'retry', code: 'WL_UPLINK_TIMEOUT' });
    const socket = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET', cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) });
    expect(classifyNetworkError(socket, 'http://x')).toMatchObject({ detail: { networkCode: 'ECONNRESET' } });
    const tls = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(classifyNetworkError(tls, 'https://x')).toMatchObject({ kind: 'retry', code: 'WL_UPLINK_TLS' });
  });
});
