/**
 * Proves the LISTEN connection alive: every `intervalMs` a NOTIFY on the latest channel
 * that only this instance recognizes (hospital '', which no hospital is; the stream hub
 * ignores it), and `alive` while the last one came back within `silenceMs`. A connection
 * can die without a word until TCP says so, and the notifications of that gap are lost;
 * a cache fed by them must then not answer.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Clock, TimerHandle } from '@wardlink/shared';
import { LATEST_CHANNEL, type LatestChange } from '../ingest/latest-notify.js';

export class ListenerHeartbeat {
  private readonly token = `latest-cache-${randomUUID()}`;
  private timer: TimerHandle | undefined;
  private lastBackMs = -Infinity;
  private seq = 0;
  private sending = false;

  constructor(
    /** The primary's (a standby cannot NOTIFY). */
    private readonly pool: pg.Pool,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly silenceMs: number,
  ) {}

  start(): void {
    this.timer = this.clock.setInterval(() => void this.send(), this.intervalMs).unref();
  }

  stop(): void {
    this.timer?.cancel();
  }

  get alive(): boolean {
    return this.clock.monotonicMs() - this.lastBackMs <= this.silenceMs;
  }

  /** Whether `change` is a heartbeat (of this instance or another): not a hospital's change. */
  received(change: LatestChange): boolean {
    if (change.hospitalId !== '') return false;
    if (change.gatewayId === this.token) this.lastBackMs = this.clock.monotonicMs();
    return true;
  }

  async send(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      const n = ++this.seq;
      await this.pool.query('SELECT pg_notify($1, $2)', [LATEST_CHANNEL, JSON.stringify({ h: '', g: this.token, f: n, t: n })]);
    } catch {
      // Unanswered beats make the cache untrusted: reads go to the database, which says why.
    } finally {
      this.sending = false;
    }
  }
}
