/**
 * `pnpm bench <name> [--quick]`: runs scripts/bench/<name>.ts. Each benchmark module
 * exports `run(opts)` returning a flat object of figures; the runner prints it as the
 * last line of output, one JSON object, so machines can read it.
 * A module that reads options of its own lists them in `options`; any other option is
 * refused before anything runs (a misspelt `--minute 2` silently ran the 10 minute
 * default), and `--help` prints them.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

export interface BenchOptions {
  quick: boolean;
  /** Progress and commentary; never the final JSON line. */
  log: (message: string) => void;
}
export type BenchFigures = Record<string, number | string | boolean | null>;
export type BenchModule = {
  run(opts: BenchOptions): Promise<BenchFigures>;
  /** The module's own options besides --quick, each with what it means (`--name value` or a switch). */
  options?: Readonly<Record<string, string>>;
};

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();

const args = process.argv.slice(2);
const name = args.find((a) => !a.startsWith('-'));
const quick = args.includes('--quick');
if (!name || !available.includes(name)) {
  console.error(`usage: pnpm bench <name> [--quick] [--help]\navailable: ${available.join(', ')}`);
  process.exit(name === undefined && args.includes('--help') ? 0 : 2);
}
const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as BenchModule;
const known: Record<string, string> = { quick: 'a short run (under 30 s), saying what it leaves out', ...mod.options };
const usage = () => `usage: pnpm bench ${name} [options]\n${Object.entries(known).map(([o, what]) => `  --${o}  ${what}`).join('\n')}`;
if (args.includes('--help')) {
  console.log(usage());
  process.exit(0);
}
const unknown = args.filter((a) => a.startsWith('--') && !Object.hasOwn(known, a.slice(2).split('=')[0]!));
if (unknown.length > 0) {
  console.error(`WL_BENCH_UNKNOWN_OPTION: ${name} takes no ${unknown.join(', ')}\n${usage()}`);
  process.exit(2);
}
const started = performance.now();
const figures = await mod.run({ quick, log: (m) => console.error(`[${name}] ${m}`) });
figures.bench = name;
figures.quick = quick;
figures.wall_s = Number(((performance.now() - started) / 1000).toFixed(2));
console.log(JSON.stringify(figures));
process.exit(0);
