/**
 * An undici Pool made at its first request, not when the uplink is built. Loading undici
 * costs ~0.1 s of the daemon's start-up CPU, and the daemon builds its uplink before it
 * answers /healthz: the first upload or fleet status, right after start-up, loads it instead.
 *
 * It behaves as the Pool it wraps: a request after close() or destroy() fails with
 * undici's own error (ClientDestroyedError), and destroy() aborts the requests in flight,
 * those still waiting for the pool included. Closing a pool that never sent anything does
 * not load undici.
 */
import type { Dispatcher, Pool } from 'undici';

export class LazyPool {
  private pool: Promise<Pool> | null = null;
  /** close() or destroy() came before the first request: the pool is made in that state. */
  private ended: 'closed' | 'destroyed' | null = null;

  constructor(
    private readonly origin: string,
    private readonly options: Pool.Options,
  ) {}

  request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
    return (this.pool ??= this.open()).then((pool) => pool.request(options));
  }

  /** Lets in-flight requests finish, then closes the connections. */
  async close(): Promise<void> {
    if (this.pool === null) this.ended ??= 'closed';
    else await (await made(this.pool))?.close();
  }

  /** Aborts in-flight requests and closes. */
  async destroy(): Promise<void> {
    if (this.pool === null) this.ended = 'destroyed';
    else await (await made(this.pool))?.destroy();
  }

  private async open(): Promise<Pool> {
    const { Pool } = await import('undici');
    const pool = new Pool(this.origin, this.options);
    if (this.ended === 'closed') await pool.close();
    else if (this.ended === 'destroyed') await pool.destroy();
    return pool;
  }
}

/** The pool, or null when undici could not be loaded (every request failed with that error): nothing to close. */
function made(pool: Promise<Pool>): Promise<Pool | null> {
  return pool.catch(() => null);
}
