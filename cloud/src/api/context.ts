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

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly path: string,
    readonly trace: TraceContext,
    readonly log: Logger,
    private readonly clock: Clock,
  ) {
    this.startedMs = clock.monotonicMs();
    res.setHeader('traceparent', formatTraceparent(trace));
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
    const entry = { method: this.req.method, path: this.path, status, durationMs: Math.round(this.elapsedMs() * 10) / 10, ...this.fields };
    if (status >= 500 && status !== 503) this.log.error(entry, 'request');
    else if (status >= 400) this.log.warn(entry, 'request');
    else if (PROBES.has(this.path)) this.log.debug(entry, 'request');
    else this.log.info(entry, 'request');
  }
}
