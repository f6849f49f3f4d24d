/**
 * The child process of compaction-crash.test.ts. It runs the compaction job on the
 * test's database, as a real instance would, and SIGKILLs itself at one step of the
 * job's nth unit: no finally block, no ROLLBACK, no unlock; PostgreSQL finds the
 * connections closed. Before dying it prints the unit it stops in, as one JSON line
 * (stdout is a pipe, and pipe writes are synchronous on Linux: the parent gets it).
 *
 *   node --import tsx compaction-crash-child.ts <database url> <application name> <step> <nth> <now ms> <temp dir>
 */
import { join } from 'node:path';
import pg from 'pg';
import { ManualClock } from '@wardlink/shared';
import { silentLogger } from '../../../testing/logger.js';
import { createLifecycleContext } from '../../context.js';
import { LocalFolderArchiveStore } from '../../store/local-folder-store.js';
import { runCompaction, type CompactionStep } from '../compaction-job.js';

const [url, applicationName, step, nthText, nowText, dir] = process.argv.slice(2);
if (!url || !applicationName || !step || !nthText || !nowText || !dir) {
  console.error('usage: compaction-crash-child.ts <database url> <application name> <step> <nth> <now ms> <temp dir>');
  process.exit(2);
}
const nth = Number(nthText);
const pool = new pg.Pool({ connectionString: url, application_name: applicationName, max: 3 });
pool.on('error', () => undefined);
const ctx = createLifecycleContext({
  pool,
  logger: silentLogger,
  clock: new ManualClock(Number(nowText)),
  store: new LocalFolderArchiveStore(join(dir, 'archive')),
  stagingDir: join(dir, 'staging'),
  actor: 'compaction-crash-child',
});

let seen = 0;
const result = await runCompaction(ctx, {
  hook: (at: CompactionStep, unit) => {
    if (at !== step || ++seen !== nth) return;
    process.stdout.write(`${JSON.stringify({ step: at, nth, unit })}\n`);
    process.kill(process.pid, 'SIGKILL');
  },
});
// Only when the step was never reached: the parent fails the test with this.
process.stdout.write(`finished without reaching ${step} #${nth}: ${JSON.stringify(result)}\n`);
await pool.end();
