/**
 * At most SCRYPT_CONCURRENCY scrypt computations at a time, the rest waiting in order.
 *
 * Each computation of the device and staff hashes (N=2^15, r=8) takes 32 MiB and runs on
 * libuv's thread pool (4 threads). When a ward's devices connect together (the daemon's
 * start, or a switch coming back), four ran at once: 128 MiB on top of the daemon's
 * ~120 MB for as long as the burst lasts (the `gateway-ingest` bench's RSS peak, 219-225
 * MB, was this), and the pool had no thread left for the file work that shares it. Two at
 * a time halves both; a password verified once is remembered (credential-cache.ts), so
 * only the first connect of each device after a start waits, ~70 ms a device here
 * (60 devices: ~4 s for the last, under MQTT's usual 30 s connect timeouts).
 */
export const SCRYPT_CONCURRENCY = 2;

export class ConcurrencyGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a concurrency limit must be a positive integer, not ${limit}`);
  }

  /** How many calls wait for their turn (for tests and gauges). */
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await work();
    } finally {
      // The slot passes straight to the next in line, so `running` stays counted for it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

export const scryptGate = new ConcurrencyGate(SCRYPT_CONCURRENCY);
