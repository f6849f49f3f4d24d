/**
 * The instance's ONE dedicated LISTEN connection for latest-vitals changes
 * (ingest/latest-notify.ts). It is a plain pg.Client on the PRIMARY, outside the pools:
 * NOTIFY is not replicated to standbys, and a pooled connection would be recycled (and
 * its LISTEN lost) by the pool's idle timeout.
 *
 * It listens for the whole life of the service, not only while a stream is open: the
 * cost is one idle connection and a few hundred bytes per batch, and a stream's first
 * snapshot can then never race a LISTEN still being set up (a change committed between
 * the two would be lost).
 *
 * When the connection drops (server restart, failover, pg_terminate_backend) it
 * reconnects with exponential backoff, and reports `onResync` each time it listens:
 * notifications sent during the gap are gone, so subscribers must re-read.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '@wardlink/shared';
import { LATEST_CHANNEL, parseLatestChange, type LatestChange } from '../ingest/latest-notify.js';

export interface LatestListenerOptions {
  connectionString: string;
  clock: Clock;
  logger: Logger;
  onChange: (change: LatestChange) => void;
  onResync: () => void;
  /** First reconnect delay, doubled per failure up to maxBackoffMs. Default 250. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

export class LatestListener {
  private client: pg.Client | undefined;
  private timer: TimerHandle | undefined;
  private backoffMs: number;
  private stopped = false;
  private everConnected = false;

  constructor(private readonly opts: LatestListenerOptions) {
    this.backoffMs = opts.minBackoffMs ?? 250;
  }

  /** Starts connecting in the background; failures are retried, never thrown. */
  start(): void {
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.opts.connectionString,
      application_name: this.opts.applicationName ?? 'wardlink-cloud-listen',
      keepAlive: true,
    });
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      if (this.stopped) return;
      this.opts.logger.warn({ err: err?.message, retryInMs: this.backoffMs }, 'the LISTEN connection for streams was lost; reconnecting');
      this.scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (msg) => {
      if (msg.channel !== LATEST_CHANNEL) return;
      const change = parseLatestChange(msg.payload);
      if (change) this.opts.onChange(change);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${LATEST_CHANNEL}`);
    } catch (err) {
      onLost(err as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoffMs = this.opts.minBackoffMs ?? 250;
    if (this.everConnected) this.opts.logger.info('the LISTEN connection for streams is back; clients get a fresh snapshot');
    this.everConnected = true;
    // Also after the first connect: a stream attached before it may have missed changes.
    this.opts.onResync();
  }

  private scheduleReconnect(): void {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs ?? 10_000);
    this.timer = this.clock.setTimeout(() => void this.connect(), delay).unref();
  }

  private get clock(): Clock {
    return this.opts.clock;
  }
}
