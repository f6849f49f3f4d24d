/**
 * The read-path bench's readers: real HTTP GETs with a reader token (node:http with
 * keep-alive agents; undici is not a dependency of scripts/, so the bench does not use
 * it), each timed from the request to the LAST byte of the body. Closed-loop workers run
 * until stopped. The bare baseline runs the latest route's own SQL through pg.
 */
import { Agent, request } from 'node:http';
import type pg from 'pg';

export interface Timed {
  ms: number[];
  errors: string[];
  bytes: number;
}

export const newTimed = (): Timed => ({ ms: [], errors: [], bytes: 0 });

export function getTimed(agent: Agent, url: string, token: string, into: Timed): Promise<void> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let bytes = 0;
      let head = '';
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (head.length < 300) head += c.toString();
      });
      res.on('end', () => {
        into.bytes += bytes;
        // A history answer that failed mid-stream ends with an error line, not done.
        if (res.statusCode !== 200) into.errors.push(`${res.statusCode} ${head.slice(0, 200)}`);
        else into.ms.push(performance.now() - t0);
        resolve();
      });
    });
    req.on('error', (err) => {
      into.errors.push(err.message);
      setTimeout(resolve, 100); // a refused connection must not spin the loop
    });
    req.end();
  });
}

export interface Loop {
  stop(): Promise<void>;
}

/** `workers` closed loops of `once(i)` until stop(). */
export function loop(workers: number, once: (i: number) => Promise<void>): Loop {
  let stopped = false;
  let n = 0;
  const all = Promise.all(
    Array.from({ length: workers }, async () => {
      while (!stopped) await once(n++);
    }),
  );
  return {
    async stop() {
      stopped = true;
      await all;
    },
  };
}

export function httpLoop(base: string, token: string, workers: number, pathOf: (i: number) => string, into: Timed): Loop {
  const agent = new Agent({ keepAlive: true, maxSockets: workers });
  const l = loop(workers, (i) => getTimed(agent, base + pathOf(i), token, into));
  return { stop: () => l.stop().then(() => agent.destroy()) };
}

/** The bare SQL of a route through pg, from the bench process: the same round trips a
 * psql session would do, without HTTP, auth or JSON. */
export function sqlLoop(pool: pg.Pool, workers: number, sql: string, paramsOf: (i: number) => unknown[], into: Timed): Loop {
  return loop(workers, async (i) => {
    const t0 = performance.now();
    try {
      await pool.query(sql, paramsOf(i));
      into.ms.push(performance.now() - t0);
    } catch (err) {
      into.errors.push((err as Error).message);
    }
  });
}
