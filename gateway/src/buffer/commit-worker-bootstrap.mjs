// Loads the commit worker from TypeScript source (tests, `pnpm gateway` through tsx): a
// worker thread does not inherit the parent's tsx loader, so it registers its own. The
// built gateway (dist/) starts commit-worker.js directly and never uses this file.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
