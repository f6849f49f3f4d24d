/**
 * The deployed tree of `pnpm package`, made fit to ship: pruned of what never runs
 * (sources, declarations, maps, native build leftovers, other platforms' binaries), then
 * checked to be self-contained and to load its native modules. Apart from the layout and
 * dpkg steps (package-build.ts) because it is the part that knows dependencies' insides.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Spec } from './package-specs.js';

/** Removed from the deployed tree: never loaded at run time. Paths relative to a package's folder. */
const PRUNE: Record<string, readonly string[]> = {
  'better-sqlite3': ['deps', 'src', 'build/deps', 'build/Release/obj', 'build/Release/obj.target', 'build/Release/.deps', 'build/Release/test_extension.node'],
};

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

export function pruneDependencies(appDir: string, arch: string): void {
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
export function checkSelfContained(appDir: string, spec: Spec): void {
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
export function checkNativeModules(appDir: string, checks: readonly string[]): void {
  for (const code of checks) {
    const r = spawnSync(process.execPath, ['-e', code], { cwd: appDir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    if (r.status !== 0) throw new Error(`native module check failed in ${appDir}: ${code}\n${r.stderr}`);
  }
}
