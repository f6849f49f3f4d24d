/**
 * `pnpm package [--only gateway|cloud] [--out DIR] [--json] [--no-typecheck]`: the Debian packages
 * wardlink-gateway_<version>_<arch>.deb and wardlink-cloud_<version>_<arch>.deb, built with
 * dpkg-deb from packaging/<daemon>/ (unit, launcher, config, maintainer scripts) and the
 * daemon's compiled JavaScript with its production dependencies.
 *
 * Steps per package (progress on stderr, the summary on stdout, one JSON line with --json):
 *  1. tsc: shared, then the daemon, to their dist/ (incremental, so a second run is fast);
 *     --no-typecheck only emits (the package test; CI type-checks in its own step);
 *  2. `pnpm deploy --prod`: a self-contained node_modules from the lockfile, native modules
 *     included, @wardlink/shared as its built dist;
 *  3. prune what never runs (TypeScript sources, native build leftovers, other platforms'
 *     prebuilt binaries) and check that the native modules load from the staged tree;
 *  4. lay out the root (/usr/lib/<pkg>, /usr/bin launcher, the unit, /etc/wardlink,
 *     /var/lib) and DEBIAN/ (control, conffiles, postinst, prerm, postrm);
 *  5. dpkg-deb --build, owned by root, into --out (default: dist/packages/ of the checkout).
 *
 * The native modules (better-sqlite3, duckdb) are compiled for this machine's Node ABI and
 * architecture, so the package depends on the same Node major and is built per architecture.
 *
 * Beside it: the specs (package-specs.ts), the build steps (package-build.ts), the staged
 * tree's pruning and checks (package-staged-tree.ts) and the tool runner (package-shell.ts).
 */
import { join, resolve } from 'node:path';
import { buildPackage, type Built } from './package-build.js';
import { requireTool, ROOT, run, started } from './package-shell.js';
import { SPECS, type Daemon } from './package-specs.js';

interface Args {
  only: Daemon[];
  out: string;
  json: boolean;
  typecheck: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { only: ['gateway', 'cloud'], out: join(ROOT, 'dist', 'packages'), json: false, typecheck: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') args.json = true;
    else if (a === '--no-typecheck') args.typecheck = false;
    else if (a === '--only') {
      const v = argv[++i];
      if (v !== 'gateway' && v !== 'cloud') usage(`--only takes gateway or cloud, not ${String(v)}`);
      args.only = [v];
    } else if (a === '--out') {
      const v = argv[++i];
      if (!v) usage('--out takes a folder');
      args.out = resolve(v);
    } else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument ${a}`);
  }
  return args;
}

function usage(problem?: string): never {
  if (problem) console.error(`error: ${problem}`);
  console.error('usage: pnpm package [--only gateway|cloud] [--out DIR] [--json] [--no-typecheck]');
  process.exit(problem ? 2 : 0);
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const built: Built[] = [];
  try {
    requireTool('dpkg-deb', 'build on Debian or Ubuntu (package dpkg)');
    requireTool('pnpm', 'install pnpm 9 (npm i -g pnpm@9)');
    const arch = run('dpkg', ['--print-architecture']).trim();
    for (const daemon of args.only) built.push(buildPackage(SPECS[daemon], args.out, arch, args.typecheck));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`error: ${message}`);
    if (args.json) console.log(JSON.stringify({ ok: false, error: message, packages: built }));
    process.exit(1);
  }
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  if (args.json) console.log(JSON.stringify({ ok: true, seconds, packages: built }));
  else for (const b of built) console.log(`${b.path} (${(b.bytes / 1024 / 1024).toFixed(1)} MiB)`);
}

main();
