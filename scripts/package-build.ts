/**
 * One Debian package of `pnpm package`, built: compile (tsc), deploy the production
 * dependencies, prune and check the staged tree (package-staged-tree.ts), lay out the root
 * and DEBIAN/, and dpkg-deb --build. Apart from the command line (package.ts) so the
 * steps read top to bottom without argument parsing around them.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { duKiB, progress, ROOT, run } from './package-shell.js';
import { NODE_ARCH, type Daemon, type Spec } from './package-specs.js';
import { checkNativeModules, checkSelfContained, pruneDependencies } from './package-staged-tree.js';

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

export interface Built {
  daemon: Daemon;
  package: string;
  version: string;
  arch: string;
  path: string;
  bytes: number;
  installedKiB: number;
  seconds: number;
}

export function buildPackage(spec: Spec, outDir: string, arch: string, typecheck: boolean): Built {
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
