/**
 * One request's context: its trace, a logger bound to it (every line of the request
 * carries the trace id), and the helpers that answer it. Exactly one access-log line is
 * written per request, when the response is sent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Clock } from '@wardlink/shared';
import { formatTraceparent, type TraceContext } from '../observability/trace.js';
import { answerFor, type ErrorAnswer } from './errors.js';

/** Polled every few seconds by load balancers and Prometheus: logged at debug when fine. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

export class RequestContext {
  /** Fields the handler learned (gateway, seq, counts), added to the access-log line. */
  readonly fields: Record<string, unknown> = {};
  private readonly startedMs: number;
  private boundLog: Logger | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly path: string,
    readonly trace: TraceContext,
    /** The service's logger; `log` is it bound to the request's trace. */
    private readonly baseLog: Logger,
    private readonly clock: Clock,
  ) {
    this.startedMs = clock.monotonicMs();
    res.setHeader('traceparent', formatTraceparent(trace));
  }

  /** The logger bound to this request's trace ids, made on first use: a request that
   * logs nothing at the configured level (a cache hit under LOG_LEVEL=warn) does not pay
   * for a child logger. */
  get log(): Logger {
    const trace = this.trace;
    return (this.boundLog ??= this.baseLog.child({ traceId: trace.traceId, spanId: trace.spanId, ...(trace.parentSpanId ? { parentSpanId: trace.parentSpanId } : {}) }));
  }

  elapsedMs(): number {
    return this.clock.monotonicMs() - this.startedMs;
  }

  sendJson(status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.send(status, 'application/json; charset=utf-8', JSON.stringify(body), headers);
  }

  send(status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
    if (this.res.headersSent) return;
    this.res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...headers });
    this.res.end(body);
    this.accessLog(status);
  }

  /** Starts a streamed answer (no content-length); the access-log line is written when
   * the response closes, whether it finished or the client left. */
  startStream(status: number, contentType: string, headers: Record<string, string> = {}): void {
    this.res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', ...headers });
    this.res.once('close', () => this.accessLog(status));
  }

  /** Answers `err` with its status and stable code; returns what was answered. */
  sendError(err: unknown, extraHeaders: Record<string, string> = {}): ErrorAnswer {
    const answer = answerFor(err);
    if (answer.unexpected) this.log.error({ err }, 'request failed unexpectedly');
    const headers: Record<string, string> = { ...answer.headers, ...extraHeaders };
    if (answer.retryAfterS !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(answer.retryAfterS)));
    this.fields.code = answer.code;
    this.sendJson(answer.status, { error: { code: answer.code, message: answer.message }, traceId: this.trace.traceId }, headers);
    return answer;
  }

  private accessLog(status: number): void {
    const level = status >= 500 && status !== 503 ? 'error' : status >= 400 ? 'warn' : PROBES.has(this.path) ? 'debug' : 'info';
    if (!this.baseLog.isLevelEnabled(level)) return;
    const entry = { method: this.req.method, path: this.path, status, durationMs: Math.round(this.elapsedMs() * 10) / 10, ...this.fields };
    this.log[level](entry, 'request');
  }
}
