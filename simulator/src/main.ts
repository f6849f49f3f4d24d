/**
 * The live ward summary for the demo:
 *   tsx simulator/src/main.ts [--beds 20] [--seed 1] [--speed 1] [--duration-s N]
 * Exits 0 after --duration-s or on SIGINT/SIGTERM; 2 on a bad argument.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '@wardlink/shared';
import { runLiveSummary } from './live-summary.js';

const USAGE = 'usage: tsx simulator/src/main.ts [--beds 20] [--seed 1] [--speed 1] [--duration-s N]';

function numberArg(values: Record<string, string | undefined>, name: string, fallback: number | undefined, integer: boolean): number | undefined {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} (got "${raw}"); ${USAGE}`, { option: name });
  }
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { beds: { type: 'string' }, seed: { type: 'string' }, speed: { type: 'string' }, 'duration-s': { type: 'string' } },
    strict: true,
  });
  const durationS = numberArg(values, 'duration-s', undefined, false);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await runLiveSummary({
      beds: numberArg(values, 'beds', 20, true)!,
      seed: numberArg(values, 'seed', 1, true)!,
      speed: numberArg(values, 'speed', 1, false)!,
      ...(durationS === undefined ? {} : { durationMs: durationS * 1000 }),
      out: process.stdout,
      signal: controller.signal,
    });
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 2;
  },
);
