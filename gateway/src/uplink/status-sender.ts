/**
 * Sends the gateway's status document to the cloud's fleet view
 * (POST <cloud.url>/v1/gateways/status): at most every STATUS_MIN_INTERVAL_MS while
 * batches are being uploaded, and every STATUS_IDLE_INTERVAL_MS when there is nothing to
 * upload. It never touches the batch path: its own one-connection pool (a slow status
 * never holds a batch's connection; made at the first send, lazy-pool.ts), no retries
 * (the next one comes anyway), and every outcome is only counted
 * (`wardlink_gateway_fleet_status_total{result}`) and logged with a rate limit. A refused
 * status (4xx) never pauses uploads.
 */
import type { Clock, TimerHandle } from '@wardlink/shared';
import { Counter } from 'prom-client';
import type { StatusCollector } from '../fleet/collect.js';
import { serializeStatus } from '../fleet/status-doc.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { LazyPool } from './lazy-pool.js';
import type { UplinkOptions } from './options.js';
import type { UplinkLogger } from './types.js';

export const STATUS_MIN_INTERVAL_MS = 5_000;
export const STATUS_IDLE_INTERVAL_MS = 30_000;
/** A refusal is logged at most this often (a misconfigured cloud would refuse every send). */
const REFUSAL_LOG_INTERVAL_MS = 10 * 60_000;
const STATUS_TIMEOUT_MS = 10_000;
const METRIC = 'wardlink_gateway_fleet_status_total';

export type StatusResult = 'sent' | 'refused' | 'failed';

export class FleetStatusSender {
  private readonly pool: LazyPool;
  private readonly path: string;
  private readonly counter: Counter<'result'> | null;
  declare private readonly authorization: string;
  private ticker: TimerHandle | null = null;
  private lastSentAtMs = -Infinity;
  private uploadsSinceLast = 0;
  private sending: Promise<unknown> | null = null;
  private lastRefusalLogMs = -Infinity;
  /** The last outcome, for tests and `status`. */
  last: { result: StatusResult; status: number | null; code: string | null; atMs: number } | null = null;

  constructor(
    options: UplinkOptions,
    private readonly collector: StatusCollector,
    private readonly deps: { clock: Clock; logger: UplinkLogger; metrics: GatewayMetrics | undefined },
  ) {
    const url = new URL(options.url);
    this.path = `${url.pathname.replace(/\/+$/, '')}/v1/gateways/status`;
    const tls = url.protocol === 'https:' ? options.tls ?? {} : {};
    this.pool = new LazyPool(url.origin, {
      connections: 1,
      headersTimeout: STATUS_TIMEOUT_MS,
      bodyTimeout: STATUS_TIMEOUT_MS,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      connect: { timeout: options.connectTimeoutMs, ...tls },
    });
    Object.defineProperty(this, 'authorization', { value: `Bearer ${options.token}`, enumerable: false });
    this.counter = deps.metrics ? statusCounter(deps.metrics) : null;
  }

  start(): void {
    if (this.ticker) return;
    this.ticker = this.deps.clock.setInterval(() => void this.tick(), STATUS_MIN_INTERVAL_MS).unref();
    void this.tick();
  }

  /** A batch was acknowledged: the next tick sends a fresh status. */
  noteUpload(): void {
    this.uploadsSinceLast++;
  }

  async stop(): Promise<void> {
    this.ticker?.cancel();
    this.ticker = null;
    await this.sending?.catch(() => undefined);
    await this.pool.destroy().catch(() => undefined);
  }

  private async tick(): Promise<void> {
    const now = this.deps.clock.now();
    try {
      await this.collector.sample(now);
    } catch {
      // metrics unreadable: the rate keeps its older samples
    }
    const due = now - this.lastSentAtMs >= (this.uploadsSinceLast > 0 ? STATUS_MIN_INTERVAL_MS : STATUS_IDLE_INTERVAL_MS);
    if (!due || this.sending || !this.ticker) return;
    this.uploadsSinceLast = 0;
    this.lastSentAtMs = now;
    this.sending = this.send().finally(() => (this.sending = null));
    await this.sending;
  }

  /** Collects and sends one status now; never throws. */
  async send(): Promise<StatusResult> {
    let status: number | null = null;
    let code: string | null = null;
    let result: StatusResult;
    try {
      const body = serializeStatus(await this.collector.collect(this.deps.clock.now()), this.deps.clock.now());
      const res = await this.pool.request({
        method: 'POST',
        path: this.path,
        headers: { 'content-type': 'application/json', authorization: this.authorization, 'user-agent': 'wardlink-gateway/0.1' },
        body,
      });
      status = res.statusCode;
      const answer = (await res.body.text().catch(() => '')).slice(0, 4096);
      code = errorCode(answer);
      result = status >= 200 && status < 300 ? 'sent' : status >= 400 && status < 500 ? 'refused' : 'failed';
    } catch (err) {
      code = (err as { code?: string }).code ?? 'error';
      result = 'failed';
    }
    const now = this.deps.clock.now();
    this.last = { result, status, code, atMs: now };
    this.counter?.inc({ result });
    if (result === 'refused' && now - this.lastRefusalLogMs >= REFUSAL_LOG_INTERVAL_MS) {
      this.lastRefusalLogMs = now;
      this.deps.logger.warn({ status, code }, 'fleet status refused by the cloud (uploads are not affected); logged once per 10 min');
    } else if (result === 'failed') {
      this.deps.logger.debug({ status, code }, 'fleet status not sent; the next one follows');
    }
    return result;
  }
}

function errorCode(answer: string): string | null {
  try {
    const code = (JSON.parse(answer) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code.slice(0, 64) : null;
  } catch {
    return null;
  }
}

/** One counter per registry: a reload builds a new uplink on the same metrics. */
function statusCounter(metrics: GatewayMetrics): Counter<'result'> {
  const existing = metrics.registry.getSingleMetric(METRIC);
  if (existing) return existing as Counter<'result'>;
  return new Counter({ name: METRIC, help: 'Fleet status documents sent to the cloud, by result (sent, refused, failed)', labelNames: ['result'], registers: [metrics.registry] });
}
