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
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

type Daemon = 'gateway' | 'cloud';

interface Spec {
  daemon: Daemon;
  /** Debian package name, also the folder under /usr/lib and the launcher's name. */
  name: string;
  workspacePackage: string;
  /** Files of packaging/<daemon>/ that go to /etc/wardlink (conffiles), with their mode. */
  configFiles: ReadonlyArray<{ file: string; mode: number }>;
  dataDir: string;
  description: string;
  /** Code run by node in the staged tree: each loads a native module and uses it once. */
  nativeChecks: readonly string[];
}

const SPECS: Record<Daemon, Spec> = {
  gateway: {
    daemon: 'gateway',
    name: 'wardlink-gateway',
    workspacePackage: '@wardlink/gateway',
    configFiles: [{ file: 'gateway.json', mode: 0o640 }],
    dataDir: 'var/lib/wardlink',
    description: [
      'Wardlink ward gateway daemon and its command line',
      ' Reads bedside monitors over serial, HL7/MLLP and MQTT, keeps every reading in SQLite',
      ' until the Wardlink cloud has it, raises alarms on the ward network (MQTT topics and the',
      ' nurse-station page) also while the cloud is unreachable, and uploads compressed batches.',
    ].join('\n'),
    nativeChecks: [
      "const D = require('better-sqlite3'); const db = new D(':memory:'); db.prepare('select 1').get(); db.close();",
      // Loading serialport loads its native binding (node-gyp-build throws when none fits).
      "require('serialport');",
    ],
  },
  cloud: {
    daemon: 'cloud',
    name: 'wardlink-cloud',
    workspacePackage: '@wardlink/cloud',
    configFiles: [
      { file: 'cloud.json', mode: 0o640 },
      { file: 'cloud.env', mode: 0o640 },
    ],
    dataDir: 'var/lib/wardlink-cloud',
    description: [
      'Wardlink cloud sync service and its command line',
      ' Takes the batches Wardlink gateways upload into PostgreSQL exactly once, serves the',
      ' read API (latest vitals, history, stream, reports) and runs the data lifecycle',
      ' (partitions, compaction, retention, Parquet archive).',
    ].join('\n'),
    nativeChecks: ["require('pg');", "import('@duckdb/node-api').then(async (m) => { const i = await m.DuckDBInstance.create(':memory:'); i.closeSync?.(); });"],
  },
};

/** Removed from the deployed tree: never loaded at run time. Paths relative to a package's folder. */
const PRUNE: Record<string, readonly string[]> = {
  'better-sqlite3': ['deps', 'src', 'build/deps', 'build/Release/obj', 'build/Release/obj.target', 'build/Release/.deps', 'build/Release/test_extension.node'],
};

/** Debian's architecture names to Node's, which name prebuilt binaries' folders. */
const NODE_ARCH: Record<string, string> = { amd64: 'x64', arm64: 'arm64', armhf: 'arm', i386: 'ia32' };

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

const started = Date.now();
function progress(message: string): void {
  console.error(`[package ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);
}

/** Runs a command, showing its output only when it fails (the progress lines say what runs). */
function run(cmd: string, args: readonly string[], opts: { cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    process.stderr.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
    throw new Error(`${cmd} ${args.join(' ')} exited ${String(r.status ?? r.signal)}`);
  }
  return r.stdout;
}

function requireTool(tool: string, hint: string): void {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} not found: ${hint}`);
}

function duKiB(path: string): number {
  return Number(run('du', ['-sk', '--apparent-size', path]).split(/\s+/)[0]);
}

/**
 * tsc into <pkg>/dist, incremental, with the build info inside dist so deleting dist rebuilds
 * all. `typecheck: false` emits without checking (--noCheck), for the package test: CI
 * type-checks the same sources in its own step, and the check is half of tsc's time.
 */
function compile(pkgDir: string, typecheck: boolean): void {
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  const info = join(pkgDir, 'dist', typecheck ? '.tsbuildinfo' : '.tsbuildinfo-nocheck');
  run(tsc, ['-p', join(pkgDir, 'tsconfig.build.json'), '--incremental', '--tsBuildInfoFile', info, ...(typecheck ? [] : ['--noCheck'])]);
}

/** What the deployed tree does not need: sources, type declarations, build info, maps. */
function pruneWorkspaceCopy(dir: string): void {
  for (const entry of ['src', 'tsconfig.build.json', 'dist/.tsbuildinfo', 'dist/.tsbuildinfo-nocheck']) rmSync(join(dir, entry), { recursive: true, force: true });
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      // Maps point at the TypeScript that is not shipped; declarations are for compilers.
      else if (e.name.endsWith('.d.ts') || e.name.endsWith('.js.map') || e.name.endsWith('.d.ts.map')) rmSync(p);
    }
  };
  if (existsSync(join(dir, 'dist'))) walk(join(dir, 'dist'));
}

function pruneDependencies(appDir: string, arch: string): void {
  const store = join(appDir, 'node_modules', '.pnpm');
  for (const entry of readdirSync(store)) {
    const nm = join(store, entry, 'node_modules');
    if (!existsSync(nm)) continue;
    for (const [name, paths] of Object.entries(PRUNE)) {
      const dir = join(nm, name);
      if (existsSync(dir)) for (const p of paths) rmSync(join(dir, p), { recursive: true, force: true });
    }
    // serialport ships prebuilt binaries for every platform; keep this one's.
    const prebuilds = join(nm, '@serialport', 'bindings-cpp', 'prebuilds');
    if (existsSync(prebuilds)) {
      for (const p of readdirSync(prebuilds)) if (!p.startsWith(`linux-${arch}`)) rmSync(join(prebuilds, p), { recursive: true, force: true });
    }
    // The workspace package itself (@wardlink/shared), copied with its sources.
    if (entry.startsWith('@wardlink+')) {
      const scoped = join(nm, '@wardlink');
      for (const pkg of readdirSync(scoped)) pruneWorkspaceCopy(join(scoped, pkg));
    }
  }
  pruneWorkspaceCopy(appDir);
}

/**
 * pnpm also links the deployed package itself into .pnpm/node_modules, pointing back at the
 * checkout: remove that link, then refuse any other link that leaves the tree (it would
 * dangle on the installed machine).
 */
function checkSelfContained(appDir: string, spec: Spec): void {
  rmSync(join(appDir, 'node_modules', '.pnpm', 'node_modules', ...spec.workspacePackage.split('/')), { force: true });
  const outside: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isSymbolicLink()) {
        const target = resolve(dirname(p), readlinkSync(p));
        if (!target.startsWith(`${appDir}/`)) outside.push(`${p} -> ${target}`);
      } else if (e.isDirectory()) walk(p);
    }
  };
  walk(appDir);
  if (outside.length > 0) throw new Error(`links leave the package tree:\n${outside.join('\n')}`);
}

/** Loads each native module from the staged tree, in a child whose only module path is that tree. */
function checkNativeModules(appDir: string, checks: readonly string[]): void {
  for (const code of checks) {
    const r = spawnSync(process.execPath, ['-e', code], { cwd: appDir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    if (r.status !== 0) throw new Error(`native module check failed in ${appDir}: ${code}\n${r.stderr}`);
  }
}

function control(spec: Spec, version: string, arch: string, installedKiB: number, nodeMajor: number): string {
  return (
    [
      `Package: ${spec.name}`,
      `Version: ${version}`,
      `Architecture: ${arch}`,
      'Maintainer: Wardlink maintainers <maintainers@wardlink.invalid>',
      `Installed-Size: ${installedKiB}`,
      // The same Node major as the build: better-sqlite3 and duckdb are compiled for its ABI.
      // passwd: useradd in postinst; procps: /bin/kill for the unit's ExecReload;
      // util-linux (essential): setpriv in the launcher.
      `Depends: nodejs (>= ${nodeMajor}), nodejs (<< ${nodeMajor + 1}), passwd, procps`,
      'Section: net',
      'Priority: optional',
      `Description: ${spec.description}`,
    ].join('\n') + '\n'
  );
}

interface Built {
  daemon: Daemon;
  package: string;
  version: string;
  arch: string;
  path: string;
  bytes: number;
  installedKiB: number;
  seconds: number;
}

function buildPackage(spec: Spec, outDir: string, arch: string, typecheck: boolean): Built {
  const t0 = Date.now();
  const pkgDir = join(ROOT, spec.daemon);
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  const src = join(ROOT, 'packaging', spec.daemon);

  progress(`${spec.name} ${version} (${arch}): compiling shared and ${spec.daemon} (tsc)`);
  compile(join(ROOT, 'shared'), typecheck);
  compile(pkgDir, typecheck);

  const work = mkdtempSync(join(tmpdir(), `${spec.name}-pkg-`));
  try {
    const root = join(work, 'root');
    const app = join(root, 'usr', 'lib', spec.name);
    mkdirSync(dirname(app), { recursive: true });
    progress(`${spec.name}: production dependencies (pnpm deploy --prod)`);
    // --prefer-offline: every package is in the store after `pnpm install`; the registry
    // is asked only for what is missing.
    run('pnpm', ['--filter', spec.workspacePackage, 'deploy', '--prod', '--prefer-offline', app]);
    pruneDependencies(app, NODE_ARCH[arch] ?? arch);
    checkSelfContained(app, spec);
    progress(`${spec.name}: checking the native modules load from the staged tree`);
    checkNativeModules(app, spec.nativeChecks);

    progress(`${spec.name}: laying out the package`);
    const put = (from: string, to: string, mode: number): void => {
      mkdirSync(dirname(join(root, to)), { recursive: true });
      copyFileSync(from, join(root, to));
      chmodSync(join(root, to), mode);
    };
    put(join(src, spec.name), `usr/bin/${spec.name}`, 0o755);
    put(join(src, `${spec.name}.service`), `lib/systemd/system/${spec.name}.service`, 0o644);
    for (const { file, mode } of spec.configFiles) put(join(src, file), `etc/wardlink/${file}`, mode);
    put(join(ROOT, 'docs', 'install.md'), `usr/share/doc/${spec.name}/install.md`, 0o644);
    // Only the data folder itself is private: mkdir's mode would also apply to /var and /var/lib.
    mkdirSync(join(root, spec.dataDir), { recursive: true });
    chmodSync(join(root, spec.dataDir), 0o750);

    const installedKiB = duKiB(root);
    const debian = join(root, 'DEBIAN');
    mkdirSync(debian);
    writeFileSync(join(debian, 'control'), control(spec, version, arch, installedKiB, nodeMajor));
    put(join(src, 'conffiles'), 'DEBIAN/conffiles', 0o644);
    for (const script of ['postinst', 'prerm', 'postrm']) put(join(src, script), `DEBIAN/${script}`, 0o755);

    mkdirSync(outDir, { recursive: true });
    const deb = join(outDir, `${spec.name}_${version}_${arch}.deb`);
    progress(`${spec.name}: dpkg-deb --build (${Math.round(installedKiB / 1024)} MiB installed)`);
    // gzip: every dpkg reads it, and it is several times faster than the default xz on
    // a tree this size.
    run('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z6', '--build', root, deb]);
    const built: Built = {
      daemon: spec.daemon,
      package: spec.name,
      version,
      arch,
      path: deb,
      bytes: statSync(deb).size,
      installedKiB,
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
    progress(`${spec.name}: ${deb} (${(built.bytes / 1024 / 1024).toFixed(1)} MiB) in ${built.seconds} s`);
    return built;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
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
