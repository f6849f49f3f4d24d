/**
 * The doctor's three questions to the cloud, over the wire the uplink uses: the same URL
 * (with its path prefix), the same TLS material (cloud.caFile replacing the system roots,
 * the client certificate for mutual TLS; uplink/from-config.ts reads them), the same
 * bearer token. The uplink pins nothing beyond its CA, so neither does the doctor.
 *
 * - handshake(): a real TLS handshake, reporting the verdict and the certificate instead
 *   of refusing, so the line can say WHY it is not trusted.
 * - get('/healthz'): reachability, and the `Date` header for the clock skew.
 * - tokenProbe(): the token check. The cloud has no gateway-authenticated GET (its read
 *   routes take reader tokens only), so the doctor POSTs an EMPTY body to /v1/batches. The
 *   route checks the token before anything else that depends on the body and refuses an
 *   empty one with 400 WL_API_INVALID_BATCH right after (cloud/src/api/routes/batches.ts):
 *   400 means "token accepted", 401 "refused", and nothing is stored, rate-limited or
 *   sequenced. The cloud counts it as one rejected request in its metrics and access log.
 */
import { connect, type PeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { BATCH_CONTENT_TYPE } from '../uplink/client.js';
import { networkCode } from '../uplink/classify.js';
import type { TlsMaterial } from '../uplink/options.js';
import { CloudProbeError } from './errors.js';

export interface HandshakeResult {
  authorized: boolean;
  /** Node's reason when not authorized (CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID...). */
  authorizationError: string | null;
  subject: string | null;
  issuer: string | null;
  validTo: Date | null;
  protocol: string | null;
}

export interface HttpAnswer {
  status: number;
  /** The server's `Date` header, and when the request was sent and answered (local ms). */
  date: string | null;
  sentAtMs: number;
  answeredAtMs: number;
  body: unknown;
}

const USER_AGENT = 'wardlink-gateway-doctor/0.1';

function describeName(name: PeerCertificate['subject'] | undefined): string | null {
  if (!name) return null;
  return name.CN ? `CN=${String(name.CN)}` : (Object.entries(name).map(([k, v]) => `${k}=${String(v)}`).join(', ') || null);
}

export class CloudProbe {
  private readonly url: URL;
  private readonly agent: Agent;

  constructor(baseUrl: string, private readonly tls: TlsMaterial, private readonly timeoutMs: number) {
    this.url = new URL(baseUrl);
    const material = this.url.protocol === 'https:' ? tls : {};
    this.agent = new Agent({ connect: { timeout: timeoutMs, ...material }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  }

  get secure(): boolean {
    return this.url.protocol === 'https:';
  }

  get origin(): string {
    return this.url.origin;
  }

  handshake(): Promise<HandshakeResult> {
    const host = this.url.hostname.replace(/^\[|\]$/g, '');
    return new Promise((resolve, reject) => {
      const socket = connect({
        host,
        port: Number(this.url.port || 443),
        // SNI only for names (RFC 6066); the certificate is checked against the host either way.
        ...(isIP(host) ? {} : { servername: host }),
        ...this.tls,
        rejectUnauthorized: false,
        timeout: this.timeoutMs,
      });
      const done = (err: Error | null) => {
        socket.destroy();
        if (err) reject(new CloudProbeError(`TLS handshake with ${this.url.host}`, err.message, networkCode(err), { cause: err }));
      };
      socket.once('timeout', () => done(Object.assign(new Error(`no handshake within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      socket.once('error', done);
      socket.once('secureConnect', () => {
        const cert = socket.getPeerCertificate();
        const authError = socket.authorizationError;
        resolve({
          authorized: socket.authorized,
          authorizationError: authError === null || authError === undefined ? null : String((authError as Error).message ?? authError),
          subject: describeName(cert?.subject),
          issuer: describeName(cert?.issuer),
          validTo: cert?.valid_to ? new Date(cert.valid_to) : null,
          protocol: socket.getProtocol(),
        });
        done(null);
      });
    });
  }

  /** GET a path under the cloud URL, without credentials. */
  get(path: string): Promise<HttpAnswer> {
    return this.send('GET', path, {}, undefined);
  }

  /** The empty-batch POST with the bearer token (see the file comment). */
  tokenProbe(token: string): Promise<HttpAnswer> {
    return this.send('POST', '/v1/batches', { 'content-type': BATCH_CONTENT_TYPE, authorization: `Bearer ${token}` }, '');
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async send(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body: string | undefined): Promise<HttpAnswer> {
    const target = new URL(`${this.url.pathname.replace(/\/+$/, '')}${path}`, this.url.origin);
    const sentAtMs = Date.now();
    try {
      const res = await request(target, { method, headers: { ...headers, 'user-agent': USER_AGENT }, ...(body === undefined ? {} : { body }), dispatcher: this.agent, signal: AbortSignal.timeout(this.timeoutMs) });
      const answeredAtMs = Date.now();
      const text = await res.body.text();
      const date = res.headers.date;
      return { status: res.statusCode, date: typeof date === 'string' ? date : null, sentAtMs, answeredAtMs, body: parseJson(text) };
    } catch (err) {
      throw new CloudProbeError(`${method} ${target.pathname} at ${this.url.origin}`, (err as Error).message, networkCode(err), { cause: err });
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
