/**
 * The HTTP side of the uplink: one undici Pool to the cloud's origin (keep-alive, one
 * connection per batch in flight, connect/headers/body timeouts, optional TLS with a
 * private CA and a client certificate), made at the first send (lazy-pool.ts: undici is
 * not loaded before /healthz). `send` never throws: every result is a `SendOutcome` (see
 * classify.ts), a first send that cannot load undici included.
 */
import { classifyNetworkError, classifyResponse, type SendOutcome } from './classify.js';
import { LazyPool } from './lazy-pool.js';
import type { UplinkOptions } from './options.js';

/** The cloud's media type for an encoded batch (cloud/src/api/routes/batches.ts). */
export const BATCH_CONTENT_TYPE = 'application/vnd.wardlink.batch';
const USER_AGENT = 'wardlink-gateway/0.1';
/** Error and acknowledgement bodies are small JSON; anything longer is cut, not buffered. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface SendRequest {
  body: Uint8Array;
  /** `<gatewayId>:<seq>`: the same for every attempt of one batch. */
  idempotencyKey: string;
  traceparent: string;
}

export class UplinkClient {
  readonly origin: string;
  private readonly path: string;
  private readonly pool: LazyPool;
  declare private readonly authorization: string;

  constructor(options: UplinkOptions, private readonly now: () => number) {
    const url = new URL(options.url);
    this.origin = url.origin;
    this.path = `${url.pathname.replace(/\/+$/, '')}/v1/batches`;
    const tls = url.protocol === 'https:' ? options.tls ?? {} : {};
    this.pool = new LazyPool(this.origin, {
      connections: options.concurrency,
      pipelining: 1,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      connect: { timeout: options.connectTimeoutMs, ...tls },
    });
    // Not enumerable: the client can be logged or inspected without leaking the token.
    Object.defineProperty(this, 'authorization', { value: `Bearer ${options.token}`, enumerable: false });
  }

  async send(req: SendRequest): Promise<SendOutcome> {
    try {
      const res = await this.pool.request({
        method: 'POST',
        path: this.path,
        headers: {
          'content-type': BATCH_CONTENT_TYPE,
          authorization: this.authorization,
          'idempotency-key': req.idempotencyKey,
          traceparent: req.traceparent,
          'user-agent': USER_AGENT,
        },
        body: req.body,
      });
      const text = await readCapped(res.body);
      return classifyResponse(res.statusCode, res.headers, parseJson(text), this.now());
    } catch (err) {
      return classifyNetworkError(err, this.origin);
    }
  }

  /** Lets in-flight requests finish, then closes the connections. */
  close(): Promise<void> {
    return this.pool.close();
  }

  /** Aborts in-flight requests (they come back as WL_UPLINK_ABORTED) and closes. */
  destroy(): Promise<void> {
    return this.pool.destroy();
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { dump?: () => Promise<void> }): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    if (total + chunk.length > MAX_ANSWER_BYTES) {
      chunks.push(chunk.subarray(0, MAX_ANSWER_BYTES - total));
      break; // leaving the loop destroys the body; undici closes that connection
    }
    chunks.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
