/**
 * Starts the commit worker thread from wherever this module runs: the built JavaScript
 * (gateway/dist, `node dist/cli/main.js run`) starts commit-worker.js; the TypeScript
 * source (vitest, tsx) starts it through a bootstrap that registers tsx in the thread.
 */
import { Worker } from 'node:worker_threads';

const fromSource = import.meta.url.endsWith('.ts');

/**
 * The thread allocates little (one batch of decoded readings at a time, freed at once): a
 * small young generation keeps its heap, and the gateway's RSS, from growing to V8's
 * default 16 MB semi-spaces under a sustained load.
 */
const resourceLimits = { maxYoungGenerationSizeMb: 4 };

export function spawnCommitWorker(): Worker {
  if (!fromSource) return new Worker(new URL('./commit-worker.js', import.meta.url), { resourceLimits });
  const entry = new URL('./commit-worker.ts', import.meta.url).href;
  return new Worker(new URL('./commit-worker-bootstrap.mjs', import.meta.url), { workerData: { entry }, resourceLimits });
}
